import { link, mkdir, open, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncDirectory } from '../output/write-file.js';
import { randomHex } from '../random-hex.js';

/**
 * Creates `path` with `content` only if nothing is there yet, and never shows a half-written
 * file: the content goes to a temp file (fsynced), which is then hard-linked into place. link(2)
 * fails with EEXIST atomically, which is what makes this usable as a lock (O_EXCL semantics)
 * without the window where an O_EXCL-created file exists but is still empty.
 *
 * Resolves true when created, false when the path already existed.
 */
export async function writeFileExclusive(
  path: string,
  content: string,
  options: { mode?: number } = {},
): Promise<boolean> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${randomHex(6)}.tmp`);
  const handle = await open(temp, 'wx', options.mode ?? 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
    await syncDirectory(dir);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}
