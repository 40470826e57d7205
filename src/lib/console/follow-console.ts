import type { Clock } from '../clock.js';
import type { Diagnosis } from './diagnose-lines.js';
import { ConsoleFollower } from './follow-console-window.js';
import type { ConsoleSnapshot } from './read-console-snapshot.js';
import type { RedactionTally } from './redaction-tally.js';
import { matchesLine } from './select-lines.js';
import { splitConsoleLines } from './split-console-lines.js';

/**
 * `molectl console --follow`: print the window once (tail and grep applied), then poll every
 * interval and print only lines appended since, each exactly once, until Ctrl-C. Ctrl-C is the
 * normal way to stop: it ends the loop, releases a held partial line, and returns (exit 0).
 */

export interface FollowDeps {
  read(): Promise<ConsoleSnapshot>;
  write(text: string): Promise<void>;
  warn(message: string): void;
  clock: Clock;
  signal: AbortSignal;
}

export interface FollowOptions {
  intervalMs: number;
  grep?: RegExp | undefined;
  /** Applies to the first window only, as with `tail -n N -f`. */
  tail?: number | undefined;
  tally: RedactionTally;
  diagnosis?: Diagnosis | undefined;
}

export interface FollowSummary {
  linesPrinted: number;
  /** Some read returned text: without any, nothing was checked (no secrets, no signatures). */
  textSeen: boolean;
  polls: number;
  gaps: number;
}

/** Consecutive failed reads after which following gives up (the error is then reported). */
const MAX_CONSECUTIVE_FAILURES = 5;

export async function followConsole(
  deps: FollowDeps,
  first: ConsoleSnapshot,
  options: FollowOptions,
): Promise<FollowSummary> {
  const follower = new ConsoleFollower();
  const summary: FollowSummary = { linesPrinted: 0, textSeen: first.text.trim() !== '', polls: 0, gaps: 0 };
  const emit = async (raw: string, startsMidLine: boolean, tail?: number): Promise<void> => {
    const { lines } = splitConsoleLines(options.tally.redact(raw, startsMidLine ? 'mid-line' : 'whole'), {
      startsMidLine,
    });
    options.diagnosis?.add(lines);
    let shown = options.grep ? lines.filter((l) => matchesLine(options.grep!, l)) : lines;
    if (tail !== undefined) shown = tail === 0 ? [] : shown.slice(-tail);
    if (shown.length === 0) return;
    summary.linesPrinted += shown.length;
    await deps.write(`${shown.join('\n')}\n`);
  };

  await emit(follower.start(first.text), first.truncated, options.tail);
  let failures = 0;
  while (!deps.signal.aborted) {
    try {
      await deps.clock.sleep(options.intervalMs, deps.signal);
    } catch {
      break; // Ctrl-C while waiting: the normal end of --follow
    }
    let snapshot: ConsoleSnapshot;
    try {
      snapshot = await deps.read();
      failures = 0;
    } catch (error) {
      if (deps.signal.aborted) break;
      failures += 1;
      if (failures >= MAX_CONSECUTIVE_FAILURES) throw error;
      deps.warn(
        `reading the console failed (${(error as Error).message}); retrying in ${Math.round(options.intervalMs / 1000)} s`,
      );
      continue;
    }
    summary.polls += 1;
    if (snapshot.text.trim() !== '') summary.textSeen = true;
    const update = follower.next(snapshot.text);
    if (update.gap) {
      summary.gaps += 1;
      deps.warn(
        'the console moved on by more than its 64 KB window between two reads (or restarted): some lines were missed; lower --interval',
      );
    }
    await emit(update.text, update.gap && snapshot.truncated);
  }
  const rest = follower.flush();
  if (rest) await emit(rest, false);
  return summary;
}
