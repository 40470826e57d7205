import { randomBytes } from 'node:crypto';
import type { AwsApi, InvocationSummary } from '../aws/aws-types.js';
import type { Clock } from '../cli/clock.js';
import { MolectlError, UsageError } from '../errors.js';
import { isTerminalInvocationStatus, SSM_MAX_INSTANCE_IDS_PER_COMMAND, SSM_STDERR_CAP_CHARS, SSM_STDOUT_CAP_CHARS } from './ssm-limits.js';

/**
 * The executor every fleet feature shares: run one shell script on many instances through SSM
 * Run Command and collect each instance's outcome and output.
 *
 *  - dispatch: one SendCommand per batch of at most 50 instance ids (SSM's limit), all batches
 *    sent up front so SSM's own MaxConcurrency does the fan-out;
 *  - wait: poll ListCommandInvocations once per command per round (API calls grow with the
 *    number of batches, not of hosts); an instance missing from the list right after sending
 *    is "not yet", never a failure;
 *  - collect: GetCommandInvocation for each finished invocation (null = not visible yet, retried
 *    next round), flagging stdout/stderr that reached SSM's caps as possibly truncated.
 *
 * Invariant: the script must not contain a secret. SSM keeps commands readable to anyone with
 * ssm:ListCommands or CloudTrail access; instances fetch secrets themselves.
 */

export type ShellScriptApi = Pick<AwsApi, 'sendShellCommand' | 'listInvocations' | 'getInvocationOutput' | 'cancelCommand'>;

export interface ShellScriptDeps {
  aws: ShellScriptApi;
  clock: Clock;
  signal: AbortSignal;
}

export interface ShellScriptRequest {
  instanceIds: string[];
  /** Script lines (AWS-RunShellScript `commands`). */
  commands: string[];
  /** The script changes nothing: its SendCommand may be repeated on a transient error. */
  readOnly?: boolean;
  comment?: string;
  /** Script run time limit on the instance (executionTimeout). */
  timeoutSeconds?: number;
  /**
   * How long SSM keeps trying to reach an offline agent before DeliveryTimedOut (30 s minimum;
   * SSM's default is an hour, far too long for someone waiting at a terminal).
   */
  deliveryTimeoutSeconds?: number;
  /** How long molectl waits for all results before giving up on the stragglers. Default: timeout + 60 s. */
  waitMs?: number;
  /** First poll delay; doubles up to maxPollIntervalMs. */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  maxConcurrency?: string;
  maxErrors?: string;
  /** Called after every poll round with how many invocations finished. */
  onProgress?(progress: { done: number; total: number; failed: number }): void;
  /**
   * What progress counts as failed. Default: any SSM status but Success. Callers whose scripts
   * prove their result pass their own judge, so that "Success" with no result line is a failure
   * in the progress too, not "0 failed".
   */
  countsAsFailed?(result: InstanceScriptResult): boolean;
  /**
   * Most instances running at once across all batches. Batches are sent as earlier instances
   * finish, so a wave of 1,000 hosts with 50 here never has more than 50 scripts running.
   * Default: no cap (every batch is sent at once; SSM's MaxConcurrency applies per command).
   */
  maxInFlight?: number;
  /**
   * Checked before each further batch is sent: true stops dispatch (a failure budget is spent).
   * Instances never sent come back with status `NotSent`.
   */
  stopDispatch?(results: InstanceScriptResult[]): boolean;
  /**
   * Called just before a batch is sent, with the comment that batch carries (the request's
   * comment plus a unique batch marker). A ledger records it here: if the process dies between
   * SendCommand and onDispatched, a resume finds the command by this comment (ListCommands)
   * instead of sending the script to those hosts a second time.
   */
  onBeforeDispatch?(batch: { comment: string; instanceIds: string[] }): void | Promise<void>;
  /** Called as soon as a batch is sent, before any waiting: ledgers record the command id here. */
  onDispatched?(command: { commandId: string; instanceIds: string[] }): void | Promise<void>;
  /**
   * On Ctrl-C, cancel the commands already sent (default true: right for read-only scripts).
   * Mutating scripts pass false: killing one halfway could leave a host worse than either end;
   * the ledger keeps their command ids so a resume can collect their results.
   */
  cancelOnAbort?: boolean;
  /**
   * Accept ListCommandInvocations' output (cut at 2,500 characters) as the whole stdout when
   * this returns true for it, saving one GetCommandInvocation per instance. Only for successful
   * invocations; failures are always fetched in full for their stderr.
   */
  previewIsComplete?(preview: string): boolean;
}

