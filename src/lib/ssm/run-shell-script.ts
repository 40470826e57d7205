import type { AwsApi } from '../aws/aws-types.js';
import type { Clock } from '../clock.js';
import { UsageError } from '../errors.js';
import { SSM_MAX_INSTANCE_IDS_PER_COMMAND } from '../aws/ssm-limits.js';
import { dispatchAllowed, lingerEndsAt } from './dispatch-commands.js';
import { nextPollAt, pollDueCommands } from './poll-commands.js';
import type { RunState } from './script-run-state.js';
import { createSsmPacer, type SsmPacer } from './ssm-pacer.js';

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

/**
 * How long after a script's own time limits molectl still waits for SSM to report its end: an
 * invocation turns TimedOut only some seconds after its executionTimeout fires, and finished
 * invocations reach ListCommandInvocations with a delay. Waiting less would call a host that
 * did finish "no result".
 */
export const SSM_RESULT_GRACE_SECONDS = 60;

/** A script's run time limit when the caller gives none: SSM's own default (3600 s) is far too long to watch. */
const DEFAULT_SCRIPT_TIMEOUT_SECONDS = 600;

export type ShellScriptApi = Pick<
  AwsApi,
  'sendShellCommand' | 'listInvocations' | 'getInvocationOutput' | 'cancelCommand'
>;

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
  /** How long molectl waits for all results before giving up on the stragglers. Default: timeouts + SSM_RESULT_GRACE_SECONDS. */
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
   * Called after each poll round with the results it brought (output collected): a ledger
   * records them as they land, so a run's file says which hosts are done while a long wave is
   * still going. Not awaited by the poll loop (a write must not hold the next poll or send back);
   * runShellScript returns, or throws, once every call has settled. NotSent and NoResult results
   * are known only at the end and are not passed here.
   */
  onResults?(results: InstanceScriptResult[]): void | Promise<void>;
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

export async function runShellScript(
  deps: ShellScriptDeps,
  request: ShellScriptRequest,
): Promise<InstanceScriptResult[]> {
  const instanceIds = [...new Set(request.instanceIds)];
  if (instanceIds.length === 0) return [];
  if (request.commands.length === 0) throw new UsageError('no script to run', 'pass at least one command line');
  const timeoutSeconds = request.timeoutSeconds ?? DEFAULT_SCRIPT_TIMEOUT_SECONDS;
  const waitMs =
    request.waitMs ?? (timeoutSeconds + (request.deliveryTimeoutSeconds ?? 0) + SSM_RESULT_GRACE_SECONDS) * 1000;
  const run: RunState = {
    queue: [...instanceIds],
    sent: [],
    results: new Map(),
    abandoned: [],
    expired: new Set(),
    pacer: pacerFor(deps),
    timeoutSeconds,
    waitMs,
    firstPollMs: request.pollIntervalMs ?? 500,
    maxPollMs: request.maxPollIntervalMs ?? 3000,
    reserved: 0,
    freeSince: null,
    quickestMs: learntTimings(deps).get(scriptKey(request)) ?? null,
    dispatching: null,
    kicked: false,
    wakeDispatch: null,
    dispatchFailure: null,
  };
  // Each result is judged once: a caller's judge may parse its output, and progress is
  // reported after every poll round of a run with thousands of results.
  const judged = new WeakMap<InstanceScriptResult, boolean>();
  const countsAsFailed = request.countsAsFailed ?? ((r: InstanceScriptResult) => r.status !== 'Success');
  const countFailed = (): number => {
    let failed = 0;
    for (const result of run.results.values()) {
      let isFailed = judged.get(result);
      if (isFailed === undefined) judged.set(result, (isFailed = countsAsFailed(result)));
      if (isFailed) failed++;
    }
    return failed;
  };
  // Results are handed to onResults in the order they landed (the map's insertion order).
  let reported = 0;
  const reporting: Promise<void>[] = [];
  const reportLanded = (): void => {
    if (!request.onResults || run.results.size === reported) return;
    const landed = [...run.results.values()].slice(reported);
    reported = run.results.size;
    reporting.push(Promise.resolve().then(() => request.onResults?.(landed)));
  };
  try {
    // A kick while a dispatch loop runs is not lost: the loop looks again at once (capacity a
    // poll freed while a send was out goes out then, not at the next poll round), and a loop
    // that had already decided to stop is started again when it ends.
    const kick = (): void => {
      if (run.dispatching) {
        run.kicked = true;
        run.wakeDispatch?.();
        return;
      }
      if (run.queue.length && !run.dispatchFailure)
        run.dispatching = dispatchAllowed(deps, request, run)
          .catch((error: unknown) => {
            run.dispatchFailure ??= { error };
            return 0;
          })
          .finally(() => {
            run.dispatching = null;
            if (run.kicked) {
              run.kicked = false;
              kick();
            }
          });
    };
    kick();
    await drainDispatch(run);
    // Done when every instance has a result, was given up on, or will never be sent (stopDispatch).
    while (!isSettled(run, instanceIds.length)) {
      let pause = Math.max(MIN_PAUSE_MS, nextPollAt(run) - deps.clock.now().getTime());
      // A command sent meanwhile may want its first poll sooner than the ones known now.
      if (run.dispatching) pause = Math.min(pause, run.firstPollMs / 2);
      // Freed capacity waiting for more to join it is sent when its linger ends, poll or not.
      const lingerEnd = lingerEndsAt(run);
      if (lingerEnd !== null) pause = Math.min(pause, Math.max(MIN_PAUSE_MS, lingerEnd - deps.clock.now().getTime()));
      await deps.clock.sleep(pause, deps.signal);
      // Poll and dispatch side by side: each command polled kicks dispatch, so capacity a poll
      // frees is used at once, and a fleet's worth of paced SendCommands (and the ledger writes
      // around each) never holds the next poll round back, nor the other way round.
      kick();
      await pollDueCommands(deps, request, run, kick);
      kick();
      reportLanded();
      if (run.dispatchFailure) throw run.dispatchFailure.error;
      if (request.onProgress)
        request.onProgress({ done: run.results.size, total: instanceIds.length, failed: countFailed() });
    }
    await drainDispatch(run);
  } catch (error) {
    rememberTiming(deps, request, run);
    // A SendCommand still out is answered and recorded (onDispatched) before anything is cancelled or reported.
    while (run.dispatching) await run.dispatching;
    // What landed before the failure is recorded too.
    reportLanded();
    await Promise.allSettled(reporting);
    // Ctrl-C: stop the scripts we started (best effort) and let the interruption through.
    if (deps.signal.aborted && request.cancelOnAbort !== false)
      await Promise.allSettled(run.sent.map((c) => deps.aws.cancelCommand(c.commandId)));
    throw error;
  }
  rememberTiming(deps, request, run);
  reportLanded();
  await Promise.all(reporting);
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
  return [
    ...run.sent.flatMap((command) =>
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
    ),
    ...notSent,
  ];
}

