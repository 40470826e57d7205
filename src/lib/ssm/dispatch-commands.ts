import { randomBytes } from 'node:crypto';
import type { ShellScriptDeps, ShellScriptRequest } from './run-shell-script.js';
import { countInFlight, type RunState } from './script-run-state.js';
import { SSM_MAX_INSTANCE_IDS_PER_COMMAND } from '../aws/ssm-limits.js';
import { isSsmThrottle } from './ssm-pacer.js';

/**
 * How many queued instances to send now (pure): 0 = wait for capacity. `cap` is the most
 * instances running at once across all commands (Infinity: no cap). A command takes at most 50
 * ids. Once something runs, freed capacity is sent when it makes half a full batch, or when it
 * has waited `lingerMs` (`freeForMs` is how long some capacity has been free and unused): a
 * command per finished host would multiply SendCommands and the polls that follow each one,
 * while waiting for half a batch with a small cap left a quarter of it idle on average.
 */
export function nextBatchSize(input: {
  cap: number;
  inFlight: number;
  queued: number;
  freeForMs?: number;
  lingerMs?: number;
}): number {
  const full = Math.min(SSM_MAX_INSTANCE_IDS_PER_COMMAND, input.cap);
  const free = input.cap - input.inFlight;
  if (input.queued === 0 || free < 1) return 0;
  const size = Math.min(full, free, input.queued);
  if (size === Math.min(full, input.queued) || input.inFlight === 0) return size;
  if (size >= Math.ceil(full / 2)) return size;
  const lingered = input.freeForMs !== undefined && input.lingerMs !== undefined && input.freeForMs >= input.lingerMs;
  return lingered ? size : 0;
}

/**
 * How long freed capacity may wait for more to join it: an eighth of the time this script's
 * hosts have been taking (so at most ~6 % of a host's turn is lost waiting), never below one
 * poll gap (the quickest a result can be seen anyway) nor above two seconds.
 */
export function lingerMs(run: Pick<RunState, 'quickestMs' | 'firstPollMs'>): number {
  const expected = run.quickestMs ?? run.firstPollMs * 4;
  return Math.min(MAX_LINGER_MS, Math.max(run.firstPollMs / 2, expected / 8));
}

const MAX_LINGER_MS = 2000;

/** When freed capacity waiting to be sent has lingered enough (see nextBatchSize); null when none waits. */
export function lingerEndsAt(run: Pick<RunState, 'freeSince' | 'queue' | 'quickestMs' | 'firstPollMs'>): number | null {
  return run.freeSince !== null && run.queue.length > 0 ? run.freeSince + lingerMs(run) : null;
}

/**
 * Sends queued instances while the in-flight cap allows. Returns how many commands it sent. Up
 * to SENDS_AT_ONCE SendCommands are in flight together (a SendCommand carries the whole script
 * and costs tens of ms; one at a time, they could not keep up with a fleet), paced by the
 * pacer. Results only change while polling, so stopDispatch sees the same answers here as it
 * would one send at a time. A throttled SendCommand (AWS refuses it before acting) goes back to
 * the front of the queue for the next round, sent at the pacer's slower rate. While its sends
 * are out the loop stays, and looks again when one ends or a poll frees capacity (run.kicked,
 * run.wakeDispatch): a command that finished meanwhile is replaced then, not one poll round later.
 */
export async function dispatchAllowed(
  deps: ShellScriptDeps,
  request: ShellScriptRequest,
  run: RunState,
): Promise<number> {
  const cap = request.maxInFlight ?? Number.POSITIVE_INFINITY;
  let count = 0;
  let stop = false;
  let failure: { error: unknown } | null = null;
  const active = new Set<Promise<void>>();
  const send = async (batch: string[]): Promise<void> => {
    try {
      const comment = batchComment(request.comment);
      await request.onBeforeDispatch?.({ comment, instanceIds: batch });
      const { commandId } = await deps.aws.sendShellCommand({
        instanceIds: batch,
        commands: request.commands,
        comment,
        timeoutSeconds: run.timeoutSeconds,
        ...(request.deliveryTimeoutSeconds ? { deliveryTimeoutSeconds: request.deliveryTimeoutSeconds } : {}),
        // Under a cap molectl does the fan-out: every id of a command starts at once.
        ...(request.maxInFlight !== undefined
          ? { maxConcurrency: String(batch.length) }
          : request.maxConcurrency
            ? { maxConcurrency: request.maxConcurrency }
            : {}),
        ...(request.maxErrors ? { maxErrors: request.maxErrors } : {}),
        ...(request.readOnly ? { readOnly: true } : {}),
        onThrottled: () => run.pacer.settle('SendCommand', THROTTLED),
      });
      run.pacer.settle('SendCommand');
      const sentAt = deps.clock.now().getTime();
      // Not before the quickest any command has taken to show a result: with hundreds of hosts
      // in flight, a round then asks only about the commands that may be done.
      const firstPoll = Math.max(run.firstPollMs, run.quickestMs ?? 0);
      run.sent.push({
        commandId,
        instanceIds: batch,
        sentAt,
        deadline: sentAt + run.waitMs,
        pollAt: sentAt + firstPoll,
        pollEvery: run.firstPollMs,
      });
      count += 1;
      await request.onDispatched?.({ commandId, instanceIds: batch });
    } catch (error) {
      run.pacer.settle('SendCommand', error);
      stop = true;
      if (isSsmThrottle(error) && !deps.signal.aborted) run.queue.unshift(...batch);
      else failure ??= { error };
    } finally {
      run.reserved -= batch.length;
    }
  };
  while (!stop) {
    // This look sees every poll so far: a kick from before it asks nothing more.
    run.kicked = false;
    const now = deps.clock.now().getTime();
    const inFlight = countInFlight(run) + run.reserved;
    if (inFlight >= cap) run.freeSince = null;
    else run.freeSince ??= now;
    const size = nextBatchSize({
      cap,
      inFlight,
      queued: run.queue.length,
      freeForMs: now - (run.freeSince ?? now),
      lingerMs: lingerMs(run),
    });
    if (size === 0) {
      if (active.size === 0) break;
      // Capacity a poll frees while these sends are out goes out as soon as the poll lands
      // (kick), not when the next poll round starts another loop.
      await new Promise<void>((resolve) => {
        run.wakeDispatch = resolve;
        void Promise.race(active).then(resolve);
      });
      run.wakeDispatch = null;
      continue;
    }
    if (deps.signal.aborted) {
      failure ??= { error: deps.signal.reason };
      break;
    }
    if (request.stopDispatch?.([...run.results.values()])) {
      run.abandoned.push(...run.queue.splice(0));
      break;
    }
    const batch = run.queue.splice(0, size);
    run.reserved += batch.length;
    run.freeSince = null;
    try {
      await run.pacer.take('SendCommand', deps.signal);
    } catch (error) {
      run.queue.unshift(...batch);
      run.reserved -= batch.length;
      failure ??= { error };
      break;
    }
    const sending = send(batch).finally(() => active.delete(sending));
    active.add(sending);
    if (active.size >= SENDS_AT_ONCE) await Promise.race(active);
  }
  // Every command sent is recorded (onDispatched) before anything waits on it.
  await Promise.all(active);
  if (failure) throw failure.error;
  return count;
}

/** SendCommands in flight at once (see dispatchAllowed). */
const SENDS_AT_ONCE = 4;
/** What a throttled attempt the door retried looks like to the pacer. */
const THROTTLED = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

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
