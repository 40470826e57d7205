import { closeSync, constants, openSync, readSync } from 'node:fs';
import { IGNORE_FILE_NAME, type FileKeep } from './acknowledgements.js';
import { mentionsCandidateTerm } from './list-target-files.js';
import { compileOrgReferences } from './org-references.js';
import { formatCount } from '../output/format-count.js';
import { formatBytes } from './render-rewrite-report.js';
import type { RewriteRules } from './rewrite-rules.js';
import { rewriteText } from './rewrite-text.js';
import { clipLine, type AcknowledgedLine, type TextFinding } from './text-rewrite-result.js';
import { wideTextEncoding, type WideEncoding } from './wide-text.js';

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
  /** For a file read in chunks: false when it holds none of git grep's terms (mentionsCandidateTerm). */
  mentionsTerm?: boolean;
}

/** Text molectl can read but not write back: a file only the index holds, or UTF-16/32 text. */
export type UnwrittenKind = 'not-in-work-tree' | WideEncoding;

export interface UnwrittenTextVerdict {
  finding?: TextFinding;
  acknowledged: AcknowledgedLine[];
}

/**
 * Text that is looked at but never written: judged by the rules as a file in the work tree is
 * (inline markers and the ignore file acknowledge lines as usual), and whatever would fail the gate
 * there (a change, or a reference that needs a person) is one `unread-file` finding at its first
 * line, since --write cannot act on it.
 */
export function judgeUnwrittenText(
  kind: UnwrittenKind,
  text: string,
  rules: RewriteRules,
  path: string,
  keep: FileKeep | undefined,
): UnwrittenTextVerdict {
  const result = rewriteText(text, rules, path, { keep });
  const left = [
    ...result.changes.map((c) => ({ line: c.line, match: c.before })),
    ...result.findings.filter((f) => f.blocking).map((f) => ({ line: f.line, match: f.match })),
  ].sort((a, b) => a.line - b.line);
  const first = left[0];
  if (!first) return { acknowledged: result.acknowledged };
  const where = `${formatCount(left.length, 'reference')}, the first on line ${first.line}`;
  const reason =
    kind === 'not-in-work-tree'
      ? `not in the work tree (skip-worktree: a sparse checkout), so not rewritten, and its copy in the index names the moved organisation (${where}): rewrite it in a checkout that holds it (git sparse-checkout add <dir>), or acknowledge the file in ${IGNORE_FILE_NAME}`
      : `a ${kind} text file names the moved organisation (${where}): molectl reads it but never rewrites it (its diff would not apply); edit it by hand, or acknowledge the file in ${IGNORE_FILE_NAME}`;
  return {
    finding: {
      line: first.line,
      rule: 'unread-file',
      text: lineOf(text, first.line),
      match: first.match,
      reason,
      blocking: true,
    },
    acknowledged: result.acknowledged,
  };
}

/** `bytes`: the whole file when it was read (binary); absent: read `path` in chunks (too large). */
export function judgeUnreadFile(
  kind: UnreadKind,
  source: { bytes: Buffer } | { path: string },
  githubOwner: string,
  keep: FileKeep | undefined,
  size: number,
): UnreadFileVerdict {
  const wide = 'path' in source ? wideTextEncodingOf(source.path) : undefined;
  // Its references cannot be found by reading bytes, and it is too large to decode: unseen.
  if (wide) return unseenWideText(wide, size, keep);
  const read: { found?: Found | undefined; mentionsTerm?: boolean } =
    'path' in source
      ? findInFile(source.path, githubOwner)
      : { found: findInText(source.bytes.toString('latin1'), githubOwner, 1) };
  const { found } = read;
  if (!found) return read.mentionsTerm === undefined ? {} : { mentionsTerm: read.mentionsTerm };
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

function unseenWideText(encoding: WideEncoding, size: number, keep: FileKeep | undefined): UnreadFileVerdict {
  return judgeUnseenFile(
    `a ${encoding} text file over --max-size (${formatBytes(size)}) was not looked at: rerun with --max-size ${Math.ceil(size / (1024 * 1024))}MiB, or acknowledge the file in ${IGNORE_FILE_NAME}`,
    keep,
  );
}

/**
 * A file whose content could not be looked at: it fails the gate, whatever it holds, unless the
 * ignore file keeps it whole (then it is listed as acknowledged, with no reference counted).
 */
export function judgeUnseenFile(reason: string, keep: FileKeep | undefined): UnreadFileVerdict {
  if (keep?.whole !== undefined)
    return { acknowledged: { line: 1, text: '', references: 0, by: 'ignore-file', reason: keep.whole } };
  return { finding: { line: 1, rule: 'unread-file', text: '', match: '', reason, blocking: true } };
}

/** What a Git LFS pointer starts with (the second is the spec's early name); a pointer is under 1 KiB. */
const LFS_POINTER_STARTS = [
  'version https://git-lfs.github.com/spec/v1\n',
  'version https://hawser.github.com/spec/v1\n',
];

/**
 * A Git LFS pointer stands in the work tree for content that was not fetched (a checkout without
 * LFS, as CI checkouts are by default): the content itself is not there to be looked at.
 */
export function isLfsPointer(bytes: Buffer): boolean {
  return (
    bytes.length < 1024 &&
    LFS_POINTER_STARTS.some((start) => bytes.toString('latin1', 0, start.length) === start) &&
    bytes.includes('\noid sha256:')
  );
}

export const LFS_POINTER_REASON = `a Git LFS pointer: the file's content is not in the work tree and was not looked at; fetch it (git lfs pull) and run again, or acknowledge the file in ${IGNORE_FILE_NAME}`;

/** The encoding a file's byte-order mark names (wide-text.ts); undefined when it cannot be read. */
function wideTextEncodingOf(path: string): WideEncoding | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const head = Buffer.alloc(4);
    return wideTextEncoding(head.subarray(0, readSync(fd, head, 0, 4, 0)));
  } finally {
    closeSync(fd);
  }
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

/** The first reference in the file, and whether it holds any of the search's terms (until one is found). */
function findInFile(path: string, githubOwner: string): { found?: Found; mentionsTerm: boolean } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    // Gone or unreadable since it was listed: the skip list already says so.
    return { mentionsTerm: true };
  }
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES + OVERLAP_BYTES);
    let carried = 0;
    let line = 1;
    let position = 0;
    let mentionsTerm = false;
    for (;;) {
      const n = readSync(fd, chunk, carried, CHUNK_BYTES, position);
      if (n === 0) return { mentionsTerm };
      position += n;
      const text = chunk.toString('latin1', 0, carried + n);
      const found = findInText(text, githubOwner, line);
      if (found) return { found, mentionsTerm: true };
      mentionsTerm ||= mentionsCandidateTerm(text, githubOwner);
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

/** Line `n` (1-based) of the text, trimmed and capped as findings show lines. */
function lineOf(text: string, n: number): string {
  let start = 0;
  for (let line = 1; line < n && start !== -1; line += 1) start = text.indexOf('\n', start) + 1 || -1;
  if (start === -1) return '';
  const end = text.indexOf('\n', start);
  return clipLine(text.slice(start, end === -1 ? undefined : end).trim());
}

function countNewlines(text: string, end: number): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < end; at = text.indexOf('\n', at + 1)) count += 1;
  return count;
}
