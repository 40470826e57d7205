import { randomBytes } from 'node:crypto';
import type { Context } from '../context.js';
import { LOCKS } from '../runs/lock-names.js';
import { ExitCode, MolectlError } from '../errors.js';
import { fingerprintOf } from '../output/fingerprint.js';
import { runMutation } from '../runs/run-lifecycle.js';
import type { RunLedger } from '../runs/run-ledger.js';
import { setConsumer, type ConsumerSettings, type PutBackOf, type VersionToSet } from './consumer-actions.js';
import type { ManagedSecret } from './managed-secret.js';
import { AWSCURRENT, AWSPENDING } from '../aws/secret-stages.js';
import type { RotationMode } from './rotation-plan.js';

/**
 * The staged rotation, as Secrets Manager's own rotation protocol does it:
 *   create  a new value as AWSPENDING, ClientRequestToken = the run id (a retry makes no second version);
 *   set     each consumer, in the configured order, to the pending value;
 *   test    each consumer right after setting it (setConsumer sets and tests);
 *   finish  AWSCURRENT moves to the new version (the old one becomes AWSPREVIOUS), AWSPENDING goes.
 * Invariants: a failure before finish puts every touched consumer back on AWSCURRENT (configured
 * order) and removes AWSPENDING, which is kept only when a consumer could not be put back (so
 * `--abort-pending` can try again); Ctrl-C saves the ledger and changes nothing more (`--resume`).
 * The ledger holds version ids and fingerprints, never a value. `rollback` is the same walk to
 * AWSPREVIOUS without the create step.
 */

export const ROTATE_COMMAND = 'secrets rotate';
export const ROLLBACK_COMMAND = 'secrets rollback';
/**
 * Messages join a consumer (`...CP_ADMIN_API_TOKEN`) and its detail with ' — ', never ': ': the
 * redactor rightly reads `NAME_TOKEN: text` as an assignment and would hide the detail.
 */
/** Ledger target keys besides the consumers. */
const CREATE = 'create';
const FINISH = 'finish';

export interface RotationRun {
  mode: RotationMode;
  secret: ManagedSecret;
  /** AWSCURRENT when the run started (the value consumers are put back on). */
  current: VersionToSet;
  /** The version consumers move to: AWSPENDING (resume, abort), AWSPREVIOUS (rollback); null: create it. */
  to: VersionToSet | null;
  generateBytes: number;
  /** How consumers are set; the run's guard is added once the run holds its locks. */
  settings: Omit<ConsumerSettings, 'guard'>;
  breakLock: boolean;
}

export interface ConsumerReport {
  consumer: string;
  state: string;
  detail: string;
}

export interface RotationResult {
  run: string;
  mode: RotationMode;
  status: 'succeeded' | 'partial' | 'failed';
  secret: string;
  secretId: string;
  from: { versionId: string; fingerprint: string };
  to: { versionId: string; fingerprint: string } | null;
  consumers: ConsumerReport[];
  leftBehind: string[];
  /** Why it failed, and whether AWSPENDING was removed. */
  failure: string | null;
  exitCode: number;
}

export async function runRotation(ctx: Context, run: RotationRun, ledger: RunLedger): Promise<RotationResult> {
  // One run per secret and environment at a time (two rotations would fight over AWSPENDING);
  // a rotation with tenant consumers also holds the migrate engine's lock: two runs must not
  // recreate the same containers.
  const locks = [
    LOCKS.secret(run.secret.name),
    ...(run.secret.consumers.some((c) => c.kind === 'tenants-env') ? [LOCKS.tenantSecretDelivery] : []),
  ];
  return runMutation(
    ctx,
    {
      ledger: { existing: ledger },
      locks,
      fleet: true,
      breakLock: run.breakLock,
      resumeHint: () =>
        run.mode === 'rollback'
          ? `run \`molectl secrets rollback ${run.secret.name}\` again`
          : `continue with \`molectl secrets rotate ${run.secret.name} --resume\`, or undo with --abort-pending`,
      interruptNote: 'consumers already changed stay changed',
    },
    (active) => walk(ctx, run, { ...run.settings, guard: active }, ledger),
  );
}

