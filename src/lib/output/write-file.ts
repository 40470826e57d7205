import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomHex } from '../random-hex.js';

/**
 * Writes a file so that readers see the old content or the new, never half of either:
 * write to a temp file in the same directory, fsync, rename over the target.
 */
export async function writeFileAtomic(
  path: string,
  content: string | Buffer,
  options: { mode?: number } = {},
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${randomHex(6)}.tmp`);
  const handle = await open(temp, 'w', options.mode ?? 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  if (options.mode !== undefined) await chmod(temp, options.mode);
  await rename(temp, path);
}
