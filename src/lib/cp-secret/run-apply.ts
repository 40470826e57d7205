import { createDetachedDoor } from '../aws/detached-door.js';
import type { Context } from '../context.js';
import { ExitCode, InterruptedError } from '../errors.js';
import { writeFileAtomic } from '../output/write-file.js';
import { acquireFleetLock } from '../runs/fleet-lock.js';
import type { RunLedger } from '../runs/run-ledger.js';
import { applyMigration, type ApplySettings } from './apply-migration.js';
import type { MigrationPlan } from './migration-plan.js';
import { buildReportRows, countRows, renderApplyMarkdown, renderApplyReport } from './render-apply-report.js';

/**
 * Runs an apply (fresh or resumed) under the environment's fleet lock, turns Ctrl-C into a saved,
 * resumable ledger, and prints the final table. Shared by `apply` and `resume`.
 */

export const LOCK_OPERATION = 'migrate-cp-secret';

export interface RunApplyOptions {
  breakLock: boolean;
  summaryMd?: string;
}

export async function runApply(ctx: Context, plan: MigrationPlan, settings: ApplySettings, ledger: RunLedger, options: RunApplyOptions): Promise<number> {
  // The lock outlives a Ctrl-C long enough to be released, so it talks through a detached door.
  const lockDoor = createDetachedDoor(ctx.aws, 24 * 3600_000);
  const lock = await acquireFleetLock({
    store: lockDoor,
    parameterPrefix: ctx.config.environment.parameterPrefix,
    operation: LOCK_OPERATION,
    runId: ledger.id,
    clock: ctx.clock,
    breakLock: options.breakLock,
    breakHint: 'if that run is dead, add --break-lock once its lock has expired',
  }).catch(async (error: unknown) => {
    // The ledger exists already (its id names the lock's owner): it must not stay "running".
    await ledger.setStatus('failed', { error });
    throw error;
  });
  const stopRefreshing = lock.keepFresh({ onError: (error) => ctx.out.warn(`could not refresh the fleet lock: ${(error as Error).message}`) });
  ctx.out.info(`run ${ledger.id}: ledger ${ledger.path}`);
  let code: number;
  try {
    const result = await applyMigration(ctx, plan, settings, ledger);
    if (result.abortReason) ctx.out.error(ctx.out.style.fail(`aborted: ${result.abortReason}`));
    if (result.unseen.length > 0) ctx.out.warn(`${result.unseen.length} tenant${result.unseen.length === 1 ? ' was' : 's were'} not reached (they may still need the secret) — ${result.unseen.map((u) => `${u.name} (${u.why})`).join('; ')}`);
    code = result.status === 'succeeded' ? ExitCode.ok : result.status === 'partial' ? ExitCode.partial : ExitCode.failed;
  } catch (error) {
    if (ctx.signal.aborted) {
      await ledger.setStatus('interrupted');
      await offerToCancel(ctx, ledger);
      throw new InterruptedError(`interrupted: run ${ledger.id} saved; tenants already changed stay changed`, `resume with: molectl migrate cp-secret resume ${ledger.id}`);
    }
    await ledger.setStatus('failed', { error });
    throw error;
  } finally {
    stopRefreshing();
    await lock.release().catch((error: unknown) => ctx.out.warn(`could not release the fleet lock: ${(error as Error).message}`));
  }
  await reportRun(ctx, ledger, options.summaryMd);
  return code;
}

export async function reportRun(ctx: Context, ledger: RunLedger, summaryMd?: string): Promise<void> {
  const doc = ledger.document;
  if (summaryMd) await writeFileAtomic(summaryMd, ctx.redactor.redact(renderApplyMarkdown(doc)), { mode: 0o644 });
  const rows = buildReportRows(doc);
  await ctx.out.result(
    { run: doc.id, status: doc.status, environment: doc.environment, pinned: doc.pinned, counts: countRows(rows), targets: rows },
    () => renderApplyReport(doc, ctx.out.style),
  );
}

/**
 * Ctrl-C stops dispatch at once, but commands already on hosts keep running: killing the script
 * between stopping the old container and starting the new one would leave a tenant down, so the
 * default is to let them finish (a resume collects their results). A person at a terminal may
 * still choose to cancel.
 */
async function offerToCancel(ctx: Context, ledger: RunLedger): Promise<void> {
  const inFlight = Object.values(ledger.document.targets).filter((t) => t.state === 'in-progress' && t.remoteIds.commandId);
  const commandIds = [...new Set(inFlight.map((t) => t.remoteIds.commandId!))];
  if (commandIds.length === 0) return;
  ctx.out.warn(`${inFlight.length} tenant${inFlight.length === 1 ? ' is' : 's are'} still being changed by ${commandIds.length} SSM command${commandIds.length === 1 ? '' : 's'}; they will finish on their own`);
  if (!ctx.prompt.canAsk) return;
  const answer = await ctx.prompt.ask('Cancel them anyway? A host cancelled mid-change may be left without its container. [y/N] ', 'cancelling in-flight commands').catch(() => 'n');
  if (!/^y(es)?$/i.test(answer)) return;
  const door = createDetachedDoor(ctx.aws);
  await Promise.allSettled(commandIds.map((id) => door.cancelCommand(id)));
  await ledger.recordEvent(`cancelled in-flight commands ${commandIds.join(', ')} at the operator's request`, { level: 'warn' });
}