export interface InstanceScriptResult {
  instanceId: string;
  commandId: string;
  /**
   * SSM status, `NotSent` when molectl never sent it (see stopDispatch), the detailed one when SSM gives it (`Undeliverable` rather than the `Failed` that
   * GetCommandInvocation reports for it), or `NoResult` when molectl stopped waiting.
   */
  status: string;
  statusDetails: string | null;
  /** Exit code of the script; null when it never ran or did not finish. */
  responseCode: number | null;
  stdout: string;
  stderr: string;
  /** stdout reached SSM's 24,000-character cap: the end of it may be missing. */
  stdoutTruncated: boolean;
  /** stderr reached SSM's 8,000-character cap. */
  stderrTruncated: boolean;
}

interface PendingCommand {
  commandId: string;
  instanceIds: string[];
}

export async function runShellScript(deps: ShellScriptDeps, request: ShellScriptRequest): Promise<InstanceScriptResult[]> {
  const instanceIds = [...new Set(request.instanceIds)];
  if (instanceIds.length === 0) return [];
  if (request.commands.length === 0) throw new UsageError('no script to run', 'pass at least one command line');
  const timeoutSeconds = request.timeoutSeconds ?? 600;
  const waitMs = request.waitMs ?? (timeoutSeconds + (request.deliveryTimeoutSeconds ?? 0) + 60) * 1000;
  const startedAt = deps.clock.now().getTime();

  const queue = batchInstanceIds(instanceIds);
  const sent: PendingCommand[] = [];
  const results = new Map<string, InstanceScriptResult>();
  /** Instances stopDispatch kept from ever being sent. */
  const abandoned: string[] = [];
  const firstInterval = request.pollIntervalMs ?? 500;
  let interval = firstInterval;
  const maxInterval = request.maxPollIntervalMs ?? 3000;
  try {
    await dispatchAllowed(deps, request, queue, sent, results, timeoutSeconds, abandoned);
    // Done when every instance has a result or will never be sent (see stopDispatch).
    while (results.size + abandoned.length < instanceIds.length) {
      await deps.clock.sleep(interval, deps.signal);
      interval = Math.min(maxInterval, interval * 2);
      for (const command of sent) await collectFinished(deps, command, results, request.previewIsComplete);
      // Freed capacity goes to the next batches at once; their results are polled briskly again.
      if (queue.length && (await dispatchAllowed(deps, request, queue, sent, results, timeoutSeconds, abandoned))) interval = firstInterval;
      const done = results.size;
      const failed = request.countsAsFailed ?? ((r: InstanceScriptResult) => r.status !== 'Success');
      request.onProgress?.({ done, total: instanceIds.length, failed: [...results.values()].filter(failed).length });
      if (done + abandoned.length < instanceIds.length && deps.clock.now().getTime() - startedAt >= waitMs) break;
    }
  } catch (error) {
    // Ctrl-C: stop the scripts we started (best effort) and let the interruption through.
    if (deps.signal.aborted && request.cancelOnAbort !== false) await Promise.allSettled(sent.map((c) => deps.aws.cancelCommand(c.commandId)));
    throw error;
  }
  const notSent = [...abandoned, ...queue.flat()].map((instanceId) => ({
    instanceId,
    commandId: '',
    status: 'NotSent',
    statusDetails: 'not sent',
    responseCode: null,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
  }));
  return [...sent.flatMap((command) =>
    command.instanceIds.map(
      (instanceId) =>
        results.get(instanceId) ?? {
          instanceId,
          commandId: command.commandId,
          status: 'NoResult',
          statusDetails: `molectl stopped waiting after ${Math.round(waitMs / 1000)} s`,
          responseCode: null,
          stdout: '',
          stderr: '',
          stdoutTruncated: false,
          stderrTruncated: false,
        },
    ),
  ), ...notSent];
}

/** Splits ids into batches of at most 50 (pure). */
export function batchInstanceIds(instanceIds: string[], size = SSM_MAX_INSTANCE_IDS_PER_COMMAND): string[][] {
  const batches: string[][] = [];
  for (let i = 0; i < instanceIds.length; i += size) batches.push(instanceIds.slice(i, i + size));
  return batches;
}

