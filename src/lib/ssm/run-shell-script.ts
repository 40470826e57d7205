import type { AwsApi } from '../aws/aws-types.js';
import type { Clock } from '../cli/clock.js';
import { UsageError } from '../errors.js';
import { SSM_MAX_INSTANCE_IDS_PER_COMMAND } from './ssm-limits.js';
import { collectFinished } from './collect-finished-invocations.js';
import { createSsmPacer, isSsmThrottle, type SsmPacer } from './ssm-pacer.js';

/**
 * The executor every fleet feature shares: run one shell script on many instances through SSM
 * Run Command and collect each instance's outcome and output.
 *
 *  - dispatch: one SendCommand per batch of at most 50 instance ids (SSM's limit). Without a cap
 *    every batch is sent up front; with `maxInFlight` (hosts working at once across the fleet)
 *    batches are sent as capacity frees, so several commands are in flight above 50 hosts;
 *  - pace: SSM's API rate limits are met with an adaptive pacer (ssm-pacer.ts); a throttled
 *    call is retried later at a slower rate, never counted as a host's failure;
 *  - wait: poll ListCommandInvocations once per command per round (API calls grow with the
 *    number of batches, not of hosts); an instance missing from the list right after sending
 *    is "not yet", never a failure; a command's stragglers are given up on `waitMs` after that
 *    command was sent (NoResult);
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
  /** Paces SSM calls; by default one per AWS door, shared by every run through it. */
  pacer?: SsmPacer;
}

export interface ShellScriptRequest {
  instanceIds: string[];
  /** Script lines (AWS-RunShellScript `commands`). */
  commands: string[];
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
  /** When molectl stops waiting for this command's results (waitMs after it was sent). */
  deadline: number;
}

