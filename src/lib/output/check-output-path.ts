import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Why a path cannot take a file molectl is asked to write, or null when it can. Checked when the
 * flags are read, before anything remote happens: a directory given as `--summary-md`, or a
 * parent directory that does not exist, was once found only after the canary had been changed.
 * A missing parent directory is never created: it names a typo more often than an intent.
 */
export function findOutputPathProblem(path: string): string | null {
  const full = resolve(path);
  try {
    const stat = statSync(full);
    if (stat.isDirectory()) return `${path} is a directory; give a file path`;
    accessSync(full, constants.W_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return `${path} exists and cannot be written`;
    if (code === 'ENOTDIR') return `${dirname(path)} is not a directory`;
    if (code !== 'ENOENT') return `${path} cannot be used (${code ?? 'error'})`;
  }
  const parent = dirname(full);
  try {
    if (!statSync(parent).isDirectory()) return `${dirname(path)} is not a directory`;
    accessSync(parent, constants.W_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `the directory ${dirname(path)} does not exist; create it first`;
    return `cannot create files in ${dirname(path)}`;
  }
}
