import { constants, type Stats } from 'node:fs';
import { chown, lstat, open, stat } from 'node:fs/promises';
import { basename, dirname, posix, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';
import type { Exec } from '../exec.js';
import { ByteBudget } from './byte-budget.js';
import { compilePathFilter } from './compile-glob.js';
import { listTargetFiles } from './list-target-files.js';
import { renderUnifiedDiff } from './render-unified-diff.js';
import { replaceFileAtomically } from './replace-file-atomically.js';
import type { RewriteRules } from './rewrite-rules.js';
import { isGoFile, rewriteText } from './rewrite-text.js';
import type { TextChange, TextFinding } from './text-rewrite-result.js';

/**
 * Applies rewriteText to the files under the given paths. Memory stays bounded: files are read
 * one at a time per worker (a few workers), and only results (changes, findings, counts) are kept.
 * Files are decoded as latin1, a byte-for-byte round trip, so whatever the encoding, only bytes
 * inside rewritten URLs change. Repo files are written as they are: not through the redactor,
 * which would corrupt them (the report printed to the terminal is redacted by the output layer).
 */

export interface RewriteFilesOptions {
  rules: RewriteRules;
  write: boolean;
  include: readonly string[];
  exclude: readonly string[];
  maxFileBytes: number;
  exec: Exec;
  /** Relative paths are resolved from here. Report paths are the given path joined with the file's. */
  cwd: string;
  concurrency?: number;
  /** Each changed file, in listing order, with its diff (computed only when wanted). */
  onFileChanged?: (file: ChangedFile) => void | Promise<void>;
  wantDiff?: boolean;
  signal?: AbortSignal;
}

export interface ChangedFile {
  path: string;
  changes: number;
  byRule: Record<string, number>;
  written: boolean;
  diff?: string;
}

export type SkipReason = 'binary' | 'too-large' | 'symlink' | 'not-regular' | 'excluded' | 'changed-during-rewrite' | 'unreadable';

export interface RewriteReport {
  roots: string[];
  write: boolean;
  filesListed: number;
  filesRead: number;
  filesChanged: number;
  changeCount: number;
  changesByRule: Record<string, number>;
  files: Array<Omit<ChangedFile, 'diff'>>;
  changes: Array<TextChange & { file: string }>;
  findings: Array<TextFinding & { file: string }>;
  skipped: Array<{ file: string; reason: SkipReason; bytes?: number }>;
}

export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;
/** File bytes in flight at once; with the copies each file needs, this keeps the heap well under 200 MB. */
const IN_FLIGHT_BYTES = 12 * 1024 * 1024;
const BINARY_SNIFF_BYTES = 8 * 1024;

export async function rewriteFiles(paths: readonly string[], options: RewriteFilesOptions): Promise<RewriteReport> {
  const report: RewriteReport = {
    roots: [],
    write: options.write,
    filesListed: 0,
    filesRead: 0,
    filesChanged: 0,
    changeCount: 0,
    changesByRule: {},
    files: [],
    changes: [],
    findings: [],
    skipped: [],
  };
  const filter = compilePathFilter(options.include, options.exclude);
  for (const input of paths.length ? paths : ['.']) {
    const root = resolve(options.cwd, input);
    const info = await stat(root).catch(() => undefined);
    if (!info) throw new UsageError(`${input}: no such file or directory`, 'name a directory or file inside the repository to rewrite');
    report.roots.push(input);
    if (info.isDirectory()) {
      const targets = await listTargetFiles(root, { exec: options.exec, filter, rewriteGoFiles: options.rules.rewriteGoFiles, githubOwner: options.rules.githubOwner });
      await processAll(targets.paths, root, input, options, report);
      report.filesListed += targets.listed;
    } else {
      report.filesListed += 1;
      const name = basename(root);
      if (!options.rules.rewriteGoFiles && isGoFile(name)) report.skipped.push({ file: toPosix(input), reason: 'excluded' });
      else await processAll([name], dirname(root), toPosix(dirname(input)), options, report);
    }
  }
  const byPath = (a: { file: string; line: number }, b: { file: string; line: number }): number => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1);
  report.changes.sort(byPath);
  report.findings.sort(byPath);
  report.files.sort((a, b) => (a.path < b.path ? -1 : 1));
  report.skipped.sort((a, b) => (a.file < b.file ? -1 : 1));
  return report;
}