/** Sends queued batches while the in-flight cap allows (always at least one when none is running). Returns how many it sent. */
async function dispatchAllowed(
  deps: ShellScriptDeps,
  request: ShellScriptRequest,
  queue: string[][],
  sent: PendingCommand[],
  results: Map<string, InstanceScriptResult>,
  timeoutSeconds: number,
  abandoned: string[],
): Promise<number> {
  const cap = request.maxInFlight ?? Number.POSITIVE_INFINITY;
  let inFlight = sent.reduce((n, c) => n + c.instanceIds.filter((id) => !results.has(id)).length, 0);
  let count = 0;
  while (queue.length && (inFlight === 0 || inFlight + queue[0]!.length <= cap)) {
    if (deps.signal.aborted) throw deps.signal.reason;
    if (request.stopDispatch?.([...results.values()])) {
      abandoned.push(...queue.splice(0).flat());
      break;
    }
    const batch = queue.shift()!;
    const comment = batchComment(request.comment);
    await request.onBeforeDispatch?.({ comment, instanceIds: batch });
    const { commandId } = await deps.aws.sendShellCommand({
      instanceIds: batch,
      commands: request.commands,
      comment,
      timeoutSeconds,
      ...(request.deliveryTimeoutSeconds ? { deliveryTimeoutSeconds: request.deliveryTimeoutSeconds } : {}),
      ...(request.maxConcurrency ? { maxConcurrency: request.maxConcurrency } : {}),
      ...(request.maxErrors ? { maxErrors: request.maxErrors } : {}),
      ...(request.readOnly ? { readOnly: true } : {}),
    });
    sent.push({ commandId, instanceIds: batch });
    await request.onDispatched?.({ commandId, instanceIds: batch });
    inFlight += batch.length;
    count += 1;
  }
  return count;
}

async function collectFinished(
  deps: ShellScriptDeps,
  command: PendingCommand,
  results: Map<string, InstanceScriptResult>,
  previewIsComplete?: (preview: string) => boolean,
): Promise<void> {
  if (command.instanceIds.every((id) => results.has(id))) return;
  let invocations: InvocationSummary[];
  try {
    invocations = await deps.aws.listInvocations(command.commandId);
  } catch (error) {
    // Right after SendCommand the command itself can be invisible for a moment.
    if (isNotYetVisible(error)) return;
    throw error;
  }
  const byInstance = new Map(invocations.map((inv) => [inv.instanceId, inv]));
  for (const instanceId of command.instanceIds) {
    if (results.has(instanceId)) continue;
    const summary = byInstance.get(instanceId);
    if (!summary || !isTerminalInvocationStatus(summary.status)) continue; // not yet
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
    const output = await deps.aws.getInvocationOutput(command.commandId, instanceId);
    if (!output) continue; // visible in the list but not to GetCommandInvocation yet
    const statusDetails = output.statusDetails ?? summary.statusDetails;
    results.set(instanceId, {
      instanceId,
      commandId: command.commandId,
      status: pickDetailedStatus(output.status || summary.status, statusDetails),
      statusDetails,
      responseCode: output.responseCode ?? summary.responseCode,
      stdout: output.stdout,
      stderr: output.stderr,
      stdoutTruncated: output.stdout.length >= SSM_STDOUT_CAP_CHARS,
      stderrTruncated: output.stderr.length >= SSM_STDERR_CAP_CHARS,
    });
  }
}

/** GetCommandInvocation says `Failed` with StatusDetails `Undeliverable`: callers need the latter. */
function pickDetailedStatus(status: string, details: string | null): string {
  return details && details !== status && isTerminalInvocationStatus(details) ? details : status;
}

function isNotYetVisible(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const name = (error as { awsCode?: string }).awsCode ?? error.name;
  return /InvalidCommandId|InvocationDoesNotExist/.test(name) || (error instanceof MolectlError && /InvalidCommandId|InvocationDoesNotExist/.test(error.message));
}

/** SSM's Comment limit. */
const MAX_COMMENT = 100;

/**
 * The request's comment plus a marker unique to this batch (`#` and 6 hex digits), within SSM's
 * 100 characters: the marker is what identifies the batch on a later ListCommands.
 */
function batchComment(base: string | undefined): string {
  const marker = ` #${randomBytes(3).toString('hex')}`;
  return `${(base ?? 'molectl').slice(0, MAX_COMMENT - marker.length)}${marker}`;
}
