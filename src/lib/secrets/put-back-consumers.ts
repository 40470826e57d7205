import type { Context } from '../context.js';
import { ExitCode, MolectlError } from '../errors.js';
import type { RunLedger } from '../runs/run-ledger.js';
import { applyRunsOf, setConsumer, type ConsumerSettings, type PutBackOf } from './consumer-actions.js';
import { AWSPENDING } from '../aws/secret-stages.js';
import { settleStepRuns } from '../tenant-secret-delivery/settle-earlier-apply-run.js';
import { loadEarlierRotation } from './load-earlier-rotation.js';
import type { RotationResult, RotationRun } from './run-rotation.js';

/**
 * The way back of a rotation: putting touched consumers back on AWSCURRENT (after a failure, or
 * as `--abort-pending`), and deciding whether AWSPENDING may go. Every consumer's state in the
 * result is what was observed: put back and tested, unchanged (nothing to put back), or not.
 */

/**
 * Undoing an interrupted rotation: every consumer the earlier run touched is put back and tested;
 * the result names what was put back, what the rotation never changed, and who could not be put
 * back. AWSPENDING goes only when nobody still holds it: a tenant left behind (unreachable,
 * accepted or not) keeps it, so a later `--abort-pending` can finish the job.
 */
export async function abortPending(
  ctx: Context,
  run: RotationRun,
  settings: ConsumerSettings,
  ledger: RunLedger,
  result: RotationResult,
): Promise<RotationResult> {
  const pending = run.to!;
  result.to = { versionId: pending.versionId, fingerprint: pending.fingerprint };
  const earlier = await loadEarlierRotation(ctx, pending.versionId);
  const touched = touchedByEarlierRun(run, earlier);
  // A tenant step the rotation was killed in may still have commands on hosts: collected first.
  for (const consumer of run.secret.consumers.filter((c) => c.kind === 'tenants-env' && touched.includes(c.ref)))
    await settleStepRuns(ctx, applyRunsOf(earlier?.target(consumer.ref)), {
      rotationRun: pending.versionId,
      againCommand: `molectl secrets rotate ${run.secret.name} --abort-pending`,
    });
  const back = await putBack(ctx, run, settings, ledger, touched, result, (ref) => ({
    applyRuns: applyRunsOf(earlier?.target(ref)),
  }));
  for (const consumer of run.secret.consumers) {
    if (touched.includes(consumer.ref)) continue;
    result.consumers.push({
      consumer: consumer.ref,
      state: 'unchanged',
      detail: `never changed by the rotation (ledger of run ${pending.versionId})`,
    });
  }
  const order = run.secret.consumers.map((c) => c.ref);
  result.consumers.sort((a, b) => order.indexOf(a.consumer) - order.indexOf(b.consumer));
  const nobodyHoldsPending = back && result.leftBehind.length === 0;
  await finishFailure(ctx, run, ledger, result, nobodyHoldsPending, "aborted at the operator's request");
  const kept = `AWSPENDING ${pending.versionId} is kept, retry with --abort-pending`;
  result.failure = !back
    ? `some consumers could not be put back (see the table): ${kept}`
    : nobodyHoldsPending
      ? null
      : `tenants left behind still hold the pending value: ${kept} once they are reachable`;
  result.status = nobodyHoldsPending ? 'succeeded' : back ? 'partial' : 'failed';
  result.exitCode = nobodyHoldsPending ? ExitCode.ok : back ? ExitCode.partial : ExitCode.failed;
  await ledger.setStatus(result.status);
  return result;
}

/**
 * Puts the touched consumers back on AWSCURRENT, in the configured order (not reversed): each
 * consumer's test presumes the ones before it already hold the value, so the tenants' CP
 * authentication check passes only once the CP is back. True when all went back.
 */
