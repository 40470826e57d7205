import type { Context } from '../context.js';
import { MolectlError, UsageError } from '../errors.js';
import type { RunLedger } from '../runs/run-ledger.js';
import { planWaves, type WaveStep } from '../fleet/plan-waves.js';
import type { RunGuard } from '../runs/run-lifecycle.js';
import { runShellScript, type InstanceScriptResult } from '../ssm/run-shell-script.js';
import { APPLY_COMMAND } from './apply-ledger.js';
import { readApplyPayload } from './apply-ledger-payload.js';
import { parseScriptResult } from './parse-script-result.js';
import { hostScriptTimeoutSeconds, renderTenantCommands } from './tenant-script.js';
import { formatCount } from '../output/format-count.js';

/**
 * `rollback <run>`: puts back, on each tenant that run migrated, the container it kept (renamed
 * `<name>-molectl-<run>`), restores the original auto-updater and removes the durable values.
 * Tenants the run found current or did not touch are left alone.
 */

export const ROLLBACK_COMMAND = 'migrate cp-secret rollback';

export interface RollbackTarget {
  slug: string;
  instanceId: string;
  /** What the tenant held before the apply ('' for no secret; null when the apply did not record it). */
  previousFingerprint: string | null;
}

/** The tenants an apply run changed, optionally narrowed to some orgs. Pure over the ledger. */
export function selectRollbackTargets(apply: RunLedger, orgs: string[] | undefined): RollbackTarget[] {
  const doc = apply.document;
  if (doc.command !== APPLY_COMMAND)
    throw new UsageError(
      `run ${doc.id} is a "${doc.command}" run; rollback takes an apply run`,
      'find it with `molectl runs list --command "migrate cp-secret apply"`',
    );
  const { details } = readApplyPayload(doc);
  // The apply run keeps its own outcome; a rollback run links itself on each tenant it undid.
  const migrated = Object.values(doc.targets).filter((t) => t.outcome === 'migrated');
  const undoneBy = (slug: string): string | undefined => doc.targets[slug]?.detail.rolledBackBy as string | undefined;
  if (orgs) {
    const undone = orgs.filter((slug) => undoneBy(slug));
    if (undone.length)
      throw new UsageError(
        `${undone.map((slug) => `${slug} was already rolled back by run ${undoneBy(slug)}`).join('; ')}`,
        `to migrate ${undone.length === 1 ? 'it' : 'them'} again, start a new run: molectl migrate cp-secret apply --orgs ${undone.join(',')}`,
      );
    const unknown = orgs.filter((slug) => !migrated.some((t) => t.key === slug));
    if (unknown.length)
      throw new UsageError(
        `run ${doc.id} did not migrate ${unknown.join(', ')}`,
        `see \`molectl migrate cp-secret status ${doc.id}\``,
      );
  }
  return migrated
    .filter((t) => (orgs ? orgs.includes(t.key) : !undoneBy(t.key)))
    .map((t) => {
      const detail = details.get(t.key)!;
      return { slug: t.key, instanceId: detail.instanceId, previousFingerprint: detail.previousFingerprint ?? null };
    });
}

export interface RollbackSettings {
  waves: WaveStep[];
  /** Abort when failures exceed this, leaving later waves untouched. */
  maxErrors: number;
  /** Hosts working at once (SSM MaxConcurrency of each command, and the fleet-wide cap). */
  maxConcurrency: number;
}

export interface RollbackResult {
  failed: number;
  abortReason: string | null;
}

/**
 * The rollback, in waves like an apply: each wave goes out in batches of at most 50 with SSM's
 * MaxConcurrency, the run stops dispatching when failures exceed the budget, when it is
 * interrupted or when it loses the fleet lock; tenants of later waves are left untouched.
 */
