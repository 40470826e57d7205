import { accessSync, constants, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { EnvVars } from '../config/env.js';
import { parseDurationMs } from '../config/parse-duration.js';
import { ConfigError } from '../errors.js';

/** What a command writes under the state directory: a run ledger and locks, or the sandbox's files. */
export type StateWrites = 'run-ledger' | 'sandbox-files';

/**
 * The local preconditions of every command that writes state, checked before the command runs,
 * with the flags (src/cli), so that they are exit 3 naming the variable to fix, not an error after
 * a fleet probe and a typed confirmation (or, for MOLECTL_LOCK_TTL, after the ledger was written):
 * the state directory can take what the command writes, and for a run that takes locks,
 * MOLECTL_LOCK_TTL is a duration it accepts.
 */
export function checkStatePreconditions(writes: StateWrites, stateDir: string, env: EnvVars): void {
  checkStateDir(STATE_SUBDIRS[writes], stateDir, env);
  if (writes === 'run-ledger') fleetLockTtlMs(env);
}

/** How long a fleet lock lasts without renewal as MOLECTL_LOCK_TTL sets it; null when unset (the default). */
export function fleetLockTtlMs(env: EnvVars): number | null {
  const ms = env.MOLECTL_LOCK_TTL ? parseDurationMs(env.MOLECTL_LOCK_TTL) : null;
  if (env.MOLECTL_LOCK_TTL && (ms === null || ms < 3000 || ms > 24 * 3600_000)) {
    throw new ConfigError(
      `MOLECTL_LOCK_TTL "${env.MOLECTL_LOCK_TTL}" is not a duration between 3s and 24h`,
      'write it like 10m or 90s, or unset it',
    );
  }
  return ms;
}

/**
 * The state directory (run ledgers, locks, the sandbox's files): a state directory that is a file
 * or cannot be written is exit 3 before anything. Nothing is created here: a missing directory is
 * fine when its nearest existing ancestor is a writable directory (the run creates it as it always
 * has).
 */
function checkStateDir(subdirs: readonly string[], stateDir: string, env: EnvVars): void {
  for (const sub of subdirs) {
    const problem = findDirectoryProblem(join(stateDir, sub));
    if (problem) {
      throw new ConfigError(
        `the state directory ${stateDir} cannot be written: ${problem}; nothing was changed`,
        `point ${stateDirSource(env)} at a directory you can write, or fix that path`,
      );
    }
  }
}

/** Where each kind of writer writes under the state directory. */
const STATE_SUBDIRS: Record<StateWrites, readonly string[]> = {
  'run-ledger': ['runs', 'locks'],
  'sandbox-files': ['sandbox'],
};

/** Why `dir` cannot be made (or written) by this process, or null when it can. */
export function findDirectoryProblem(dir: string): string | null {
  let path = resolve(dir);
  for (;;) {
    let stat;
    try {
      stat = statSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTDIR: some ancestor is a file; walking up finds and names it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return `${path} cannot be used (${code ?? 'error'})`;
      const parent = dirname(path);
      if (parent === path) return `${path} does not exist`;
      path = parent;
      continue;
    }
    if (!stat.isDirectory()) return `${path} is not a directory`;
    try {
      accessSync(path, constants.W_OK | constants.X_OK);
      return null;
    } catch {
      return `${path} cannot be written`;
    }
  }
}

/** The variable the user set (or would set) to move the state directory. */
function stateDirSource(env: EnvVars): string {
  if (env.MOLECTL_STATE_DIR) return 'MOLECTL_STATE_DIR';
  if (env.XDG_STATE_HOME) return 'XDG_STATE_HOME (or MOLECTL_STATE_DIR)';
  return 'MOLECTL_STATE_DIR';
}
