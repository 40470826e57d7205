import { isAscii, isUtf8 } from 'node:buffer';
import { lstatSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, posix, resolve, sep } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { UsageError } from '../errors.js';
import type { Exec } from '../exec.js';
import { formatCount } from '../output/format-count.js';
import { IGNORE_FILE_NAME, IgnoreFiles } from './acknowledgements.js';
import { compilePathFilter } from './compile-glob.js';
import { submodulesUnder } from './list-submodules.js';
import { listTargetFiles, mentionsCandidateTerm } from './list-target-files.js';
import { renderUnifiedDiff } from './render-unified-diff.js';
import { encodeLatin1, readWithoutFollowing } from './read-repo-file.js';
import { replaceFileAtomically } from './replace-file-atomically.js';
import type { RewriteRules } from './rewrite-rules.js';
import { isGoFile, rewriteText } from './rewrite-text.js';
import { openSearchMemory } from './search-memory.js';
import type { AcknowledgedLine, TextChange, TextFinding } from './text-rewrite-result.js';
import { readIndexCopies } from './index-copies.js';
import { decodeWideText, wideTextEncoding } from './wide-text.js';
import {
  isLfsPointer,
  judgeUnreadFile,
  judgeUnseenFile,
  judgeUnwrittenText,
  LFS_POINTER_REASON,
  type UnreadFileVerdict,
  type UnwrittenTextVerdict,
} from './unread-file-references.js';

/**
 * Applies rewriteText to the files under the given paths. Files are handled one at a time with
 * synchronous calls: the candidates are a few hundred small files, where a thread-pool round trip
 * per call costs more than the call, and only results (changes, findings, counts) are kept, so
 * memory stays at one file. Files are decoded as latin1, a byte-for-byte round trip, so whatever
 * the encoding, only bytes inside rewritten URLs change. Repo files are written as they are: not
 * through the redactor, which would corrupt them (the report printed to the terminal is redacted
 * by the output layer).
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
  /** Each changed file, in listing order, with its diff (computed only when wanted). */
  onFileChanged?: (file: ChangedFile) => void | Promise<void>;
  wantDiff?: boolean;
  signal?: AbortSignal;
  /**
   * molectl's cache directory, where what a search of a work tree learnt is kept for the next
   * (search-memory.ts); absent: every file is searched (--no-cache).
   */
  cacheDir?: string | undefined;
  /**
   * Also search for UTF-16/32 text (a byte-order mark; wide-text.ts): the gate does. Off otherwise,
   * as it lists every binary file that holds the mark's bytes, and such text is never rewritten.
   */
  wideText?: boolean;
}

export interface ChangedFile {
  path: string;
  changes: number;
  byRule: Record<string, number>;
  written: boolean;
  diff?: string;
  /** Set when `diff` stands for bytes, one char each (a file that is not UTF-8): print it as those bytes. */
  diffEncoding?: 'latin1';
}

export type SkipReason =
  'binary' | 'too-large' | 'symlink' | 'not-regular' | 'changed-during-rewrite' | 'unwritable' | 'unreadable';

/** Why a file that needed changes was left as it was by --write: the run did not finish its job. */
export const NOT_WRITTEN_REASONS: readonly SkipReason[] = ['changed-during-rewrite', 'unwritable'];

/** Why a path was not read as a file at all. */
const NOT_FILE_REASONS: readonly SkipReason[] = ['symlink', 'not-regular'];

/** What a filesystem refuses a write with; anything else is a molectl bug and stops the run. */
const WRITE_REFUSALS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ETXTBSY', 'EBUSY']);