async function walk(
  ctx: Context,
  run: RotationRun,
  settings: ConsumerSettings,
  ledger: RunLedger,
): Promise<RotationResult> {
  const { secret } = run;
  const result: RotationResult = {
    run: ledger.id,
    mode: run.mode,
    status: 'succeeded',
    secret: secret.name,
    secretId: secret.secretId,
    from: { versionId: run.current.versionId, fingerprint: run.current.fingerprint },
    to: null,
    consumers: [],
    leftBehind: [],
    failure: null,
    exitCode: ExitCode.ok,
  };

  if (run.mode === 'abort-pending') {
    const pending = run.to!;
    result.to = { versionId: pending.versionId, fingerprint: pending.fingerprint };
    const earlier = await ctx.runs.load(pending.versionId).catch(() => null);
    const touched = touchedByEarlierRun(run, earlier);
    const back = await putBack(ctx, run, settings, ledger, touched, result, (ref) => ({
      applyRun: earlier?.target(ref)?.remoteIds.applyRun,
    }));
    await finishFailure(ctx, run, ledger, result, back, "aborted at the operator's request");
    result.failure = back
      ? null
      : `some consumers could not be put back (see the table): AWSPENDING ${pending.versionId} is kept, retry with --abort-pending`;
    result.status = back ? 'succeeded' : 'failed';
    result.exitCode = back ? ExitCode.ok : ExitCode.failed;
    await ledger.setStatus(back ? 'succeeded' : 'failed');
    return result;
  }

  const to = run.to ?? (await createPending(ctx, run, ledger));
  result.to = { versionId: to.versionId, fingerprint: to.fingerprint };
  await ledger.setPinned({ toVersionId: to.versionId, toFingerprint: to.fingerprint });

  const touched: string[] = [];
  for (const consumer of secret.consumers) {
    // A safe point: the consumers before this one are set and tested.
    settings.guard.checkpoint();
    if (
      ledger.target(consumer.ref)?.state === 'succeeded' &&
      ledger.target(consumer.ref)?.detail.versionId === to.versionId
    ) {
      touched.push(consumer.ref);
      result.consumers.push({
        consumer: consumer.ref,
        state: 'done-before',
        detail: 'set and tested by the earlier attempt of this run',
      });
      continue;
    }
    touched.push(consumer.ref);
    await ledger.updateTarget(consumer.ref, {
      state: 'in-progress',
      detail: { versionId: to.versionId, fingerprint: to.fingerprint },
    });
    const step = ctx.out.step(`${consumer.ref} — setting ${to.fingerprint}`);
    let outcome;
    try {
      outcome = await setConsumer(ctx, consumer, to, {
        ...settings,
        onApplyRunCreated: (id) => ledger.updateTarget(consumer.ref, { remoteIds: { applyRun: id } }),
      });
    } catch (error) {
      if (ctx.signal.aborted) {
        step.fail(`${consumer.ref} — interrupted`);
        throw error;
      }
      outcome = { ok: false, detail: (error as Error).message, remoteIds: {}, leftBehind: [] };
    }
    result.leftBehind.push(...outcome.leftBehind);
    // A consumer that failed before changing any member has nothing to be put back.
    if (!outcome.ok && outcome.changedNothing) touched.pop();
    await ledger.updateTarget(consumer.ref, {
      state: outcome.ok ? 'succeeded' : 'failed',
      outcome: outcome.ok ? 'set' : 'set-failed',
      remoteIds: outcome.remoteIds,
      detail: { result: outcome.detail, leftBehind: outcome.leftBehind },
      error: outcome.ok ? null : new MolectlError(outcome.detail),
    });
    result.consumers.push({ consumer: consumer.ref, state: outcome.ok ? 'set' : 'failed', detail: outcome.detail });
    if (outcome.ok) {
      step.succeed(`${consumer.ref} — ${outcome.detail}`);
      continue;
    }
    step.fail(`${consumer.ref} — ${outcome.detail}`);
    result.failure = `${consumer.ref} — ${outcome.detail}`;
    const back = await putBack(ctx, run, settings, ledger, touched, result, (ref) => ({
      applyRun: ledger.target(ref)?.remoteIds.applyRun,
    }));
    await finishFailure(ctx, run, ledger, result, back, result.failure);
    return result;
  }

  await finish(ctx, run, ledger, to);
  result.status = result.leftBehind.length > 0 ? 'partial' : 'succeeded';
  result.exitCode = result.leftBehind.length > 0 ? ExitCode.partial : ExitCode.ok;
  await ledger.setStatus(result.status);
  return result;
}

