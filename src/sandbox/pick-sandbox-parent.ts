import { readFileSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** Linux's shared-memory tmpfs, where it usually is. */
const MEMORY_DIR = '/dev/shm';
/** tmpfs's statfs f_type (TMPFS_MAGIC). */
const TMPFS_MAGIC = 0x01021994;
/** Room a simulated host takes (~200 KB, more after a few migrations), with a wide margin. */
const BYTES_PER_HOST = 2 * 1024 * 1024;
/** Left free for everything else that uses the same memory. */
const RESERVE_BYTES = 256 * 1024 * 1024;

/**
 * Where the sandbox puts its temporary root when the caller does not say: a memory-backed
 * directory when one with room for the fleet exists, else the OS temp dir.
 *
 * Why: the simulated hosts' scripts and the docker shim write small files all the time (a
 * container's state and sidecars, env files, the updater). On a journalled disk each rewrite of
 * an existing file (a truncate, or a rename over it) also starts its write-back at once (ext4's
 * auto_da_alloc): ~0.2 ms of CPU a file instead of ~0.04 ms in memory, about 5 ms of a migration
 * script's ~55 ms (issue 16). What the scripts see is the same: the same paths, files, modes and
 * contents, programs that run (the hosts execute the files a migration installs: a noexec mount
 * is not used); only where the bytes sit. They live as long as the sandbox, which removes its root.
 */
export function pickSandboxParent(tenants: number): string {
  try {
    const fs = statfsSync(MEMORY_DIR);
    if (fs.type !== TMPFS_MAGIC || fs.bavail * fs.bsize < RESERVE_BYTES + tenants * BYTES_PER_HOST) return tmpdir();
    if (!mountAllowsUse(MEMORY_DIR)) return tmpdir();
    return MEMORY_DIR;
  } catch {
    return tmpdir();
  }
}

/** True when the last mount at dir (the one in force) is read-write and allows exec. */
function mountAllowsUse(dir: string): boolean {
  let options: string[] | null = null;
  for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
    const [, mountPoint, , opts] = line.split(' ');
    if (mountPoint === dir && opts) options = opts.split(',');
  }
  return options !== null && options.includes('rw') && !options.includes('noexec');
}