export async function putBack(
  ctx: Context,
  run: RotationRun,
  settings: ConsumerSettings,
  ledger: RunLedger,
  touched: string[],
  result: RotationResult,
  forwardOf: (ref: string) => PutBackOf,
): Promise<boolean> {
  let allBack = true;
  for (const ref of touched) {
    const consumer = run.secret.consumers.find((c) => c.ref === ref)!;
    const step = ctx.out.step(`${ref} — putting back ${run.current.fingerprint}`);
    let outcome;
    try {
      outcome = await setConsumer(
        ctx,
        consumer,
        run.current,
        { ...settings, onApplyRunCreated: (id) => ledger.updateTarget(ref, { remoteIds: { putBackApplyRun: id } }) },
        forwardOf(ref),
      );
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      outcome = { ok: false, detail: (error as Error).message, remoteIds: {}, leftBehind: [] };
    }
    if (!outcome.ok) allBack = false;
    for (const who of outcome.leftBehind) if (!result.leftBehind.includes(who)) result.leftBehind.push(who);
    await ledger.updateTarget(ref, {
      // Putting back is the whole job of an abort; in a rotation the consumer's change failed.
      state: run.mode === 'abort-pending' && outcome.ok ? 'succeeded' : 'failed',
      outcome: outcome.ok ? (outcome.changedNothing ? 'unchanged' : 'put-back') : 'put-back-failed',
      remoteIds: Object.fromEntries(
        Object.entries(outcome.remoteIds).map(([k, v]) => [`putBack${k[0]!.toUpperCase()}${k.slice(1)}`, v]),
      ),
      detail: { putBack: outcome.detail },
    });
    const report = result.consumers.find((c) => c.consumer === ref);
    // A put-back that had nothing to change is not a restore: it says so.
    const state = outcome.ok ? (outcome.changedNothing ? 'unchanged' : 'put-back') : 'put-back-failed';
    if (report) report.state = `${report.state === 'failed' ? 'failed, ' : ''}${state}`;
    else result.consumers.push({ consumer: ref, state, detail: outcome.detail });
    if (outcome.ok && outcome.changedNothing) step.succeed(`${ref} — ${outcome.detail}`);
    else if (outcome.ok) step.succeed(`${ref} — back on ${run.current.fingerprint}`);
    else step.fail(`${ref} — could not put back — ${outcome.detail}`);
  }
  return allBack;
}

export async function finishFailure(
  ctx: Context,
  run: RotationRun,
  ledger: RunLedger,
  result: RotationResult,
  allBack: boolean,
  reason: string,
): Promise<void> {
  const pending = result.to && run.mode !== 'rollback' ? result.to : null;
  if (pending && allBack) {
    const described = await ctx.aws.describeSecret(run.secret.secretId);
    if (described?.versions.some((v) => v.versionId === pending.versionId && v.stages.includes(AWSPENDING))) {
      await ctx.aws.updateSecretVersionStage({
        secretId: run.secret.secretId,
        stage: AWSPENDING,
        removeFromVersionId: pending.versionId,
      });
    }
    await ledger.recordEvent(`removed AWSPENDING from ${pending.versionId}`);
  }
  if (run.mode === 'abort-pending') return;
  result.status = 'failed';
  result.exitCode = ExitCode.failed;
  result.failure = allBack
    ? `${reason}; every touched consumer is back on AWSCURRENT${pending ? ' and AWSPENDING was removed' : ''}`
    : `${reason}; some consumers could not be put back (see the table)${pending ? `: AWSPENDING ${pending.versionId} is kept, retry with --abort-pending` : ''}`;
  await ledger.recordEvent(result.failure, { level: 'error' });
  await ledger.setStatus('failed', { error: new MolectlError(result.failure) });
}

/** Consumers an earlier run touched, from its ledger (id = the pending version id); all when it is not here. */
function touchedByEarlierRun(run: RotationRun, earlier: RunLedger | null): string[] {
  const all = run.secret.consumers.map((c) => c.ref);
  if (!earlier) return all;
  return all.filter((ref) => {
    const t = earlier.target(ref);
    return t !== undefined && t.state !== 'pending';
  });
}
