import { mapChunks } from '../aws/collect-pages.js';
import { collectFinished } from './collect-finished-invocations.js';
import type { ShellScriptDeps, ShellScriptRequest } from './run-shell-script.js';
import type { PendingCommand, RunState } from './script-run-state.js';

/** Commands still waiting on some instance (neither answered nor given up on). */
export function openCommands(run: RunState): PendingCommand[] {
  return run.sent.filter((c) => !run.expired.has(c.commandId) && c.instanceIds.some((id) => !run.results.has(id)));
}

/** When the next poll is due: the earliest of the open commands' schedules (now when none is open). */
export function nextPollAt(run: RunState): number {
  let at = Number.POSITIVE_INFINITY;
  for (const c of openCommands(run)) at = Math.min(at, c.pollAt, c.deadline);
  return Number.isFinite(at) ? at : 0;
}

/**
 * Polls the commands whose turn has come. A poll that brings results keeps the command's gap at
 * the first interval (more of its hosts are likely done soon); one that brings none halves it
 * while the command is near the age at which commands have been finishing, and doubles it past
 * that. A command past its deadline is given up on (NoResult).
 *
 * The age at which results come (`quickestMs`) is learnt from SSM's own times when it gives
 * them (request to finish, exact), else from when a poll saw the first result, less a fifth:
 * a poll's time includes how late it came.
 */
export async function pollDueCommands(
  deps: ShellScriptDeps,
  request: ShellScriptRequest,
  run: RunState,
  afterEach: () => void,
): Promise<void> {
  const now = deps.clock.now().getTime();
  const due = openCommands(run).filter((c) => c.pollAt <= now || c.deadline <= now);
  await mapChunks(
    due.map((c) => [c]),
    POLLS_AT_ONCE,
    async ([command]) => {
      const c = command!;
      const before = c.instanceIds.filter((id) => run.results.has(id)).length;
      const { quickestFinishMs } = await collectFinished(deps, run, c, request.previewIsComplete);
      const after = c.instanceIds.filter((id) => run.results.has(id)).length;
      const at = deps.clock.now().getTime();
      const learnt = quickestFinishMs ?? (before === 0 && after > 0 ? 0.8 * (at - c.sentAt) : null);
      if (learnt !== null) run.quickestMs = Math.min(run.quickestMs ?? learnt, learnt);
      // Around the time commands have been taking, poll briskly; past it, back off. Before any
      // result has shown how long this script takes, its first seconds are polled at the first
      // interval, or at a quarter of it while only a few commands are open (unknownPollMs): a
      // canary that takes 2 s is seen at ~2.1 s, not at 2.5 s, nor at 3.5 s after 0.5 / 1.5 / 3.5.
      // Inside the expected window the gap is a sixteenth of the time commands have been taking
      // (a result waits ~3 % of a host's turn to be seen), between 100 ms and half the first interval.
      const age = at - c.sentAt;
      const { quickestMs } = run;
      const expected = quickestMs !== null && age < 2 * quickestMs;
      const unknownYet = quickestMs === null && age < BRISK_WHILE_UNKNOWN_MS;
      c.pollEvery = expected
        ? briskPollMs(quickestMs, run.firstPollMs)
        : unknownYet && after === before
          ? unknownPollMs(openCommands(run).length, run.firstPollMs)
          : after > before || unknownYet
            ? run.firstPollMs
            : Math.min(run.maxPollMs, c.pollEvery * 2);
      c.pollAt = at + c.pollEvery;
      if (at >= c.deadline && after < c.instanceIds.length) run.expired.add(c.commandId);
      afterEach();
    },
  );
}

/** The gap between polls of a command around the age at which its results are expected (pure). */
export function briskPollMs(quickestMs: number, firstPollMs: number): number {
  return Math.min(firstPollMs / 2, Math.max(MIN_BRISK_POLL_MS, quickestMs / 16));
}

const MIN_BRISK_POLL_MS = 100;

/**
 * The gap between polls of a command whose script's timing is not known yet (pure). A canary,
 * a check or a first small wave (a few commands) is polled at a quarter of the first interval,
 * not below 100 ms: its result is what everything after it waits for, and a few commands polled
 * 8 times a second stay well inside ListCommandInvocations' pace. More commands than that are
 * polled at the first interval, so that a first wave of many commands does not poll at 8/s each.
 */
export function unknownPollMs(openCommandCount: number, firstPollMs: number): number {
  return openCommandCount <= FEW_COMMANDS ? Math.max(MIN_BRISK_POLL_MS, firstPollMs / 4) : firstPollMs;
}

/** Open commands up to which a script of unknown timing is polled briskly (see unknownPollMs). */
const FEW_COMMANDS = 2;

/** How long a command of a script whose timing is not known yet is polled at the first interval. */
const BRISK_WHILE_UNKNOWN_MS = 5_000;

/** ListCommandInvocations polls in flight at once, one per command. */
const POLLS_AT_ONCE = 4;