/** The shortest pause between poll rounds, so a busy fleet does not spin. */
const MIN_PAUSE_MS = 20;

/** Waits until no dispatch loop runs (one may start another); its failure is thrown here. */
async function drainDispatch(run: RunState): Promise<void> {
  while (run.dispatching) await run.dispatching;
  if (run.dispatchFailure) throw run.dispatchFailure.error;
}

function isSettled(run: RunState, total: number): boolean {
  if (run.queue.length > 0) return false;
  const given = run.sent
    .filter((c) => run.expired.has(c.commandId))
    .reduce((n, c) => n + c.instanceIds.filter((id) => !run.results.has(id)).length, 0);
  return run.results.size + given + run.abandoned.length >= total;
}

/** Splits ids into batches of at most 50 (pure). */
export function batchInstanceIds(instanceIds: string[], size = SSM_MAX_INSTANCE_IDS_PER_COMMAND): string[][] {
  const batches: string[][] = [];
  for (let i = 0; i < instanceIds.length; i += size) batches.push(instanceIds.slice(i, i + size));
  return batches;
}

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

const timings = new WeakMap<object, Map<string, number>>();

/**
 * What earlier runs of each script through this AWS door learnt about when results come: the
 * canary teaches the waves, wave 1 teaches wave 2, so that no run starts from the slow polls of
 * a script never seen (0.5 s, 1.5 s, 3.5 s, ... after sending).
 */
function learntTimings(deps: ShellScriptDeps): Map<string, number> {
  let learnt = timings.get(deps.aws);
  if (!learnt) {
    learnt = new Map();
    timings.set(deps.aws, learnt);
  }
  return learnt;
}

function scriptKey(request: ShellScriptRequest): string {
  return request.commands.join('\n');
}

function rememberTiming(deps: ShellScriptDeps, request: ShellScriptRequest, run: RunState): void {
  if (run.quickestMs !== null) learntTimings(deps).set(scriptKey(request), run.quickestMs);
}