export async function rollbackMigration(
  ctx: Context,
  apply: RunLedger,
  targets: RollbackTarget[],
  ledger: RunLedger,
  settings: RollbackSettings,
  guard: RunGuard,
): Promise<RollbackResult> {
  const { inputs } = readApplyPayload(apply.document);
  const byInstance = new Map(targets.map((t) => [t.instanceId, t]));
  const waves = planWaves(targets, settings.waves);
  let failed = 0;
  let rolledBack = 0;
  let abortReason: string | null = null;
  for (const [index, wave] of waves.entries()) {
    guard.checkpoint();
    const label = `rollback wave ${index + 1}/${waves.length}`;
    const budget = settings.maxErrors - failed;
    const step = ctx.out.step(`${label}: ${formatCount(wave.length, 'tenant')}`);
    const results = await runShellScript(
      { aws: ctx.aws, clock: ctx.clock, signal: ctx.signal },
      {
        instanceIds: wave.map((t) => t.instanceId),
        commands: renderTenantCommands({
          mode: 'rollback',
          containerName: inputs.containerName,
          runId: apply.id,
          healthTimeoutSeconds: inputs.healthTimeoutSeconds,
        }),
        comment: `molectl migrate cp-secret rollback ${apply.id} ${index + 1}`.slice(0, 100),
        timeoutSeconds: hostScriptTimeoutSeconds(inputs.healthTimeoutSeconds),
        maxConcurrency: String(settings.maxConcurrency),
        maxErrors: String(Math.max(0, budget)),
        maxInFlight: settings.maxConcurrency,
        cancelOnAbort: false,
        stopDispatch: (done) => guard.stopping || done.filter((r) => !isRolledBack(r)).length > budget,
        previewIsComplete: (p) => parseScriptResult(p) !== null,
        countsAsFailed: (r) => !isRolledBack(r) && r.status !== 'NotSent',
        // Intent first, on disk before SendCommand, as for apply: a rollback killed before its
        // command id is written is found again by this comment by the next rollback of the run
        // (adoptKilledRollbacks), instead of sending the script to a host it already rolled back.
        onBeforeDispatch: async ({ comment, instanceIds }) => {
          const at = ctx.clock.now().toISOString();
          await Promise.all(
            instanceIds.map((id) =>
              ledger.updateTarget(byInstance.get(id)!.slug, {
                state: 'in-progress',
                remoteIds: { commandId: null },
                detail: {
                  instanceId: id,
                  previousFingerprint: byInstance.get(id)!.previousFingerprint,
                  dispatchComment: comment,
                  dispatchedAt: at,
                },
              }),
            ),
          );
        },
        onDispatched: async ({ commandId, instanceIds }) => {
          await Promise.all(
            instanceIds.map((id) =>
              ledger.updateTarget(byInstance.get(id)!.slug, { state: 'in-progress', remoteIds: { commandId } }),
            ),
          );
        },
        onProgress: (p) => step.update(`${label}: ${p.done}/${p.total} done, ${p.failed} failed`),
      },
    );
    let waveFailed = 0;
    for (const result of results) {
      if (result.status === 'NotSent') continue; // stays pending: never sent
      if (await recordRollbackResult(apply, ledger, byInstance.get(result.instanceId)!, result)) rolledBack += 1;
      else waveFailed += 1;
    }
    failed += waveFailed;
    if (waveFailed) step.fail(`${label}: ${wave.length - waveFailed} rolled back, ${waveFailed} failed`);
    else step.succeed(`${label}: ${wave.length} rolled back`);
    if (failed > settings.maxErrors) {
      const untouched = targets.length - rolledBack - failed;
      abortReason = `${formatCount(failed, 'failure')} ${failed === 1 ? 'exceeds' : 'exceed'} --max-errors ${settings.maxErrors}; ${formatCount(untouched, 'tenant')} left untouched`;
      break;
    }
  }
  if (rolledBack > 0) await apply.recordEvent(`${formatCount(rolledBack, 'tenant')} rolled back by run ${ledger.id}`);
  if (abortReason) {
    await ledger.recordEvent(`aborted: ${abortReason}`, { level: 'error' });
    await ledger.setStatus('aborted', { error: new MolectlError(abortReason) });
  } else {
    await ledger.setStatus(failed === 0 ? 'succeeded' : rolledBack === 0 ? 'failed' : 'partial');
  }
  return { failed, abortReason };
}

/**
 * Records one host's rollback result on the rollback run, and links a proven rollback on the
 * apply run's target. Returns whether the tenant is proven rolled back.
 */
export async function recordRollbackResult(
  apply: RunLedger,
  ledger: RunLedger,
  target: RollbackTarget,
  result: InstanceScriptResult,
): Promise<boolean> {
  const parsed = parseScriptResult(result.stdout);
  const ok = isRolledBack(result);
  const backOn = ok ? (parsed?.fingerprint ?? null) : null;
  // The apply run keeps its own outcome (it did migrate this tenant); the rollback is linked on
  // its target, with the fingerprint the tenant is back on, so a second rollback has nothing
  // to undo there and `status <apply run>` tells what happened since.
  if (ok)
    await apply.updateTarget(target.slug, {
      detail: { rolledBackBy: ledger.id, fingerprintAfterRollback: backOn },
    });
  await ledger.updateTarget(target.slug, {
    state: ok ? 'succeeded' : 'failed',
    outcome: ok ? 'rolled-back' : (parsed?.status ?? 'unverified'),
    detail: {
      ssmStatus: result.statusDetails ?? result.status,
      exitCode: result.responseCode,
      fingerprint: parsed?.fingerprint ?? null,
      // Back on what it held before the apply: the rollback's own proof.
      fingerprintMatch:
        ok && backOn !== null && target.previousFingerprint !== null ? backOn === target.previousFingerprint : null,
      health: parsed?.health ?? null,
      class: 'migrated',
    },
    error: ok ? null : new MolectlError(parsed?.reason ?? `SSM ${result.statusDetails ?? result.status}`),
  });
  return ok;
}

/** Proven rolled back: the script ran to its end and printed a rolled-back result. */
function isRolledBack(result: InstanceScriptResult): boolean {
  return result.status === 'Success' && parseScriptResult(result.stdout)?.status === 'rolled-back';
}
