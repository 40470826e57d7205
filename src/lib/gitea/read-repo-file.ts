import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/**
 * Reading a repository file for a rewrite, and the bytes it is written back from: synchronous
 * (see rewrite-files.ts), never through a symlink, into one scratch buffer.
 */

export type ReadOutcome =
  /** `buffer` is a view of the scratch buffer: good until the next read or encodeLatin1. */
  | { kind: 'read'; buffer: Buffer; info: Stats }
  | { kind: 'too-large'; bytes: number }
  | { kind: 'symlink' | 'not-regular' | 'unreadable' | 'gone' };

/**
 * O_NOFOLLOW refuses a symlink at open (no lstat/open gap to race); O_NONBLOCK keeps a FIFO from
 * hanging the run; fstat on the open descriptor says what was opened and how big it is.
 */
export function readWithoutFollowing(path: string, maxBytes: number): ReadOutcome {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { kind: code === 'ELOOP' ? 'symlink' : code === 'ENOENT' ? 'gone' : 'unreadable' };
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return { kind: 'not-regular' };
    if (info.size > maxBytes) return { kind: 'too-large', bytes: info.size };
    const buffer = scratch(info.size);
    let offset = 0;
    while (offset < info.size) {
      const n = readSync(fd, buffer, offset, info.size - offset, offset);
      if (n === 0) break;
      offset += n;
    }
    return { kind: 'read', buffer: offset === info.size ? buffer : buffer.subarray(0, offset), info };
  } catch {
    return { kind: 'unreadable' };
  } finally {
    closeSync(fd);
  }
}

/**
 * One buffer for the bytes of every file read and written, grown to the largest: a file is read,
 * decoded, rewritten and written within one synchronous call (processFile), after which its bytes
 * are dead. On the 20,000-file bench that is two buffers fewer to allocate and collect per
 * rewritten file (bench/gitea-rewrite.mjs).
 */
let scratchBuffer = Buffer.allocUnsafe(0);

function scratch(bytes: number): Buffer {
  if (scratchBuffer.length < bytes) scratchBuffer = Buffer.allocUnsafe(Math.max(bytes, 64 * 1024));
  return scratchBuffer.subarray(0, bytes);
}

/** The text's latin1 bytes (the file's own bytes: see rewriteFiles), in the scratch buffer. */
export function encodeLatin1(text: string): Buffer {
  const bytes = scratch(text.length);
  bytes.write(text, 0, 'latin1');
  return bytes;
}