export async function runShellScript(deps: ShellScriptDeps, request: ShellScriptRequest): Promise<InstanceScriptResult[]> {
  const instanceIds = [...new Set(request.instanceIds)];
  if (instanceIds.length === 0) return [];
  if (request.commands.length === 0) throw new UsageError('no script to run', 'pass at least one command line');
  const timeoutSeconds = request.timeoutSeconds ?? 600;
  const waitMs = request.waitMs ?? (timeoutSeconds + (request.deliveryTimeoutSeconds ?? 0) + 60) * 1000;
  const run: RunState = {
    queue: [...instanceIds],
    sent: [],
    results: new Map(),
    abandoned: [],
    expired: new Set(),
    pacer: pacerFor(deps),
    timeoutSeconds,
    waitMs,
  };
  const firstInterval = request.pollIntervalMs ?? 500;
  let interval = firstInterval;
  const maxInterval = request.maxPollIntervalMs ?? 3000;
  try {
    await dispatchAllowed(deps, request, run);
    // Done when every instance has a result, was given up on, or will never be sent (stopDispatch).
    while (!isSettled(run, instanceIds.length)) {
      await deps.clock.sleep(interval, deps.signal);
      interval = Math.min(maxInterval, interval * 2);
      for (const command of run.sent) {
        if (run.expired.has(command.commandId)) continue;
        await collectFinished(deps, run, command, request.previewIsComplete);
        if (deps.clock.now().getTime() >= command.deadline && command.instanceIds.some((id) => !run.results.has(id))) run.expired.add(command.commandId);
      }
      // Freed capacity goes to the next batches at once; their results are polled briskly again.
      if (run.queue.length && (await dispatchAllowed(deps, request, run))) interval = firstInterval;
      const done = run.results.size;
      request.onProgress?.({ done, total: instanceIds.length, failed: [...run.results.values()].filter((r) => r.status !== 'Success').length });
    }
  } catch (error) {
    // Ctrl-C: stop the scripts we started (best effort) and let the interruption through.
    if (deps.signal.aborted && request.cancelOnAbort !== false) await Promise.allSettled(run.sent.map((c) => deps.aws.cancelCommand(c.commandId)));
    throw error;
  }
  const notSent = [...run.abandoned, ...run.queue].map((instanceId) => ({
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
  return [...run.sent.flatMap((command) =>
    command.instanceIds.map(
      (instanceId) =>
        run.results.get(instanceId) ?? {
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

interface RunState {
  /** Instance ids not sent yet, in order. */
  queue: string[];
  sent: PendingCommand[];
  results: Map<string, InstanceScriptResult>;
  /** Instances stopDispatch kept from ever being sent. */
  abandoned: string[];
  /** Commands whose deadline passed with results missing: their stragglers are NoResult. */
  expired: Set<string>;
  pacer: SsmPacer;
  timeoutSeconds: number;
  waitMs: number;
}

function isSettled(run: RunState, total: number): boolean {
  if (run.queue.length > 0) return false;
  const given = run.sent.filter((c) => run.expired.has(c.commandId)).reduce((n, c) => n + c.instanceIds.filter((id) => !run.results.has(id)).length, 0);
  return run.results.size + given + run.abandoned.length >= total;
}

/** Instances sent and still running (neither answered nor given up on). */
function countInFlight(run: RunState): number {
  let n = 0;
  for (const c of run.sent) if (!run.expired.has(c.commandId)) for (const id of c.instanceIds) if (!run.results.has(id)) n++;
  return n;
}

/** Splits ids into batches of at most 50 (pure). */
export function batchInstanceIds(instanceIds: string[], size = SSM_MAX_INSTANCE_IDS_PER_COMMAND): string[][] {
  const batches: string[][] = [];
  for (let i = 0; i < instanceIds.length; i += size) batches.push(instanceIds.slice(i, i + size));
  return batches;
}

/**
 * How many queued instances to send now (pure): 0 = wait for capacity. `cap` is the most
 * instances running at once across all commands (Infinity: no cap). A command takes at most 50
 * ids; once something runs, a new one waits until at least half a full batch is free, so that
 * freed capacity is used without sending a command per finished host.
 */
export function nextBatchSize(input: { cap: number; inFlight: number; queued: number }): number {
  const full = Math.min(SSM_MAX_INSTANCE_IDS_PER_COMMAND, input.cap);
  const free = input.cap - input.inFlight;
  if (input.queued === 0 || free < 1) return 0;
  const size = Math.min(full, free, input.queued);
  if (size === Math.min(full, input.queued) || input.inFlight === 0) return size;
  return size >= Math.ceil(full / 2) ? size : 0;
}

/**
 * Sends queued instances while the in-flight cap allows. Returns how many commands it sent. A
 * throttled SendCommand (AWS refuses it before acting) stays queued for the next round, sent at
 * the pacer's slower rate.
 */
async function dispatchAllowed(deps: ShellScriptDeps, request: ShellScriptRequest, run: RunState): Promise<number> {
  const cap = request.maxInFlight ?? Number.POSITIVE_INFINITY;
  let count = 0;
  for (;;) {
    const size = nextBatchSize({ cap, inFlight: countInFlight(run), queued: run.queue.length });
    if (size === 0) break;
    if (deps.signal.aborted) throw deps.signal.reason;
    if (request.stopDispatch?.([...run.results.values()])) {
      run.abandoned.push(...run.queue.splice(0));
      break;
    }
    const batch = run.queue.slice(0, size);
    await run.pacer.take('SendCommand', deps.signal);
    let commandId: string;
    try {
      ({ commandId } = await deps.aws.sendShellCommand({
        instanceIds: batch,
        commands: request.commands,
        comment: request.comment,
        timeoutSeconds: run.timeoutSeconds,
        ...(request.deliveryTimeoutSeconds ? { deliveryTimeoutSeconds: request.deliveryTimeoutSeconds } : {}),
        // Under a cap molectl does the fan-out: every id of a command starts at once.
        ...(request.maxInFlight !== undefined ? { maxConcurrency: String(batch.length) } : request.maxConcurrency ? { maxConcurrency: request.maxConcurrency } : {}),
        ...(request.maxErrors ? { maxErrors: request.maxErrors } : {}),
        onThrottled: () => run.pacer.settle('SendCommand', THROTTLED),
      }));
      run.pacer.settle('SendCommand');
    } catch (error) {
      run.pacer.settle('SendCommand', error);
      if (isSsmThrottle(error) && !deps.signal.aborted) break;
      throw error;
    }
    run.queue.splice(0, size);
    run.sent.push({ commandId, instanceIds: batch, deadline: deps.clock.now().getTime() + run.waitMs });
    await request.onDispatched?.({ commandId, instanceIds: batch });
    count += 1;
  }
  return count;
}

/** What a throttled attempt the door retried looks like to the pacer. */
const THROTTLED = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

const pacers = new WeakMap<object, SsmPacer>();

/** One pacer per AWS door, so every script run of a command shares its rate (and what it learnt). */
function pacerFor(deps: ShellScriptDeps): SsmPacer {
  if (deps.pacer) return deps.pacer;
  let pacer = pacers.get(deps.aws);
  if (!pacer) {
    pacer = createSsmPacer(deps.clock);
    pacers.set(deps.aws, pacer);
  }
  return pacer;
}
