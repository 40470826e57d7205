import { randomBytes } from 'node:crypto';
import { chmod, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces a repository file's content so that readers see the old bytes or the new, never a mix:
 * a temp file in the same directory (same filesystem, so rename is atomic), the original mode, then
 * rename over the target. Unlike src/lib/output/write-file.ts it does not fsync each file: a
 * rewrite touches hundreds of files, git holds every original, and a rerun is idempotent, so
 * per-file durability is not worth its cost (it doubled the time of a 200-file rewrite).
 * Hard links to the file are broken by the rename, as with `sed -i`.
 */
export async function replaceFileAtomically(path: string, content: Buffer, mode: number): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.molectl-${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.close();
    // open() applies the umask; the original mode is what must survive.
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}
