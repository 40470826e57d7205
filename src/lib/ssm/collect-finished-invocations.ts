import type { InvocationSummary } from '../aws/aws-types.js';
import { MolectlError } from '../errors.js';
import type { InstanceScriptResult, ShellScriptApi, ShellScriptDeps } from './run-shell-script.js';
import { isTerminalInvocationStatus, SSM_STDERR_CAP_CHARS, SSM_STDOUT_CAP_CHARS } from '../aws/ssm-limits.js';
import { isSsmThrottle, type SsmPacer } from './ssm-pacer.js';

/**
 * One poll of one command (runShellScript's wait step): ListCommandInvocations, then
 * GetCommandInvocation for each finished invocation whose whole output the list's preview does
 * not hold. Results land in `results`; anything not ready, not visible yet or throttled is simply
 * asked again next round. Returns the shortest SSM-side run time (request to finish) among the
 * invocations it found finished, when SSM gave their times: when to poll the next command.
 */
export async function collectFinished(
  deps: Pick<ShellScriptDeps, 'aws' | 'signal'>,
  run: { results: Map<string, InstanceScriptResult>; pacer: SsmPacer },
  command: { commandId: string; instanceIds: string[] },
  previewIsComplete?: (preview: string) => boolean,
): Promise<{ quickestFinishMs: number | null }> {
  const { results, pacer } = run;
  let quickestFinishMs: number | null = null;
  if (command.instanceIds.every((id) => results.has(id))) return { quickestFinishMs };
  let invocations: InvocationSummary[];
  await pacer.take('ListCommandInvocations', deps.signal);
  try {
    invocations = await deps.aws.listInvocations(command.commandId);
    pacer.settle('ListCommandInvocations');
  } catch (error) {
    pacer.settle('ListCommandInvocations', error);
    // Right after SendCommand the command itself can be invisible for a moment; a throttled
    // poll is simply asked again next round, more slowly.
    if (isNotYetVisible(error) || (isSsmThrottle(error) && !deps.signal.aborted)) return { quickestFinishMs };
    throw error;
  }
  const byInstance = new Map(invocations.map((inv) => [inv.instanceId, inv]));
  for (const instanceId of command.instanceIds) {
    if (results.has(instanceId)) continue;
    const summary = byInstance.get(instanceId);
    if (!summary || !isTerminalInvocationStatus(summary.status)) continue; // not yet
    if (summary.finishedAfterMs != null)
      quickestFinishMs = Math.min(quickestFinishMs ?? summary.finishedAfterMs, summary.finishedAfterMs);
    const preview = summary.outputPreview ?? '';
    if (summary.status === 'Success' && previewIsComplete?.(preview)) {
      results.set(instanceId, {
        instanceId,
        commandId: command.commandId,
        status: summary.status,
        statusDetails: summary.statusDetails,
        responseCode: summary.responseCode,
        stdout: preview,
        stderr: '',
        stdoutTruncated: false,
        stderrTruncated: false,
      });
      continue;
    }
    await pacer.take('GetCommandInvocation', deps.signal);
    let output: Awaited<ReturnType<ShellScriptApi['getInvocationOutput']>>;
    try {
      output = await deps.aws.getInvocationOutput(command.commandId, instanceId);
      pacer.settle('GetCommandInvocation');
    } catch (error) {
      pacer.settle('GetCommandInvocation', error);
      if (isSsmThrottle(error) && !deps.signal.aborted) continue; // asked again next round
      throw error;
    }
    if (!output) continue; // visible in the list but not to GetCommandInvocation yet
    // The list and GetCommandInvocation are not one snapshot: Get may still say InProgress (no
    // exit code, no output) for an invocation the list calls finished. That is "not yet" too,
    // never the invocation's result.
    if (!isTerminalInvocationStatus(output.status) && !isTerminalInvocationStatus(output.statusDetails ?? '')) continue;
    const statusDetails = output.statusDetails ?? summary.statusDetails;
    results.set(instanceId, {
      instanceId,
      commandId: command.commandId,
      status: pickDetailedStatus(output.status, statusDetails),
      statusDetails,
      responseCode: output.responseCode ?? summary.responseCode,
      stdout: output.stdout,
      stderr: output.stderr,
      stdoutTruncated: output.stdout.length >= SSM_STDOUT_CAP_CHARS,
      stderrTruncated: output.stderr.length >= SSM_STDERR_CAP_CHARS,
    });
  }
  return { quickestFinishMs };
}

/** GetCommandInvocation says `Failed` with StatusDetails `Undeliverable`: callers need the latter. */
function pickDetailedStatus(status: string, details: string | null): string {
  return details && details !== status && isTerminalInvocationStatus(details) ? details : status;
}

function isNotYetVisible(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const name = (error as { awsCode?: string }).awsCode ?? error.name;
  return (
    /InvalidCommandId|InvocationDoesNotExist/.test(name) ||
    (error instanceof MolectlError && /InvalidCommandId|InvocationDoesNotExist/.test(error.message))
  );
}
