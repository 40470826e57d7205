import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';

/**
 * Who owns a run or a lock, and whether that owner still exists. A pid only means something on
 * its own host, so liveness is 'unknown' for another host's owner: molectl never guesses that a
 * process it cannot see is dead.
 */

export interface ProcessIdentity {
  pid: number;
  hostname: string;
  user: string;
  /**
   * Which process had the pid: the boot id and the process's start time since boot (Linux /proc;
   * absent elsewhere). A pid alive with another start, or after another boot, is not the owner:
   * pids are recycled, and after a reboot (a CI runner's container restarted) soon.
   */
  processStart?: string;
}

export type OwnerLiveness = 'alive' | 'dead' | 'unknown';

export function describeCurrentProcess(): ProcessIdentity {
  const processStart = readProcessStart(process.pid);
  return { pid: process.pid, hostname: hostname(), user: readUserName(), ...(processStart ? { processStart } : {}) };
}

export function checkOwnerLiveness(
  owner: { pid: number; hostname: string; processStart?: string | undefined },
  here: string = hostname(),
): OwnerLiveness {
  if (owner.hostname !== here) return 'unknown';
  if (!isProcessAlive(owner.pid)) return 'dead';
  // Recorded by an owner that knew its start: a live pid that started otherwise is someone else.
  if (owner.processStart) {
    const now = readProcessStart(owner.pid);
    if (now !== null && now !== owner.processStart) return 'dead';
  }
  return 'alive';
}

/** `<boot id>/<start time in clock ticks since boot>` of a live process, or null where /proc cannot say. */
export function readProcessStart(pid: number): string | null {
  try {
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is the 3rd
    // field of the line, starttime the 22nd.
    const startTicks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return bootId && startTicks ? `${bootId}/${startTicks}` : null;
  } catch {
    return null;
  }
}

/**
 * Signal 0 checks existence without touching the process. EPERM means it exists but belongs to
 * someone else, which is alive. A recycled pid reads as alive: the safe direction to be wrong in.
 * A zombie (exited, not yet collected by its parent; on Linux, where /proc says so) has ended:
 * an orphan's reaper may take seconds to collect it, and its work is over.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** `user@host`, the owner string a lock shows to someone on another machine. */
export function formatOwner(identity: { user: string; hostname: string }): string {
  return `${identity.user}@${identity.hostname}`;
}

function readUserName(): string {
  try {
    return userInfo().username;
  } catch {
    // Containers with a uid missing from /etc/passwd: the uid still identifies the owner.
    return typeof process.getuid === 'function' ? `uid-${process.getuid()}` : 'unknown';
  }
}
