import type { InstanceScriptResult } from './run-shell-script.js';
import type { SsmPacer } from './ssm-pacer.js';

/** The state of one runShellScript call, shared by its dispatch (dispatch-commands.ts) and its polling (poll-commands.ts). */

export interface PendingCommand {
  commandId: string;
  instanceIds: string[];
  sentAt: number;
  /** When molectl stops waiting for this command's results (waitMs after it was sent). */
  deadline: number;
  /** Each command is polled on its own schedule: when next, and the current gap between polls. */
  pollAt: number;
  pollEvery: number;
}

export interface RunState {
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
  /** A command is first polled this long after it was sent; unanswered polls double it, up to maxPollMs. */
  firstPollMs: number;
  maxPollMs: number;
  /** Instances in SendCommands not answered yet: in flight as far as the cap is concerned. */
  reserved: number;
  /** Since when some capacity under the cap has been free and unused (null: none is); see nextBatchSize. */
  freeSince: number | null;
  /**
   * When, after sending, a command's first result may be expected (poll-commands.ts learns it);
   * null until one has been seen by this run or an earlier run of the same script.
   */
  quickestMs: number | null;
  /** The dispatch loop, while one runs (never two at once: they would both spend the same capacity). */
  dispatching: Promise<number> | null;
  /** Something may have freed capacity since the running dispatch loop last looked. */
  kicked: boolean;
  /** Wakes a dispatch loop waiting on its sends in flight to look again (set while it waits). */
  wakeDispatch: (() => void) | null;
  /** Why dispatching stopped for good (a SendCommand refused, an interrupt): thrown by the wait loop. */
  dispatchFailure: { error: unknown } | null;
}

/** Instances sent and still running (neither answered nor given up on). */
export function countInFlight(run: RunState): number {
  let n = 0;
  for (const c of run.sent)
    if (!run.expired.has(c.commandId)) for (const id of c.instanceIds) if (!run.results.has(id)) n++;
  return n;
}