/** The new value: generated here, registered before anything can print it, stored as AWSPENDING. */
async function createPending(ctx: Context, run: RotationRun, ledger: RunLedger): Promise<VersionToSet> {
  await ledger.updateTarget(CREATE, { state: 'in-progress' });
  const value = randomBytes(run.generateBytes).toString('hex');
  ctx.redactor.register(value, 'secret');
  const put = await ctx.aws.putSecretValue({
    secretId: run.secret.secretId,
    value,
    clientRequestToken: ledger.id,
    stages: [AWSPENDING],
  });
  const version = { secretId: run.secret.secretId, versionId: put.versionId, value, fingerprint: fingerprintOf(value) };
  await ledger.updateTarget(CREATE, {
    state: 'succeeded',
    outcome: 'created',
    remoteIds: { versionId: put.versionId },
    detail: { fingerprint: version.fingerprint, clientRequestToken: ledger.id },
  });
  ctx.out.info(`created AWSPENDING version ${put.versionId} (len=${Buffer.byteLength(value)} ${version.fingerprint})`);
  return version;
}

async function finish(ctx: Context, run: RotationRun, ledger: RunLedger, to: VersionToSet): Promise<void> {
  await ledger.updateTarget(FINISH, { state: 'in-progress' });
  const secretId = run.secret.secretId;
  const described = await ctx.aws.describeSecret(secretId);
  const holder = described?.versions.find((v) => v.stages.includes(AWSCURRENT));
  if (holder && holder.versionId !== to.versionId) {
    await ctx.aws.updateSecretVersionStage({
      secretId,
      stage: AWSCURRENT,
      moveToVersionId: to.versionId,
      removeFromVersionId: holder.versionId,
    });
  }
  if (described?.versions.some((v) => v.versionId === to.versionId && v.stages.includes(AWSPENDING))) {
    await ctx.aws.updateSecretVersionStage({ secretId, stage: AWSPENDING, removeFromVersionId: to.versionId });
  }
  await ledger.updateTarget(FINISH, {
    state: 'succeeded',
    outcome: 'finished',
    detail: { current: to.versionId, previous: holder?.versionId ?? '' },
  });
  ctx.out.info(
    `finished: AWSCURRENT is ${to.versionId} (${to.fingerprint})${holder && holder.versionId !== to.versionId ? `, AWSPREVIOUS ${holder.versionId}` : ''}`,
  );
}

/**
 * Puts the touched consumers back on AWSCURRENT, in the configured order (not reversed): each
 * consumer's test presumes the ones before it already hold the value, so the tenants' CP
 * authentication check passes only once the CP is back. True when all went back.
 */
async function putBack(
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
    await ledger.updateTarget(ref, {
      // Putting back is the whole job of an abort; in a rotation the consumer's change failed.
      state: run.mode === 'abort-pending' && outcome.ok ? 'succeeded' : 'failed',
      outcome: outcome.ok ? 'put-back' : 'put-back-failed',
      remoteIds: Object.fromEntries(
        Object.entries(outcome.remoteIds).map(([k, v]) => [`putBack${k[0]!.toUpperCase()}${k.slice(1)}`, v]),
      ),
      detail: { putBack: outcome.detail },
    });
    const report = result.consumers.find((c) => c.consumer === ref);
    const state = outcome.ok ? 'put-back' : 'put-back-failed';
    if (report) report.state = `${report.state === 'failed' ? 'failed, ' : ''}${state}`;
    else result.consumers.push({ consumer: ref, state, detail: outcome.detail });
    if (outcome.ok) step.succeed(`${ref} — back on ${run.current.fingerprint}`);
    else step.fail(`${ref} — could not put back — ${outcome.detail}`);
  }
  return allBack;
}

async function finishFailure(
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
