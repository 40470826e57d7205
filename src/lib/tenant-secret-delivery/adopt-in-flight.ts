import type { SentCommand } from '../aws/aws-types.js';
import type { Context } from '../context.js';
import type { TargetRecord } from '../runs/run-ledger-schema.js';
import type { RunLedger } from '../runs/run-ledger.js';
import { isTerminalInvocationStatus } from '../aws/ssm-limits.js';
import { judgeApplyResult } from './judge-apply-result.js';
import { formatCount } from '../output/format-count.js';
import { MolectlError } from '../errors.js';
import { SSM_RESULT_GRACE_SECONDS, type InstanceScriptResult } from '../ssm/run-shell-script.js';

/** How far before a recorded dispatch ListCommands looks (clocks of this machine and AWS differ a little). */
const CLOCK_SLACK_MS = 5 * 60_000;
/** How far back the second look goes before a batch is judged never sent (see findUnrecordedCommands). */
const WIDE_LOOK_MS = 24 * 3600_000;

/**
 * How long a resume waits for what an interrupted apply run sent: the host's own time limit for
 * the script, then SSM's grace for reporting the result.
 */
export function inFlightWaitMs(settings: { hostTimeoutSeconds: number }): number {
  return (settings.hostTimeoutSeconds + SSM_RESULT_GRACE_SECONDS) * 1000;
}

/**
 * Before a resume dispatches anything, targets left in-progress by an interrupted or killed run
 * get the outcome of the command already sent to them: the script may still be running on the
 * host, and sending a second one could race it, or run it twice. The command is the one whose id
 * the ledger holds, or, when the run died between SendCommand and recording the id, the one SSM
 * lists with the batch comment the run recorded just before sending. Only a target whose command
 * provably was never sent goes back to pending.
 *
 * A command still running when the wait ends is not sent again: its host may still be working
 * on it. The target stays in-progress, with its command id and the outcome `unknown`, so that
 * this attempt leaves it alone (applyMigration) and a later resume collects its result.
 * Returns the keys of those targets.
 */
export async function adoptInFlight(
  ctx: Context,
  ledger: RunLedger,
  expectedFingerprint: string,
  waitMs: number,
): Promise<string[]> {
  const inFlight = Object.values(ledger.document.targets).filter((t) => t.state === 'in-progress');
  if (inFlight.length === 0) return [];
  const step = ctx.out.step(`collecting ${formatCount(inFlight.length, 'result')} from the interrupted run`);
  await findUnrecordedCommands(ctx, ledger, inFlight);
  const open = await collectSentCommands(ctx, ledger, {
    waitMs,
    pollMs: 2000,
    onWait: (count) => step.update(`waiting for ${formatCount(count, 'command')} from the interrupted run`),
    record: async (target, result) => {
      const judged = judgeApplyResult(result, expectedFingerprint);
      await ledger.updateTarget(target.key, {
        state: judged.state === 'pending' ? 'pending' : judged.state,
        outcome: judged.outcome,
        detail: judged.detail,
        // A result found by a later resume replaces the `unknown` an earlier one recorded.
        error: judged.state === 'failed' && judged.reason ? new MolectlError(judged.reason) : null,
      });
    },
  });
  if (open.length === 0) {
    step.succeed(`collected results of the interrupted run`);
    return [];
  }
  step.fail(`${formatCount(open.length, 'command')} of the interrupted run still running; not sent again`);
  await recordStillRunning(ledger, open, waitMs);
  return open.map((t) => t.key);
}

/** Left in-progress for a later resume, with why: the host may still be running its command. */
async function recordStillRunning(ledger: RunLedger, open: TargetRecord[], waitMs: number): Promise<void> {
  for (const target of open) {
    const reason = `command ${target.remoteIds.commandId} was still running after ${Math.round(waitMs / 1000)}s; outcome unknown, not sent again`;
    await ledger.updateTarget(target.key, {
      outcome: 'unknown',
      error: new MolectlError(reason, { hint: `resume the run again once it has finished` }),
    });
    await ledger.recordEvent(`${target.key}: ${reason}`, { level: 'warn', target: target.key });
  }
}

/**
 * Asks for the outcome of each in-progress target's command (its id recorded, or found by
 * findUnrecordedCommands) every `pollMs` until all have ended or `waitMs` has passed; `record`
 * gets each ended one. Returns the targets whose command was still running at the deadline:
 * what that means (pending again, or a stop) is the caller's.
 */
export async function collectSentCommands(
  ctx: Context,
  ledger: RunLedger,
  options: {
    waitMs: number;
    pollMs: number;
    onWait: (stillRunning: number) => void;
    record: (target: TargetRecord, result: InstanceScriptResult) => Promise<void>;
  },
): Promise<TargetRecord[]> {
  const deadline = ctx.clock.now().getTime() + options.waitMs;
  let open = Object.values(ledger.document.targets).filter((t) => t.state === 'in-progress');
  while (open.length > 0) {
    const still: TargetRecord[] = [];
    for (const target of open) {
      const commandId = target.remoteIds.commandId!;
      const instanceId = String(target.detail.instanceId ?? '');
      const output = await ctx.aws.getInvocationOutput(commandId, instanceId);
      if (!output || !isTerminalInvocationStatus(output.status)) still.push(target);
      else
        await options.record(target, {
          instanceId,
          commandId,
          ...output,
          stdoutTruncated: false,
          stderrTruncated: false,
        });
    }
    open = still;
    if (open.length === 0 || ctx.clock.now().getTime() >= deadline) break;
    options.onWait(open.length);
    await ctx.clock.sleep(options.pollMs, ctx.signal);
  }
  return open;
}

/**
 * In-progress targets without a command id: look their batch comment up among the commands SSM
 * has seen since; adopt the command when found, else the batch was never sent (pending).
 * Shared with rollback (adoptKilledRollbacks), which records its intent the same way.
 */
export async function findUnrecordedCommands(ctx: Context, ledger: RunLedger, inFlight: TargetRecord[]): Promise<void> {
  const unrecorded = inFlight.filter((t) => !t.remoteIds.commandId);
  if (unrecorded.length === 0) return;
  const withComment = unrecorded.filter(
    (t) => typeof t.detail.dispatchComment === 'string' && typeof t.detail.dispatchedAt === 'string',
  );
  const since = Math.min(...withComment.map((t) => Date.parse(String(t.detail.dispatchedAt))));
  let sent: SentCommand[] = withComment.length ? await ctx.aws.listCommandsSince(new Date(since - CLOCK_SLACK_MS)) : [];
  const findSent = (target: TargetRecord): SentCommand | undefined => {
    const instanceId = String(target.detail.instanceId ?? '');
    return sent.find((c) => c.comment === target.detail.dispatchComment && c.instanceIds.includes(instanceId));
  };
  // "Never sent" is concluded only after a wide look: dispatchedAt is this machine's clock, which
  // may have been ahead when it was recorded (and set back since), so the command SSM dated by its
  // own clock can lie before the narrow window. The comment is unique to the run and batch, so
  // a longer listing cannot adopt another run's command.
  if (withComment.some((t) => !findSent(t))) sent = await ctx.aws.listCommandsSince(new Date(since - WIDE_LOOK_MS));
  for (const target of unrecorded) {
    const command = findSent(target);
    if (command) {
      await ledger.updateTarget(target.key, { remoteIds: { commandId: command.commandId } });
      await ledger.recordEvent(
        `${target.key}: adopted command ${command.commandId}, sent before the run stopped but not yet recorded`,
        { target: target.key },
      );
    } else {
      await ledger.updateTarget(target.key, { state: 'pending' });
    }
  }
}