export interface RewriteReport {
  roots: string[];
  write: boolean;
  filesListed: number;
  /** Files git grep searched: fewer than listed when earlier runs showed the rest hold no reference. */
  filesSearched: number;
  filesRead: number;
  filesChanged: number;
  changeCount: number;
  changesByRule: Record<string, number>;
  files: Array<Omit<ChangedFile, 'diff'>>;
  changes: Array<TextChange & { file: string }>;
  findings: Array<TextFinding & { file: string }>;
  acknowledged: Array<AcknowledgedLine & { file: string }>;
  skipped: Array<{ file: string; reason: SkipReason; bytes?: number }>;
  /** Go sources and module files not looked at (module paths are out of scope unless --include-go). */
  goFilesSkipped: number;
  /** Submodules inside the paths, not descended into: each is its own repository (list-submodules.ts). */
  submodulesSkipped: string[];
  /** Listed files the work tree does not hold (sparse checkout): their copies in the index were searched. */
  filesOnlyInIndex: number;
  /**
   * The paths given (as named) under which no file was listed: an empty directory, one holding only
   * ignored files, filters that match nothing there, a Go file without --include-go. The gate
   * cannot vouch for what it never saw.
   */
  rootsWithNothing: string[];
  /** Git LFS pointers: files whose content was not fetched, so not looked at. */
  lfsPointers: number;
  /** Untracked repositories inside the paths (git grep does not enter them), as shown paths. */
  nestedReposSkipped: string[];
}

export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;
const BINARY_SNIFF_BYTES = 8 * 1024;
/** Files handled between two returns to the event loop, so that Ctrl-C is noticed promptly. */
const FILES_PER_TURN = 32;

/**
 * Every path given, looked up before any file is read or written: a typo in the second path
 * stopped the run with exit 2 ("nothing was changed") after the first one had been rewritten.
 */
export function checkRewritePaths(
  paths: readonly string[],
  cwd: string,
): Array<{ input: string; root: string; info: Stats }> {
  return (paths.length ? paths : ['.']).map((input) => {
    const root = resolve(cwd, input);
    const info = statOptional(root);
    if (!info)
      throw new UsageError(
        `${input}: no such file or directory`,
        'name a directory or file inside the repository to rewrite',
      );
    return { input, root, info };
  });
}

export async function rewriteFiles(paths: readonly string[], options: RewriteFilesOptions): Promise<RewriteReport> {
  const report: RewriteReport = {
    roots: [],
    write: options.write,
    filesListed: 0,
    filesSearched: 0,
    filesRead: 0,
    filesChanged: 0,
    changeCount: 0,
    changesByRule: {},
    files: [],
    changes: [],
    findings: [],
    acknowledged: [],
    skipped: [],
    goFilesSkipped: 0,
    submodulesSkipped: [],
    filesOnlyInIndex: 0,
    rootsWithNothing: [],
    lfsPointers: 0,
    nestedReposSkipped: [],
  };
  const filter = compilePathFilter(options.include, options.exclude);
  const found = checkRewritePaths(paths, options.cwd);
  for (const { input, root, info } of found) {
    report.roots.push(input);
    const dir = info.isDirectory() ? root : dirname(root);
    const ignore = IgnoreFiles.load(dir, options.cwd);
    if (info.isDirectory()) {
      const targets = listTargetFiles(root, {
        exec: options.exec,
        filter,
        rewriteGoFiles: options.rules.rewriteGoFiles,
        githubOwner: options.rules.githubOwner,
        signal: options.signal,
        wideText: options.wideText,
        memory: options.cacheDir
          ? (terms) => openSearchMemory({ cacheDir: options.cacheDir!, workTree: root, terms })
          : undefined,
      });
      await processAll(targets.paths, { root, shownRoot: input, ignore }, options, report);
      const looked = await targets.summary();
      report.filesListed += looked.listed;
      if (looked.listed === 0) report.rootsWithNothing.push(input);
      report.filesSearched += looked.searched ?? looked.listed;
      report.goFilesSkipped += looked.goFiles;
      report.submodulesSkipped.push(...submodulesUnder(root, input));
      report.nestedReposSkipped.push(...looked.nestedRepos.map((path) => shownPath(input, path)));
      for (const { path, why } of looked.unsearched)
        noteUnsearched(path, why, { root, shownRoot: input, ignore }, report);
      if (looked.notInWorkTree.length && !options.signal?.aborted)
        await judgeIndexCopies(looked.notInWorkTree, { root, shownRoot: input, ignore }, options, report);
    } else {
      report.filesListed += 1;
      report.filesSearched += 1;
      const name = basename(root);
      if (!options.rules.rewriteGoFiles && isGoFile(name)) {
        report.goFilesSkipped += 1;
        report.rootsWithNothing.push(input);
      } else {
        const skippedBefore = report.skipped.length;
        await processAll([name], { root: dir, shownRoot: toPosix(dirname(input)), ignore }, options, report);
        // A symlink (never followed) or a device named as the path: nothing was looked at.
        const notFile = report.skipped.slice(skippedBefore).some((s) => NOT_FILE_REASONS.includes(s.reason));
        if (notFile) report.rootsWithNothing.push(input);
      }
    }
  }
  const byPath = (a: { file: string; line: number }, b: { file: string; line: number }): number =>
    a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1;
  report.changes.sort(byPath);
  report.findings.sort(byPath);
  report.acknowledged.sort(byPath);
  report.files.sort((a, b) => (a.path < b.path ? -1 : 1));
  report.skipped.sort((a, b) => (a.file < b.file ? -1 : 1));
  return report;
}

