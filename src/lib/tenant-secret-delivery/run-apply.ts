import { ROLLBACK_COMMAND } from './rollback-migration.js';
import { createDetachedDoor } from '../aws/detached-door.js';
import type { Context } from '../context.js';
import { ExitCode, InterruptedError } from '../errors.js';
import { writeFileAtomic } from '../output/write-file.js';
import { LOCKS } from '../runs/lock-names.js';
import { runMutation, type RunLockSpec } from '../runs/run-lifecycle.js';
import type { RunLedger } from '../runs/run-ledger.js';
import { applyMigration, type ApplySettings } from './apply-migration.js';
import { unseenWarning, type MigrationPlan } from './migration-plan.js';
import { renderOutputText } from '../output/remote-text.js';
import { buildReportRows, countRows, renderApplyMarkdown, renderApplyReport } from './render-apply-report.js';
import { formatCount } from '../output/format-count.js';

/** `apply` and `resume`: the apply engine inside the run lifecycle, and the final table. */

export interface RunApplyOptions {
  breakLock: boolean;
  summaryMd?: string;
}

/**
 * The locks of an apply, a resume and a rollback: the one fleet lock of the delivery engine. Checked
 * (checkLocksFree) before the fleet is probed and the change confirmed, taken by runMutation.
 */
export function deliveryLocks(breakLock: boolean, runId?: string): RunLockSpec {
  return { locks: [LOCKS.tenantSecretDelivery], fleet: true, breakLock, ...(runId ? { runId } : {}) };
}

/** Runs an apply (fresh or resumed) through the run lifecycle (fleet lock, interrupts), then prints the final table. */
export async function runApply(
  ctx: Context,
  plan: MigrationPlan,
  settings: ApplySettings,
  ledger: RunLedger,
  options: RunApplyOptions,
): Promise<number> {
  const result = await runMutation(
    ctx,
    {
      ledger: { existing: ledger },
      ...deliveryLocks(options.breakLock),
      resumeHint: (id) => `resume with: molectl migrate cp-secret resume ${id}`,
      interruptNote: 'tenants already changed stay changed',
    },
    async (run) => {
      ctx.out.info(`run ${ledger.id}: ledger ${ledger.path}`);
      try {
        return await applyMigration(ctx, plan, settings, ledger, run);
      } catch (error) {
        if (ctx.signal.aborted) await offerToCancel(ctx, ledger);
        throw error;
      }
    },
  );
  if (result.abortReason) ctx.out.error(ctx.out.style.fail(`aborted: ${result.abortReason}`));
  if (result.stillRunning.length > 0)
    ctx.out.warn(
      `outcome unknown: ${result.stillRunning.join(', ')} ${result.stillRunning.length === 1 ? 'was' : 'were'} still running the command sent before the resume, and ${result.stillRunning.length === 1 ? 'was' : 'were'} not sent another; resume again once it has finished: molectl migrate cp-secret resume ${ledger.id}`,
    );
  if (result.unseen.length > 0)
    ctx.out.warn(unseenWarning(result.unseen, ['was not reached', 'were not reached'], { why: true }));
  await reportRun(ctx, ledger, options.summaryMd);
  return result.status === 'succeeded' ? ExitCode.ok : result.status === 'partial' ? ExitCode.partial : ExitCode.failed;
}

export async function reportRun(ctx: Context, ledger: RunLedger, summaryMd?: string): Promise<void> {
  const doc = ledger.document;
  // The output contract, as for stdout: the ledger's text was scrubbed when it was recorded;
  // molectl's own words in the summary are not run through the shape rules again.
  if (summaryMd)
    await writeFileAtomic(summaryMd, renderOutputText(renderApplyMarkdown(doc), ctx.redactor, 'text'), {
      mode: 0o644,
    });
  const rows = buildReportRows(doc);
  await ctx.out.result(
    {
      run: doc.id,
      status: doc.status,
      // A rollback run names the apply run it undid; an apply run's rows name their rollbacks.
      ...(doc.command === ROLLBACK_COMMAND ? { rollbackOf: String(doc.inputs.run ?? '') } : {}),
      environment: doc.environment,
      pinned: doc.pinned,
      counts: countRows(rows),
      targets: rows,
    },
    (_doc, style) => renderApplyReport(doc, style),
  );
}

/**
 * Ctrl-C stops dispatch at once, but commands already on hosts keep running: killing the script
 * between stopping the old container and starting the new one would leave a tenant down, so the
 * default is to let them finish (a resume collects their results). A person at a terminal may
 * still choose to cancel.
 */
async function offerToCancel(ctx: Context, ledger: RunLedger): Promise<void> {
  const inFlight = Object.values(ledger.document.targets).filter(
    (t) => t.state === 'in-progress' && t.remoteIds.commandId,
  );
  const commandIds = [...new Set(inFlight.map((t) => t.remoteIds.commandId!))];
  if (commandIds.length === 0) return;
  ctx.out.warn(
    `${formatCount(inFlight.length, 'tenant')} ${inFlight.length === 1 ? 'is' : 'are'} still being changed by ${formatCount(commandIds.length, 'SSM command')}; they will finish on their own`,
  );
  // Only a person's Ctrl-C is asked about: SIGTERM (a CI cancel) or SIGHUP (the terminal is gone)
  // has nobody to answer, and the default, letting them finish, is the safe one.
  const reason: unknown = ctx.signal.reason;
  if (!ctx.prompt.canAsk || !(reason instanceof InterruptedError) || reason.signal !== 'SIGINT') return;
  const answer = await ctx.prompt
    .ask(
      'Cancel them anyway? A host cancelled mid-change may be left without its container. [y/N] ',
      'cancelling in-flight commands',
      { afterInterrupt: true },
    )
    .catch(() => 'n');
  if (!/^y(es)?$/i.test(answer)) return;
  const door = createDetachedDoor(ctx.aws);
  await Promise.allSettled(commandIds.map((id) => door.cancelCommand(id)));
  await ledger.recordEvent(`cancelled in-flight commands ${commandIds.join(', ')} at the operator's request`, {
    level: 'warn',
  });
}