/** Bounded-concurrency workers; changed files are handed on in listing order through a small reorder buffer. */
async function processAll(paths: AsyncIterable<string> | Iterable<string>, root: string, shownRoot: string, options: RewriteFilesOptions, report: RewriteReport): Promise<void> {
  const iterator = (Symbol.asyncIterator in paths ? paths[Symbol.asyncIterator]() : toAsyncIterator(paths as Iterable<string>)) as AsyncIterator<string>;
  const ready = new Map<number, ChangedFile | null>();
  const budget = new ByteBudget(IN_FLIGHT_BYTES);
  let nextIndex = 0;
  let nextToEmit = 0;
  let emitting = Promise.resolve();

  const emitReady = async (): Promise<void> => {
    while (ready.has(nextToEmit)) {
      const file = ready.get(nextToEmit) ?? null;
      ready.delete(nextToEmit);
      nextToEmit += 1;
      if (file && options.onFileChanged) await options.onFileChanged(file);
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      if (options.signal?.aborted) return;
      const next = await iterator.next();
      if (next.done) return;
      const index = nextIndex;
      nextIndex += 1;
      const file = await processFile(root, shownRoot, next.value, options, report, budget);
      ready.set(index, file);
      emitting = emitting.then(emitReady);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
  await emitting;
}

async function processFile(root: string, shownRoot: string, relativePath: string, options: RewriteFilesOptions, report: RewriteReport, budget: ByteBudget): Promise<ChangedFile | null> {
  const absolute = resolve(root, relativePath);
  const file = shownPath(shownRoot, relativePath);
  const skip = (reason: SkipReason, bytes?: number): null => {
    report.skipped.push(bytes === undefined ? { file, reason } : { file, reason, bytes });
    return null;
  };
  const info = await lstat(absolute).catch(() => undefined);
  if (!info) return null; // deleted since listing (a tracked file missing from the work tree)
  if (info.isSymbolicLink()) return skip('symlink');
  if (!info.isFile()) return skip('not-regular');
  if (info.size > options.maxFileBytes) return skip('too-large', info.size);
  await budget.acquire(info.size);
  try {
    return await rewriteOneFile(absolute, file, relativePath, info, options, report, skip);
  } finally {
    budget.release(info.size);
  }
}

async function rewriteOneFile(
  absolute: string,
  file: string,
  relativePath: string,
  info: Stats,
  options: RewriteFilesOptions,
  report: RewriteReport,
  skip: (reason: SkipReason) => null,
): Promise<ChangedFile | null> {
  let buffer: Buffer;
  try {
    buffer = await readWithoutFollowing(absolute);
  } catch (error) {
    // The path became a symlink after lstat: O_NOFOLLOW refused it.
    return skip((error as NodeJS.ErrnoException).code === 'ELOOP' ? 'symlink' : 'unreadable');
  }
  if (buffer.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return skip('binary');
  report.filesRead += 1;

  const before = buffer.toString('latin1');
  const result = rewriteText(before, options.rules, relativePath.split(sep).join('/'));
  for (const finding of result.findings) {
    report.findings.push({ file, ...finding, text: fromLatin1(finding.text), match: fromLatin1(finding.match) });
  }
  if (result.changes.length === 0) return null;

  let written = false;
  if (options.write) {
    const now = await lstat(absolute).catch(() => undefined);
    // Someone (an editor, another tool) changed the file while we worked: do not overwrite it.
    if (!now || now.mtimeMs !== info.mtimeMs || now.size !== info.size || now.ino !== info.ino) return skip('changed-during-rewrite');
    await replaceFileAtomically(absolute, Buffer.from(result.text, 'latin1'), info.mode & 0o7777);
    if (process.getuid?.() === 0 && (info.uid !== 0 || info.gid !== 0)) await chown(absolute, info.uid, info.gid).catch(() => undefined);
    written = true;
  }

  const byRule: Record<string, number> = {};
  for (const change of result.changes) {
    byRule[change.rule] = (byRule[change.rule] ?? 0) + 1;
    report.changesByRule[change.rule] = (report.changesByRule[change.rule] ?? 0) + 1;
    report.changes.push({ file, ...change, before: fromLatin1(change.before), after: fromLatin1(change.after) });
  }
  report.filesChanged += 1;
  report.changeCount += result.changes.length;
  const summary = { path: file, changes: result.changes.length, byRule, written };
  report.files.push(summary);
  const changed: ChangedFile = { ...summary };
  if (options.wantDiff) changed.diff = renderUnifiedDiff(file, fromLatin1(before), fromLatin1(result.text));
  return changed;
}

/** O_NOFOLLOW closes the gap between lstat and read; O_NONBLOCK keeps a FIFO from hanging the run. */
async function readWithoutFollowing(path: string): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Text decoded as latin1 back to what a UTF-8 terminal should show. */
function fromLatin1(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'latin1').toString('utf8') : text;
}

/** `docs` + `a/b.md` → `docs/a/b.md`; `.` + `a.md` → `a.md`: paths as the user named them. */
function shownPath(shownRoot: string, relativePath: string): string {
  const rel = toPosix(relativePath);
  const root = toPosix(shownRoot).replace(/\/+$/, '');
  return root === '' || root === '.' ? rel : posix.join(root, rel);
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

async function* toAsyncIterator(items: Iterable<string>): AsyncGenerator<string> {
  yield* items;
}