interface RootInfo {
  root: string;
  /** The root as the user named it: report paths start with it. */
  shownRoot: string;
  ignore: IgnoreFiles;
}

async function processAll(
  paths: AsyncIterable<string> | Iterable<string>,
  where: RootInfo,
  options: RewriteFilesOptions,
  report: RewriteReport,
): Promise<void> {
  let sinceYield = 0;
  for await (const relativePath of paths) {
    if (options.signal?.aborted) return;
    const file = processFile(relativePath, where, options, report);
    if (file && options.onFileChanged) await options.onFileChanged(file);
    sinceYield += 1;
    if (sinceYield >= FILES_PER_TURN) {
      sinceYield = 0;
      await yieldToEventLoop();
    }
  }
}

function processFile(
  relativePath: string,
  where: RootInfo,
  options: RewriteFilesOptions,
  report: RewriteReport,
): ChangedFile | null {
  const absolute = resolve(where.root, relativePath);
  const file = shownPath(where.shownRoot, relativePath);
  const skip = (reason: SkipReason, bytes?: number): null => {
    report.skipped.push(bytes === undefined ? { file, reason } : { file, reason, bytes });
    return null;
  };
  // The ignore file names the references it keeps, so it mentions them itself.
  if (basename(relativePath) === IGNORE_FILE_NAME) return null;
  const read = readWithoutFollowing(absolute, options.maxFileBytes);
  if (read.kind === 'gone') return null; // deleted since listing (a tracked file missing from the work tree)
  if (read.kind === 'too-large') {
    const verdict = judgeUnreadFile(
      'too-large',
      { path: absolute },
      options.rules.githubOwner,
      where.ignore.match(absolute),
      read.bytes,
    );
    // Listed for a byte-order mark's bytes alone (the gate searches for them): nothing to report.
    if (options.wideText && verdict.mentionsTerm === false) return null;
    noteUnreadFile(file, verdict, report);
    return skip(read.kind, read.bytes);
  }
  if (read.kind === 'unreadable') noteUnsearched(relativePath, 'could not be read', where, report);
  if (read.kind !== 'read') return skip(read.kind);
  const { buffer, info } = read;
  if (isLfsPointer(buffer)) {
    report.lfsPointers += 1;
    noteUnreadFile(file, judgeUnseenFile(LFS_POINTER_REASON, where.ignore.match(absolute)), report);
    return null;
  }
  const wide = wideTextEncoding(buffer);
  if (wide) {
    report.filesRead += 1;
    const text = decodeWideText(buffer, wide);
    const verdict = judgeUnwrittenText(wide, text, options.rules, toPosix(relativePath), where.ignore.match(absolute));
    noteUnreadFile(file, verdict, report, (decoded) => decoded);
    return null;
  }
  if (buffer.subarray(0, BINARY_SNIFF_BYTES).includes(0)) {
    // Listed for a byte-order mark's bytes alone (the gate searches for them): nothing to report.
    if (options.wideText && !mentionsCandidateTerm(buffer.toString('latin1'), options.rules.githubOwner)) return null;
    noteUnreadFile(
      file,
      judgeUnreadFile(
        'binary',
        { bytes: buffer },
        options.rules.githubOwner,
        where.ignore.match(absolute),
        buffer.length,
      ),
      report,
    );
    return skip('binary');
  }
  report.filesRead += 1;

  const before = buffer.toString('latin1');
  const result = rewriteText(before, options.rules, toPosix(relativePath), { keep: where.ignore.match(absolute) });
  // Most files are ASCII: then the latin1 text is already what a terminal should show.
  const ascii = isAscii(buffer);
  // Asked before a write reuses the scratch buffer that holds the file's bytes.
  const utf8 = ascii || isUtf8(buffer);
  const shown = ascii ? (text: string): string => text : fromLatin1;
  for (const finding of result.findings)
    report.findings.push({ file, ...finding, text: shown(finding.text), match: shown(finding.match) });
  for (const entry of result.acknowledged) report.acknowledged.push({ file, ...entry, text: shown(entry.text) });
  if (result.changes.length === 0) return null;

  /** Its references stay: they need a person, and the gate must not call the file done. */
  const notWritten = (reason: SkipReason, why: string): null => {
    const first = result.changes[0]!;
    report.findings.push({
      file,
      line: first.line,
      rule: 'not-written',
      text: `${formatCount(result.changes.length, 'change')} not written`,
      match: shown(first.before),
      reason: why,
      blocking: true,
    });
    return skip(reason);
  };
  let written = false;
  if (options.write) {
    const now = lstatOptional(absolute);
    // Someone (an editor, another tool) changed the file while we worked: do not overwrite it.
    if (!now || now.mtimeMs !== info.mtimeMs || now.size !== info.size || now.ino !== info.ino)
      return notWritten(
        'changed-during-rewrite',
        'the file changed while molectl worked on it: run again to rewrite it',
      );
    try {
      replaceFileAtomically(absolute, encodeLatin1(result.text), info);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (!WRITE_REFUSALS.has(code)) throw error;
      // One file the filesystem refuses (a root-owned directory in the tree) must not stop the
      // run half-way with the files before it written and those after it not.
      return notWritten('unwritable', `could not write it (${code}): fix its permissions and run again`);
    }
    written = true;
  }

  const byRule: Record<string, number> = {};
  for (const change of result.changes) {
    byRule[change.rule] = (byRule[change.rule] ?? 0) + 1;
    report.changesByRule[change.rule] = (report.changesByRule[change.rule] ?? 0) + 1;
    report.changes.push({ file, ...change, before: shown(change.before), after: shown(change.after) });
  }
  report.filesChanged += 1;
  report.changeCount += result.changes.length;
  const summary = { path: file, changes: result.changes.length, byRule, written };
  report.files.push(summary);
  const changed: ChangedFile = { ...summary };
  if (options.wantDiff) {
    // A file that is not UTF-8 (Latin-1, broken bytes) is diffed as its bytes, one char each:
    // decoded for a terminal, its lines would no longer match the file for `git apply`.
    const bytes = !utf8;
    changed.diff = bytes
      ? renderUnifiedDiff(encodeLatin1Path(file), before, result.text)
      : renderUnifiedDiff(file, shown(before), shown(result.text));
    if (bytes) changed.diffEncoding = 'latin1';
  }
  return changed;
}

