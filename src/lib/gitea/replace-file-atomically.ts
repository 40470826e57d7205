import { closeSync, fchmodSync, fchownSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces a repository file's content so that readers see the old bytes or the new, never a mix:
 * a temp file in the same directory (same filesystem, so rename is atomic), the original mode
 * (and owner, when running as root), then rename over the target. Unlike
 * src/lib/output/write-file.ts it does not fsync each file: a rewrite touches hundreds of files,
 * git holds every original, and a rerun is idempotent, so per-file durability is not worth its
 * cost (it doubled the time of a 200-file rewrite). Hard links to the file are broken by the
 * rename, as with `sed -i`. Synchronous: see rewrite-files.ts.
 */

let counter = 0;

/** What a temp file of this process is called: `.<name>.molectl-<pid>-<n>.tmp` beside the target. */
const TEMP_MARK = `.molectl-${process.pid}-`;

/**
 * A temp file this process is writing (it exists only until its rename): a listing of the tree
 * made while files are being replaced (git ls-files -o, git grep --untracked, a walk) can catch
 * one, and it is never a file to rewrite or count. Another process's leftovers are real files.
 */
export function isOwnTempFile(path: string): boolean {
  // Called for every path of the tree: most are ruled out by their ending alone.
  if (!path.endsWith('.tmp')) return false;
  const name = basename(path);
  return name.startsWith('.') && name.includes(TEMP_MARK);
}

export function replaceFileAtomically(
  path: string,
  content: Buffer,
  original: { mode: number; uid: number; gid: number },
): void {
  const mode = original.mode & 0o7777;
  let temp = '';
  let fd = -1;
  // The name only has to be unique among molectl's own temp files: O_EXCL ('wx') guarantees that
  // nothing existing is ever opened, and a clash just takes the next number.
  for (let attempt = 0; fd === -1; attempt += 1) {
    counter += 1;
    temp = join(dirname(path), `.${basename(path)}${TEMP_MARK}${counter}.tmp`);
    try {
      fd = openSync(temp, 'wx', mode);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 100) throw error;
    }
  }
  try {
    let offset = 0;
    while (offset < content.length) offset += writeSync(fd, content, offset, content.length - offset);
    // open() applies the umask; the original mode is what must survive.
    fchmodSync(fd, mode);
    if (process.getuid?.() === 0 && (original.uid !== 0 || original.gid !== 0)) {
      try {
        fchownSync(fd, original.uid, original.gid);
      } catch {
        // Keeping root as the owner is the worse outcome, but not a reason to lose the rewrite.
      }
    }
    closeSync(fd);
    fd = -1;
    renameSync(temp, path);
  } catch (error) {
    if (fd !== -1) closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
}
