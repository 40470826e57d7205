import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LockHeldError } from './lock-held-error.js';
import { checkOwnerLiveness, describeCurrentProcess, type ProcessIdentity } from './process-owner.js';
import { writeFileExclusive } from './write-file-exclusive.js';

/**
 * A lock on this machine for one operation against one environment:
 * `<stateDir>/locks/<environment>.<operation>.lock`, created exclusively (link(2), so it is never
 * seen half-written) and holding who took it. It stops two molectl processes on one machine from
 * running the same operation at once; across machines the SSM fleet lock (fleet-lock.ts) does.
 *
 * A holder whose pid is gone on this host is reported as stale (ownerDeadHere); the run lifecycle
 * takes such a lock over with a notice. An unreadable lock, or one held from another host, is
 * broken only by an explicit act (breakLocalLock, a command's --break-lock).
 */

export interface LocalLockHolder {
  pid: number;
  hostname: string;
  user: string;
  runId: string;
  environment: string;
  operation: string;
  acquiredAt: string;
  /** Which process had the pid (process-owner.ts): a recycled pid is not the holder. */
  processStart?: string;
}

export interface LocalLockTarget {
  /** Directory holding lock files: `<stateDir>/locks`. */
  lockDir: string;
  environment: string;
  operation: string;
}

export interface AcquireLocalLockArgs extends LocalLockTarget {
  runId: string;
  now: Date;
  /** How the user breaks it with the command at hand, e.g. "rerun with --break-lock". */
  breakHint?: string;
  identity?: ProcessIdentity;
}

export class LocalLock {
  constructor(
    readonly path: string,
    readonly holder: LocalLockHolder,
  ) {}

  /** Removes the lock if it is still ours; resolves false when it was broken meanwhile. */
  async release(): Promise<boolean> {
    const current = await readHolder(this.path);
    if (!current.holder || current.holder.runId !== this.holder.runId || current.holder.pid !== this.holder.pid)
      return false;
    await rm(this.path, { force: true });
    return true;
  }
}

export function localLockPath(target: LocalLockTarget): string {
  return join(target.lockDir, `${toFileWord(target.environment)}.${toFileWord(target.operation)}.lock`);
}

export async function acquireLocalLock(args: AcquireLocalLockArgs): Promise<LocalLock> {
  const path = localLockPath(args);
  const me = args.identity ?? describeCurrentProcess();
  const holder: LocalLockHolder = {
    pid: me.pid,
    hostname: me.hostname,
    user: me.user,
    runId: args.runId,
    environment: args.environment,
    operation: args.operation,
    acquiredAt: args.now.toISOString(),
    ...(me.processStart ? { processStart: me.processStart } : {}),
  };
  if (await writeFileExclusive(path, `${JSON.stringify(holder, null, 2)}\n`, { mode: 0o600 }))
    return new LocalLock(path, holder);
  throw await describeContention(path, args, me.hostname);
}

/**
 * Would acquiring refuse right now? The refusal it would throw, or null; takes nothing. A holder
 * dead on this host, or (with breakLock) a stale one, is not a refusal: the run lifecycle takes
 * those over. For a check before a run is planned and confirmed; acquiring later still decides.
 */
export async function findLocalLockRefusal(
  args: Omit<AcquireLocalLockArgs, 'now'> & { breakLock: boolean },
): Promise<LockHeldError | null> {
  const path = localLockPath(args);
  if (!(await readHolder(path)).exists) return null;
  const refusal = await describeContention(path, args, (args.identity ?? describeCurrentProcess()).hostname);
  return refusal.mayBeTakenOver(args.breakLock) ? null : refusal;
}

/** Reads who holds the lock, or null when it is free. */
export async function readLocalLock(target: LocalLockTarget): Promise<LocalLockHolder | null> {
  const current = await readHolder(localLockPath(target));
  return current.exists ? (current.holder ?? null) : null;
}

/** Removes the lock whoever holds it. Resolves the holder that was removed, or null if free. */
export async function breakLocalLock(
  target: LocalLockTarget,
): Promise<{ path: string; holder: LocalLockHolder | null; existed: boolean }> {
  const path = localLockPath(target);
  const current = await readHolder(path);
  await rm(path, { force: true });
  return { path, holder: current.holder ?? null, existed: current.exists };
}

async function describeContention(
  path: string,
  args: Pick<AcquireLocalLockArgs, 'operation' | 'environment' | 'breakHint'>,
  here: string,
): Promise<LockHeldError> {
  const what = `${args.operation} on ${args.environment}`;
  const breakHint = args.breakHint ?? `rerun with --break-lock, or delete ${path}`;
  const current = await readHolder(path);
  const holder = current.holder;
  if (!holder) {
    return new LockHeldError({
      message: `the local lock for ${what} exists but cannot be read (${path})`,
      hint: `if no molectl run is working on ${args.environment}: ${breakHint}`,
      lockName: path,
      stale: true,
    });
  }
  const who = `run ${holder.runId} (pid ${holder.pid} on ${holder.hostname}, since ${holder.acquiredAt})`;
  const liveness = checkOwnerLiveness(holder, here);
  if (liveness === 'dead') {
    return new LockHeldError({
      message: `the local lock for ${what} is stale: ${who} is no longer running`,
      hint: `check it with \`molectl runs show ${holder.runId}\`, then ${breakHint}`,
      lockName: path,
      holderRunId: holder.runId,
      stale: true,
      ownerDeadHere: true,
    });
  }
  if (liveness === 'unknown') {
    return new LockHeldError({
      message: `the local lock for ${what} is held by ${who}, another host, so molectl cannot tell whether it is alive`,
      hint: `check on ${holder.hostname}; if that process is gone: ${breakHint}`,
      lockName: path,
      holderRunId: holder.runId,
      stale: false,
    });
  }
  return new LockHeldError({
    message: `${what} is already running: the local lock is held by ${who}`,
    hint: `wait for it to finish; follow it with \`molectl runs show ${holder.runId}\``,
    lockName: path,
    holderRunId: holder.runId,
    stale: false,
  });
}

async function readHolder(path: string): Promise<{ exists: boolean; holder?: LocalLockHolder }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false };
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LocalLockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.hostname === 'string' && typeof parsed.runId === 'string') {
      return { exists: true, holder: parsed as LocalLockHolder };
    }
  } catch {
    // Falls through: an unreadable lock is still a lock.
  }
  return { exists: true };
}

/** Environment and operation names become one file-name word: no separators, no dots to climb. */
function toFileWord(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'default'
  );
}
