import type { Context } from '../context.js';
import { MolectlError } from '../errors.js';
import { formatCount } from '../output/format-count.js';
import type { RunLedger } from '../runs/run-ledger.js';
import { adoptInFlight, inFlightWaitMs } from './adopt-in-flight.js';
import { APPLY_COMMAND, planFromLedger, settingsFromLedger } from './apply-ledger.js';

/**
 * A rotation's tenant step runs an apply run of its own inside the rotation's run. When the
 * rotation is killed (or interrupted) in that step, the apply run is left `running` with its
 * owner dead (or `interrupted`), with commands possibly still working on hosts. Before the
 * rotation's resume (or --abort-pending) changes the tenants again, that run is taken over here:
 * claimed (refused while its process is alive), the results of what it sent collected, and closed
 * with a status that says what happened to it, so that `runs list` shows no run that never ends
 * and nothing is sent to a host still running the earlier command.
 *
 * Throws (exit 1, nothing sent) when one of its commands is still running after the wait: the
 * caller must stop, not put anything back or send anything.
 */

export interface EarlierApplyRunOwner {
  /** The rotation run whose tenant step this was. */
  rotationRun: string;
  /** How to go on once the hosts are done, e.g. `molectl secrets rotate cp-shared-secret --resume`. */
  againCommand: string;
}

/**
 * Every apply run that was a step of the rotation run (`inputs.partOfRun`) and may have work out
 * there, with `known` (the ids its ledger recorded), settled in turn. Found by the link the apply
 * run keeps as well as by the id the rotation recorded: a rotation killed between creating its
 * tenant step's run and recording that run's id has only the former.
 */
export async function settleStepRuns(ctx: Context, known: string[], owner: EarlierApplyRunOwner): Promise<void> {
  const { runs } = await ctx.runs.list({ command: APPLY_COMMAND });
  const linked = runs.filter((doc) => doc.inputs.partOfRun === owner.rotationRun).map((doc) => doc.id);
  for (const id of new Set([...known, ...linked])) await settleEarlierApplyRun(ctx, id, owner);
}

export async function settleEarlierApplyRun(
  ctx: Context,
  applyRunId: string,
  owner: EarlierApplyRunOwner,
): Promise<void> {
  const ledger = await ctx.runs.loadIfPresent(applyRunId);
  if (!ledger || !needsSettling(ledger)) return;
  const plan = planFromLedger(ledger.document);
  const { settings } = settingsFromLedger(ledger.document);
  await ledger.claim();
  const stillRunning = await adoptInFlight(ctx, ledger, plan.secret.fingerprint, inFlightWaitMs(settings));
  if (stillRunning.length > 0) {
    const reason = `tenant apply run ${ledger.id} still has its script running on ${stillRunning.join(', ')}`;
    await ledger.setStatus('interrupted', {
      error: new MolectlError(`${reason}; rotation run ${owner.rotationRun} collects it when resumed`, {
        hint: owner.againCommand,
      }),
    });
    throw new MolectlError(`${reason}; nothing more was sent`, {
      hint: `wait for ${stillRunning.length === 1 ? 'it' : 'them'} to finish, then run \`${owner.againCommand}\` again`,
    });
  }
  await closeSettled(ledger, owner);
}

/** Work of the run may still be out there: it never ended, or ended with commands in flight. */
function needsSettling(ledger: RunLedger): boolean {
  return ledger.status === 'running' || ledger.countTargets()['in-progress'] > 0;
}

/**
 * What it sent is recorded; what it never sent is left to the step that goes on from here (a new
 * apply run planned from the fleet as it now is). Its status says so, rather than `running`.
 */
async function closeSettled(ledger: RunLedger, owner: EarlierApplyRunOwner): Promise<void> {
  const counts = ledger.countTargets();
  const left = counts.pending + counts.failed;
  if (left === 0) {
    await ledger.setStatus('succeeded', { error: null });
    return;
  }
  const why = `stopped with rotation run ${owner.rotationRun}; what this run had sent was collected before the tenants were changed again, and the ${formatCount(left, 'tenant')} it did not finish ${left === 1 ? 'is' : 'are'} left to the rotation`;
  await ledger.recordEvent(why, { level: 'warn' });
  await ledger.setStatus('aborted', {
    error: new MolectlError(why, { hint: `follow the rotation: molectl runs show ${owner.rotationRun}` }),
  });
}