/**
 * Listed files the work tree does not hold (skip-worktree entries): never written, but the gate
 * vouches for them, so their copies in the index are judged as the work tree's files are, and one
 * git cannot give is a finding.
 */
async function judgeIndexCopies(
  paths: readonly string[],
  where: RootInfo,
  options: RewriteFilesOptions,
  report: RewriteReport,
): Promise<void> {
  report.filesOnlyInIndex += paths.length;
  const copies = await readIndexCopies(where.root, paths, {
    githubOwner: options.rules.githubOwner,
    rewriteGoFiles: options.rules.rewriteGoFiles,
    signal: options.signal,
    wideText: options.wideText,
  });
  for (const { path, bytes } of copies) {
    const file = shownPath(where.shownRoot, path);
    const keep = where.ignore.match(resolve(where.root, path));
    if (bytes === undefined) {
      if (!keep?.whole)
        report.findings.push({
          file,
          line: 1,
          rule: 'unread-file',
          text: '',
          match: '',
          reason: `not in the work tree (skip-worktree: a sparse checkout), and git could not give its copy in the index: check it in a checkout that holds it, or acknowledge the file in ${IGNORE_FILE_NAME}`,
          blocking: true,
        });
      continue;
    }
    const wide = wideTextEncoding(bytes);
    const binary = !wide && bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
    if (isLfsPointer(bytes)) {
      report.lfsPointers += 1;
      noteUnreadFile(file, judgeUnseenFile(LFS_POINTER_REASON, keep), report);
    } else if (wide)
      noteUnreadFile(
        file,
        judgeUnwrittenText('not-in-work-tree', decodeWideText(bytes, wide), options.rules, toPosix(path), keep),
        report,
        (decoded) => decoded,
      );
    else if (binary || bytes.length > options.maxFileBytes)
      noteUnreadFile(
        file,
        judgeUnreadFile(binary ? 'binary' : 'too-large', { bytes }, options.rules.githubOwner, keep, bytes.length),
        report,
      );
    else
      noteUnreadFile(
        file,
        judgeUnwrittenText('not-in-work-tree', bytes.toString('latin1'), options.rules, toPosix(path), keep),
        report,
      );
  }
}

