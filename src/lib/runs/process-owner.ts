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
}

export type OwnerLiveness = 'alive' | 'dead' | 'unknown';

export function describeCurrentProcess(): ProcessIdentity {
  return { pid: process.pid, hostname: hostname(), user: readUserName() };
}

export function checkOwnerLiveness(owner: { pid: number; hostname: string }, here: string = hostname()): OwnerLiveness {
  if (owner.hostname !== here) return 'unknown';
  return isProcessAlive(owner.pid) ? 'alive' : 'dead';
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
