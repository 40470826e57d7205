import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * `dir` and its parents, nearest first, up to the top of the git work tree that holds it: the
 * directory with `.git` (a directory, or a linked worktree's file), which is `top`. Outside a
 * work tree `top` is null and the list runs to the file system's root. The ignore files that
 * apply and the repository's `.gitmodules` are both found this way.
 */
export function workTreeParents(dir: string): { dirs: string[]; top: string | null } {
  const dirs: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    dirs.push(at);
    if (existsSync(join(at, '.git'))) return { dirs, top: at };
    if (dirname(at) === at) return { dirs, top: null };
  }
}