/**
 * What could not be read at all (a file or directory molectl or git may not open): the gate cannot
 * vouch for it, unless the ignore file keeps it whole.
 */
function noteUnsearched(path: string | undefined, why: string, where: RootInfo, report: RewriteReport): void {
  if (path !== undefined && where.ignore.match(resolve(where.root, path))?.whole !== undefined) return;
  report.findings.push({
    file: path === undefined ? where.shownRoot : shownPath(where.shownRoot, path),
    line: 1,
    rule: 'unread-file',
    text: '',
    match: '',
    reason: `not looked at: ${why}; fix its permissions and run again, or acknowledge it in ${IGNORE_FILE_NAME}`,
    blocking: true,
  });
}

/** A file not read as text that names the organisation: a finding for the gate, or acknowledged. */
function noteUnreadFile(
  file: string,
  verdict: UnreadFileVerdict | UnwrittenTextVerdict,
  report: RewriteReport,
  /** The judged text as a terminal should show it: decoded already, or bytes as latin1. */
  shown: (text: string) => string = fromLatin1,
): void {
  if (verdict.finding)
    report.findings.push({
      file,
      ...verdict.finding,
      text: shown(verdict.finding.text),
      match: shown(verdict.finding.match),
    });
  const acknowledged = Array.isArray(verdict.acknowledged)
    ? verdict.acknowledged
    : verdict.acknowledged
      ? [verdict.acknowledged]
      : [];
  for (const entry of acknowledged) report.acknowledged.push({ file, ...entry, text: shown(entry.text) });
}

function statOptional(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function lstatOptional(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** A path (a JS string) as the chars of its UTF-8 bytes, to stand in a diff printed as bytes. */
function encodeLatin1Path(path: string): string {
  return Buffer.from(path, 'utf8').toString('latin1');
}

/** Text decoded as latin1 back to what a UTF-8 terminal should show. */
function fromLatin1(text: string): string {
  return /[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'latin1').toString('utf8') : text;
}

/** `docs` + `a/b.md` → `docs/a/b.md`; `.` + `a.md` → `a.md`: paths as the user named them. */
function shownPath(shownRoot: string, relativePath: string): string {
  const rel = toPosix(relativePath);
  const root = toPosix(shownRoot).replace(/\/+$/, '');
  return root === '' || root === '.' ? rel : posix.join(root, rel);
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}
