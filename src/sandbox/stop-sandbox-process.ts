import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from '../lib/runs/process-owner.js';

/**
 * Stops a background sandbox and everything it started. The sandbox stops its own host scripts
 * and python helper on SIGTERM (in well under a second); one that does not end within the grace
 * period (stopped, wedged) is killed, and then so is every process it had started that is still
 * there: host scripts run in process groups of their own, so killing the sandbox alone would
 * leave them running.
 *
 * A process that has exited but whose parent has not collected it yet (a zombie) counts as ended:
 * a detached sandbox's parent is whatever reaps orphans, which may take its time, and waiting for
 * it is what made `sandbox down` sit out its whole grace period and call a clean stop "forced".
 */

/** How long the sandbox gets to stop cleanly after SIGTERM before it is killed. */
export const STOP_GRACE_MS = 4000;
const POLL_MS = 25;

export interface StopOutcome {
  /** The sandbox did not end within the grace period and was killed. */
  forced: boolean;
  /** Processes it had started that were still running after it ended, killed by us. */
  leftoversKilled: number;
  elapsedMs: number;
}

export async function stopSandboxProcess(pid: number, graceMs = STOP_GRACE_MS): Promise<StopOutcome> {
  const started = performance.now();
  const tree = new Map<number, string>();
  const noteDescendants = (): void => {
    for (const [child, start] of listDescendants(pid)) tree.set(child, start);
  };
  noteDescendants();
  signal(pid, 'SIGTERM');
  let forced = false;
  if (!(await waitForEnd(pid, graceMs))) {
    noteDescendants();
    signal(pid, 'SIGKILL');
    forced = true;
    await waitForEnd(pid, 1000);
  }
  let leftoversKilled = 0;
  for (const [child, start] of tree) {
    // Only the process we saw: a pid reused since then has another start time.
    if (readProcessStat(child)?.startTime !== start || !isProcessAlive(child)) continue;
    signal(child, 'SIGKILL');
    leftoversKilled++;
  }
  return { forced, leftoversKilled, elapsedMs: performance.now() - started };
}

async function waitForEnd(pid: number, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (isProcessAlive(pid)) {
    if (performance.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone between the check and the signal: what we wanted.
  }
}

/** Every process below `root`, with its start time (Linux /proc; elsewhere none are known). */
function listDescendants(root: number): Map<number, string> {
  const children = new Map<number, number[]>();
  const starts = new Map<number, string>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return new Map();
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcessStat(Number(entry));
    if (!stat) continue;
    starts.set(Number(entry), stat.startTime);
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(entry)]);
  }
  const found = new Map<number, string>();
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (found.has(pid)) continue;
    found.set(pid, starts.get(pid)!);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function readProcessStat(pid: number): { ppid: number; startTime: string } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // state is field 3 of the whole line (index 0 here), ppid field 4, starttime field 22.
    return { ppid: Number(fields[1]), startTime: fields[19] ?? '' };
  } catch {
    return null;
  }
}
