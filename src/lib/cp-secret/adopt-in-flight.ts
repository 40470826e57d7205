import type { Context } from '../context.js';
import type { RunLedger } from '../runs/run-ledger.js';
import { isTerminalInvocationStatus } from '../ssm/ssm-limits.js';
import { judgeApplyResult } from './judge-apply-result.js';

/**
 * Before a resume dispatches anything, targets left in-progress by an interrupted or killed run
 * get the outcome of the command already sent to them (its id is in the ledger): the script may
 * still be running on the host, and sending a second one could race it.
 */
export async function adoptInFlight(ctx: Context, ledger: RunLedger, expectedFingerprint: string, waitMs: number): Promise<number> {
  const inFlight = Object.values(ledger.document.targets).filter((t) => t.state === 'in-progress');
  if (inFlight.length === 0) return 0;
  const step = ctx.out.step(`collecting ${inFlight.length} result${inFlight.length === 1 ? '' : 's'} from the interrupted run`);
  const deadline = ctx.clock.now().getTime() + waitMs;
  let open = [...inFlight];
  while (open.length) {
    const still: typeof open = [];
    for (const target of open) {
      const commandId = target.remoteIds.commandId;
      const instanceId = String(target.detail.instanceId ?? '');
      if (!commandId) {
        await ledger.updateTarget(target.key, { state: 'pending' });
        continue;
      }
      const output = await ctx.aws.getInvocationOutput(commandId, instanceId);
      if (!output || !isTerminalInvocationStatus(output.status)) {
        still.push(target);
        continue;
      }
      const judged = judgeApplyResult({ instanceId, commandId, ...output, stdoutTruncated: false, stderrTruncated: false }, expectedFingerprint);
      await ledger.updateTarget(target.key, { state: judged.state === 'pending' ? 'pending' : judged.state, outcome: judged.outcome, detail: judged.detail });
    }
    open = still;
    if (open.length === 0) break;
    if (ctx.clock.now().getTime() >= deadline) {
      // Unknown outcome: leave them pending; the apply script is idempotent and reports `current`.
      for (const target of open) await ledger.updateTarget(target.key, { state: 'pending' });
      break;
    }
    step.update(`waiting for ${open.length} command${open.length === 1 ? '' : 's'} from the interrupted run`);
    await ctx.clock.sleep(2000, ctx.signal);
  }
  step.succeed(`collected results of the interrupted run`);
  return inFlight.length;
}
