import { chmod, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomHex } from '../random-hex.js';

/**
 * Writes a file so that readers see the old content or the new, never half of either:
 * write to a temp file in the same directory, fsync, rename over the target, fsync the directory
 * (so that the new name survives a power cut, not only a killed process).
 */
export async function writeFileAtomic(
  path: string,
  content: string | Buffer | readonly Buffer[],
  options: { mode?: number } = {},
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${randomHex(6)}.tmp`);
  const handle = await open(temp, 'w', options.mode ?? 0o600);
  try {
    if (typeof content === 'string' || Buffer.isBuffer(content)) await handle.writeFile(content);
    else await writeParts(handle, content);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    if (options.mode !== undefined) await chmod(temp, options.mode);
    await rename(temp, path);
  } catch (error) {
    // Not left beside the target (EACCES, EIO, EROFS on the rename); where even that fails, a
    // ledger's next claim removes it.
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

/**
 * Makes a rename or link in `dir` durable: until the directory itself is fsynced, a power cut can
 * bring the old name back (a ledger's last state, recorded before a remote change, lost although
 * the change went out). Where a directory cannot be opened or synced (some platforms and file
 * systems refuse it) the write stands as the kernel has it.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(dir, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR' && code !== 'EPERM') throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Writes consecutive parts with writev, without first copying them into one buffer (a ledger's
 * parts are mostly cached blocks). A short write (the kernel's limit on pieces per call, a
 * signal) continues from where it stopped.
 */
async function writeParts(handle: FileHandle, parts: readonly Buffer[]): Promise<void> {
  let rest = parts.filter((p) => p.length > 0);
  while (rest.length > 0) {
    let { bytesWritten } = await handle.writev(rest);
    if (bytesWritten === 0) throw new Error(`could not write to ${handle.fd}: the kernel took no bytes`);
    let done = 0;
    while (done < rest.length && bytesWritten >= rest[done]!.length) bytesWritten -= rest[done++]!.length;
    rest = rest.slice(done);
    if (bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
  }
}
