import { accessSync, constants, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { EnvVars } from '../config/env.js';
import { ConfigError } from '../errors.js';

/**
 * The state directory (run ledgers, locks, the sandbox's files) is a local precondition of every
 * command that records a run: checked before the command runs, with the flags, so that a state
 * directory that is a file or cannot be written is exit 3 naming the variable to fix, not an
 * "unexpected error" after a fleet probe and a typed confirmation. Nothing is created here: a
 * missing directory is fine when its nearest existing ancestor is a writable directory (the run
 * creates it as it always has).
 */
export function checkStateDir(stateDir: string, env: EnvVars): void {
  for (const sub of STATE_SUBDIRS) {
    const problem = findDirectoryProblem(join(stateDir, sub));
    if (problem) {
      throw new ConfigError(
        `the state directory ${stateDir} cannot be written: ${problem}; nothing was changed`,
        `point ${stateDirSource(env)} at a directory you can write, or fix that path`,
      );
    }
  }
}

/** What a mutating run writes under the state directory. */
const STATE_SUBDIRS = ['runs', 'locks'];

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
