import { closeSync, constants, openSync, readSync } from 'node:fs';
import { IGNORE_FILE_NAME, type FileKeep } from './acknowledgements.js';
import { compileOrgReferences } from './org-references.js';
import { formatBytes } from './render-rewrite-report.js';
import type { AcknowledgedLine, TextFinding } from './text-rewrite-result.js';

/**
 * A file the rewrite does not read as text (binary, or over --max-size) may still name the moved
 * organisation. The gate's "no reference left" is an observation, so such a file is searched for
 * references (the same matcher as every rewritten line) and, when it has one, reported as needing
 * a person, unless the ignore file acknowledges it. It is never rewritten.
 */

export type UnreadKind = 'binary' | 'too-large';

/** Bytes read at a time from a file over --max-size: memory stays at one chunk. */
const CHUNK_BYTES = 1024 * 1024;
/** Carried from one chunk into the next, so that a reference cut in two is still seen whole. */
const OVERLAP_BYTES = 512;

export interface UnreadFileVerdict {
  finding?: TextFinding;
  acknowledged?: AcknowledgedLine;
}

/** `bytes`: the whole file when it was read (binary); absent: read `path` in chunks (too large). */
export function judgeUnreadFile(
  kind: UnreadKind,
  source: { bytes: Buffer } | { path: string },
  githubOwner: string,
  keep: FileKeep | undefined,
  size: number,
): UnreadFileVerdict {
  const found =
    'bytes' in source
      ? findInText(source.bytes.toString('latin1'), githubOwner, 1)
      : findInFile(source.path, githubOwner);
  if (!found) return {};
  const kept = keep?.whole ?? keep?.lines?.get(found.line);
  if (kept !== undefined)
    return { acknowledged: { line: found.line, text: found.match, references: 1, by: 'ignore-file', reason: kept } };
  const reason =
    kind === 'binary'
      ? `a binary file names the moved organisation: molectl never rewrites binary files; rebuild it from rewritten sources, or acknowledge the file in ${IGNORE_FILE_NAME}`
      : `a file over --max-size (${formatBytes(size)}) names the moved organisation and was not rewritten: rerun with --max-size ${Math.ceil(size / (1024 * 1024))}MiB, or acknowledge the file in ${IGNORE_FILE_NAME}`;
  return {
    finding: { line: found.line, rule: 'unread-file', text: found.match, match: found.match, reason, blocking: true },
  };
}

interface Found {
  line: number;
  match: string;
}

function findInText(text: string, githubOwner: string, firstLine: number): Found | undefined {
  const match = compileOrgReferences(githubOwner).find(text)[0];
  if (match === undefined) return undefined;
  return { line: firstLine + countNewlines(text, text.indexOf(match)), match };
}

function findInFile(path: string, githubOwner: string): Found | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined; // gone or unreadable since it was listed: the skip list already says so
  }
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES + OVERLAP_BYTES);
    let carried = 0;
    let line = 1;
    let position = 0;
    for (;;) {
      const n = readSync(fd, chunk, carried, CHUNK_BYTES, position);
      if (n === 0) return undefined;
      position += n;
      const text = chunk.toString('latin1', 0, carried + n);
      const found = findInText(text, githubOwner, line);
      if (found) return found;
      // The tail is searched again with the next chunk, so its newlines are counted there.
      const kept = Math.min(OVERLAP_BYTES, text.length);
      line += countNewlines(text, text.length - kept);
      chunk.copy(chunk, 0, text.length - kept, text.length);
      carried = kept;
    }
  } finally {
    closeSync(fd);
  }
}

function countNewlines(text: string, end: number): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < end; at = text.indexOf('\n', at + 1)) count += 1;
  return count;
}
