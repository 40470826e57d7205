import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { MolectlError } from '../errors.js';
import type { Exec } from '../exec.js';
import { EVERY_PATH, type PathMatcher } from './compile-glob.js';
import { streamNulSeparated, type NulStream } from './light-exec.js';
import { isOwnTempFile } from './replace-file-atomically.js';
import { GO_MODULE_FILE_NAMES, isGoFile } from './rewrite-text.js';
import type { SearchMemory } from './search-memory.js';
import { walkFiles } from './walk-files.js';

/**
 * Which files of a directory a rewrite looks at. Inside a git work tree: `git grep --untracked`
 * (tracked files plus untracked ones that are not ignored) names the files that mention anything
 * the rules react to, so files that cannot change are never opened. Its output is handed on as it
 * comes, so the rewrite of the first files overlaps with git searching the rest.
 *
 * With a memory of contents found free of the terms (search-memory.ts), git grep is given
 * only the files that may have changed since: untracked ones, ones git reports modified, and
 * tracked ones whose blob is not remembered. The files it lists are the same as a search of
 * everything would list, because a remembered blob held none of the terms and an unmodified
 * tracked file holds its blob. The files the last search listed are searched first, while git
 * answers what changed. Elsewhere (not a work tree): a walk honouring .gitignore, and every listed
 * file is read.
 */

export interface TargetFiles {
  /** Paths (relative to the directory, POSIX) worth reading: a subset of the listed ones. */
  paths: AsyncIterable<string>;
  /** What was looked at; known once `paths` has been consumed (or abandoned). */
  summary(): Promise<TargetSummary>;
}

export interface TargetSummary {
  inGitRepo: boolean;
  /** Files that passed the filters. */
  listed: number;
  /** Go sources and module files left out (they are out of scope unless rewriteGoFiles). */
  goFiles: number;
  /** Files git grep searched (every listed one, or fewer with a memory). */
  searched: number | undefined;
  /**
   * Listed files the work tree does not hold: skip-worktree entries (a sparse checkout), which git
   * grep never searches. Only their copies in the index can be looked at (index-copies.ts).
   */
  notInWorkTree: string[];
  /** What the search could not read (a file or directory it may not open): never vouched for. */
  unsearched: Unsearched[];
  /** Untracked repositories inside the directory (no trailing slash): git grep does not enter them. */
  nestedRepos: string[];
}

export interface Unsearched {
  /** Relative to the directory, as the search named it; undefined when it named none. */
  path: string | undefined;
  /** What the search said, or why the walk could not go on. */
  why: string;
}

export interface ListOptions {
  exec: Exec;
  /** --include/--exclude. */
  filter: PathMatcher;
  /** Rewrite Go sources and module files too (off by default: module paths are out of scope). */
  rewriteGoFiles: boolean;
  /** The GitHub owner, so that `uses: <owner>/...` lines are candidates too. */
  githubOwner: string;
  /** What earlier runs learnt; absent with --no-cache. */
  memory?: ((terms: readonly string[]) => SearchMemory) | undefined;
  /** Also list files with a UTF-16 or UTF-32 byte-order mark (BYTE_ORDER_MARKS): the gate does. */
  wideText?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

/** Above this many files to search, one search of everything beats naming each on git's command line. */
export const MAX_NAMED_CANDIDATES = 2_000;

export function listTargetFiles(dir: string, options: ListOptions): TargetFiles {
  // Go sources and module files are out of scope unless asked for: git grep never searches them.
  const inScope = (path: string): boolean => options.rewriteGoFiles || !isGoFile(path);
  const selected = (path: string): boolean => isSelected(path, options.filter);
  const passes = (path: string): boolean => selected(path) && inScope(path);
  const entryInScope = (entry: IndexEntry): boolean => options.rewriteGoFiles || !entry.goFile;
  const terms = candidateTerms(options.githubOwner);
  // What a search without the marks found clean may hold one: another set of terms, another memory.
  const memory = options.memory?.(options.wideText ? [...terms, WIDE_TEXT_TERM] : terms);
  const recalled = memory?.recall();
  const remembered = recalled?.triggerFree ?? new Set<string>();
  const listedBefore = recalled?.listed ?? [];
  const git = (args: string[]): Promise<string | undefined> =>
    options
      .exec('git', args, { cwd: dir, allowFailure: true, timeoutMs: 120_000 })
      .then((r) => (r.exitCode === 0 ? r.stdout : undefined))
      .catch(() => undefined);
  const warm = remembered.size > 0;
  // `ls-files -m` compares each file's stat data with the index and, for an entry written within
  // the index's own timestamp, its content (git's racy-clean rule): a tracked file it does not
  // list (with -d: nor as deleted) holds its blob.
  const askModified = (): Promise<Set<string> | undefined> =>
    git(['ls-files', '-m', '-d', '-z', '--', '.']).then((out) =>
      out === undefined ? undefined : new Set(splitNul(out)),
    );
  // What the last search listed is searched first, while git says what changed: those files
  // mention GitHub (their blobs are never remembered), so they would be searched anyway.
  const hint = warm ? listedBefore.filter(inScope).slice(0, MAX_NAMED_CANDIDATES) : [];
  const first = warm
    ? hint.length
      ? grepCandidates(dir, options, terms, hint.map(literal))
      : undefined
    : grepCandidates(dir, options, terms, ['.']);
  // The search is the long pole: it starts first, and the listing of the tree runs beside it.
  // Where a memory uses blob ids (a later run picks what to search by them, the second run learns
  // them), one listing: the index with blob ids, the untracked files and, with a memory, what was
  // modified (needed before the search, to know what to search). Without a memory what was
  // modified is asked only after the search, to learn from it: a file changed during the search
  // must not be remembered by a blob the search never read. Any other run (the first in a
  // directory, --no-cache) needs only the counts: a listing of paths, a quarter the size, counted
  // without an object per path (on the 20,000-file bench, CPU this thread would otherwise spend
  // while git searches on the other core; bench/gitea-rewrite.mjs).
  const learns = memory !== undefined && recalled?.found === true;
  const tree = learns
    ? git(treeArgs(warm)).then((out) => (out === undefined ? undefined : parseTree(out)))
    : Promise.resolve(undefined);
  const pathList = learns ? undefined : git(['ls-files', '-v', '-c', '-o', '--exclude-standard', '-z', '--', '.']);
  const index = tree.then((t) => t?.entries);
  const untracked = tree.then((t) => t?.untracked.filter((path) => !isOwnTempFile(path)));
  let modified = warm ? tree.then((t) => t?.modified) : undefined;
  /** Whether git listed the tree at all (false: not a work tree, or no git). */
  const treeListed = pathList ? pathList.then((out) => out !== undefined) : tree.then((t) => t !== undefined);
  // Counted as soon as the listing arrives, while git is still searching: not once the search is
  // over, on the run's critical path.
  const counted = (pathList ?? Promise.resolve(undefined)).then(async (paths) => {
    if (paths !== undefined) return countPathListing(paths, options);
    const tally = new ListingTally(options.filter);
    const [listing, others] = await Promise.all([tree, untracked]);
    for (const entry of listing?.entries ?? []) tally.add(entry.path, entryInScope(entry));
    for (const path of others ?? []) tally.add(path, inScope(path));
    const skipWorktree = (listing?.skipWorktree ?? []).filter(passes);
    return { listed: tally.listed, goFiles: tally.goFiles, skipWorktree, nestedRepos: tally.nestedRepos };
  });
  let walked: { listed: number; goFiles: number } | undefined;
  const unsearched: Unsearched[] = [];
  let searched: number | undefined;

  async function* paths(): AsyncGenerator<string> {
    const listed = new Set<string>();
    async function* take(search: NulStream): AsyncGenerator<string, { exitCode: number; stderr: string }> {
      for await (const path of search.items) {
        if (listed.has(path)) continue;
        listed.add(path);
        if (passes(path)) yield path;
      }
      const exit = await search.exit.catch((error: unknown) => ({ exitCode: -1, stderr: String(error) }));
      // A search that ended as usual (0: matches, 1: none) may still have skipped what it could
      // not read: git says so on stderr only.
      if (exit.exitCode === 0 || exit.exitCode === 1) unsearched.push(...searchProblems(exit.stderr));
      return exit;
    }
    let ended = first ? yield* take(first) : { exitCode: 1, stderr: '' };
    let everything = !warm;
    if (warm && (ended.exitCode === 0 || ended.exitCode === 1) && !options.signal?.aborted) {
      const [entries, changed, others] = await Promise.all([index, modified, untracked]);
      const named =
        entries && changed && others
          ? filesToSearch(entries, changed, others, remembered, entryInScope, inScope)
          : undefined;
      const hinted = new Set(hint);
      const rest = named?.filter((path) => !hinted.has(path));
      if (named && rest && rest.length <= MAX_NAMED_CANDIDATES) {
        searched = named.length;
        // No pathspec would mean everything: with nothing to search, there is no search.
        if (rest.length) ended = yield* take(grepCandidates(dir, options, terms, rest.map(literal)));
      } else {
        // Too much to name: search everything (what was listed already is not handed on twice),
        // and learn from it with what changed asked afterwards.
        everything = true;
        modified = undefined;
        ended = yield* take(grepCandidates(dir, options, terms, ['.']));
      }
    }
    const { exitCode, stderr } = ended;
    // After Ctrl-C the caller reports the interruption; nothing is learnt from a cut-short search.
    if (options.signal?.aborted) return;
    const [entries, inWorkTree] = await Promise.all([index, treeListed]);
    // 0: matches, 1: none.
    if (exitCode === 0 || exitCode === 1) {
      // Blobs are learnt only from a search of everything: a file the search read must still hold
      // its blob afterwards, so what changed is asked once it is over. A search of named files
      // learns only what it listed (it would need the same question again); once more than
      // MAX_NAMED_CANDIDATES files need a search, the next run searches everything.
      // The first search of a directory only notes that it was searched: clean blobs are learnt
      // from the second on, so a directory searched once (a CI runner) never pays for the
      // question of what changed.
      // A file the search could not read is no clean blob: nothing is learnt from such a search.
      if (memory && inWorkTree && unsearched.length === 0) {
        if (everything && !recalled?.found) memory.remember({ triggerFree: new Set(), listed: [...listed] });
        else if (everything) {
          modified ??= askModified();
          const after = await modified;
          if (after && entries)
            memory.remember({ triggerFree: triggerFree(entries, after, listed, entryInScope), listed: [...listed] });
        } else memory.remember({ triggerFree: remembered, listed: [...listed] });
      }
      return;
    }
    if (listed.size === 0 && !inWorkTree) {
      // Not a work tree, or no git at all: walk the directory and read everything.
      walked = { listed: 0, goFiles: 0 };
      for await (const entry of walkFiles(dir)) {
        if (entry.kind === 'unreadable') {
          unsearched.push({ path: entry.path || '.', why: 'could not open the directory' });
          continue;
        }
        if (!selected(entry.path)) continue;
        if (!inScope(entry.path)) {
          walked.goFiles += 1;
          continue;
        }
        walked.listed += 1;
        yield entry.path;
      }
      return;
    }
    const detail = stderr.split('\n').find((l) => l.trim()) ?? `exit ${exitCode}`;
    throw new MolectlError(`git grep could not search the work tree: ${detail.trim()}`, {
      hint: 'run `git status` there to see what git objects to',
    });
  }

  return {
    paths: paths(),
    async summary() {
      if (walked)
        return { inGitRepo: false, ...walked, searched: undefined, notInWorkTree: [], unsearched, nestedRepos: [] };
      const { listed, goFiles, skipWorktree, nestedRepos } = await counted;
      const notInWorkTree = skipWorktree.filter((path) => !inWorkTree(dir, path));
      return { inGitRepo: true, listed, goFiles, searched, notInWorkTree, unsearched, nestedRepos };
    },
  };
}

/**
 * The terms git grep looks for: a superset of the lines rewriteText looks at (its trigger). Fixed
 * strings on purpose: git's case-insensitive ERE engine is more than ten times slower than its
 * fixed-string search on a large tree (measured: 5.3 s against 0.3 s on 200 MB). `github` covers
 * github.com, raw URLs, api.github.com, .github/workflows and GITHUB_TOKEN; the owner covers
 * ghcr.io/<owner> and `uses: <owner>/...`; `gh ` covers gh commands (and words like "high ",
 * which only costs a read).
 */
export function candidateTerms(githubOwner: string): string[] {
  return ['github', githubOwner, 'gh '];
}

/**
 * Whether bytes (as latin1) hold one of the terms, as git grep -i -F would find it: a file the
 * search listed for a byte-order mark alone (a binary file holding those bytes) holds none.
 */
export function mentionsCandidateTerm(text: string, githubOwner: string): boolean {
  let pattern = termPatterns.get(githubOwner);
  if (!pattern) {
    const escaped = candidateTerms(githubOwner).map((term) => term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    pattern = new RegExp(escaped.join('|'), 'i');
    termPatterns.set(githubOwner, pattern);
  }
  return pattern.test(text);
}

const termPatterns = new Map<string, RegExp>();

/**
 * No -I: binary files that mention GitHub are listed so that the report can say they were skipped.
 * `index`: search the index's copies instead of the work tree (for the files it does not hold).
 */
export function grepCandidates(
  dir: string,
  options: Pick<ListOptions, 'rewriteGoFiles' | 'signal' | 'wideText'>,
  terms: readonly string[],
  pathspecs: string[],
  where: 'work-tree' | 'index' = 'work-tree',
): NulStream {
  return streamNulSeparated(
    'git',
    [
      '-c',
      'grep.fallbackToNoIndex=false',
      'grep',
      where === 'index' ? '--cached' : '--untracked',
      '-l',
      '-z',
      '-i',
      '-F',
      '--no-color',
      ...terms.flatMap((term) => ['-e', term]),
      ...(options.wideText ? ['-f', '-'] : []),
      '--',
      ...pathspecs,
      ...(options.rewriteGoFiles ? [] : GO_PATHSPEC_EXCLUDES),
    ],
    {
      cwd: dir,
      timeoutMs: 600_000,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.wideText ? { input: BYTE_ORDER_MARKS, env: { LC_ALL: 'C' } } : {}),
    },
  );
}

/**
 * The byte pairs that start UTF-16 and UTF-32 text (FF FE, FE FF; UTF-32's marks hold them), as
 * git grep's pattern file, one a line. Such text spells `github` with NULs between its letters,
 * which no pattern can hold, so files with a mark are listed and decoded (wide-text.ts). Valid
 * UTF-8 never holds these bytes: text costs nothing, and a binary file holding either pair is
 * listed and read. Given on stdin, as argv cannot carry bytes that are not UTF-8, and searched in
 * the C locale, where git takes them as bytes instead of refusing them as broken UTF-8.
 */
const BYTE_ORDER_MARKS = Buffer.from([0xff, 0xfe, 0x0a, 0xfe, 0xff, 0x0a]);

/** Names the marks among the terms a search memory is kept for. */
const WIDE_TEXT_TERM = 'byte-order marks FF FE, FE FF';

/** Go files are never candidates unless asked for: git grep need not read them at all. */
const GO_PATHSPEC_EXCLUDES = ['*.go', ...GO_MODULE_FILE_NAMES].map((name) => `:(exclude,glob)**/${name}`);

interface IndexEntry {
  path: string;
  blob: string;
  /** A regular file git tracks normally (not assume-unchanged, skip-worktree or in a merge). */
  plain: boolean;
  /** isGoFile(path), asked once per entry: a later run consults it for every entry twice. */
  goFile: boolean;
}

/**
 * `ls-files -c -o` (and with `modified`, `-m -d`), tagged (-v) with blob ids (-s): one git
 * process for what the run needs to know of the tree.
 */
function treeArgs(modified: boolean): string[] {
  return ['ls-files', '-s', '-v', '-c', '-o', ...(modified ? ['-m', '-d'] : []), '--exclude-standard', '-z', '--', '.'];
}

interface TreeListing {
  entries: IndexEntry[];
  untracked: string[];
  /** Entries tagged skip-worktree (S, s when also assume-unchanged). */
  skipWorktree: string[];
  /** Tracked paths modified or deleted in the work tree (asked for with `-m -d` only). */
  modified: Set<string>;
}

/**
 * Records "T 100644 <blob> 0\tpath": a tag (H tracked, h assume-unchanged, S skip-worktree, M
 * unmerged, C modified, R deleted), mode, blob (40 or 64 hex digits), stage, the path after a tab;
 * untracked files are "? path". Read in place: a large repository has hundreds of thousands.
 */
function parseTree(output: string): TreeListing {
  const listing: TreeListing = { entries: [], untracked: [], skipWorktree: [], modified: new Set() };
  let start = 0;
  while (start < output.length) {
    let end = output.indexOf('\0', start);
    if (end < 0) end = output.length;
    const tag = output[start];
    if (tag === '?') listing.untracked.push(output.slice(start + 2, end));
    else {
      const tab = output.indexOf('\t', start);
      if (tab > start && tab < end) {
        const path = output.slice(tab + 1, end);
        if (tag === 'C' || tag === 'R') listing.modified.add(path);
        else {
          // The mode is compared in place: a later run parses every entry of the index.
          const plain =
            tag === 'H' &&
            output[tab - 1] === '0' &&
            (output.startsWith('100644', start + 2) || output.startsWith('100755', start + 2));
          listing.entries.push({ path, blob: output.slice(start + 9, tab - 2), plain, goFile: isGoFile(path) });
          if (tag === 'S' || tag === 's') listing.skipWorktree.push(path);
        }
      }
    }
    start = end + 1;
  }
  return listing;
}

/** Files a search must look at when the remembered blobs need not be read again. */
function filesToSearch(
  entries: readonly IndexEntry[],
  changed: ReadonlySet<string>,
  untracked: readonly string[],
  remembered: ReadonlySet<string>,
  entryInScope: (entry: IndexEntry) => boolean,
  inScope: (path: string) => boolean,
): string[] {
  const named = new Set<string>();
  for (const entry of entries) {
    if (!entryInScope(entry)) continue;
    const unchanged = entry.plain && !changed.has(entry.path);
    if (!(unchanged && remembered.has(entry.blob))) named.add(entry.path);
  }
  for (const path of untracked) if (inScope(path)) named.add(path);
  return [...named];
}

/**
 * The blobs to remember after a search of everything: those of plain tracked files it searched
 * and did not list, unchanged once it was over (so what it read was their blob).
 */
function triggerFree(
  entries: readonly IndexEntry[],
  modifiedAfter: ReadonlySet<string>,
  listed: ReadonlySet<string>,
  entryInScope: (entry: IndexEntry) => boolean,
): Set<string> {
  const free = new Set<string>();
  for (const entry of entries)
    if (entry.plain && entryInScope(entry) && !listed.has(entry.path) && !modifiedAfter.has(entry.path))
      free.add(entry.blob);
  return free;
}

/**
 * What git grep's stderr says it could not read, once each (it may say it twice):
 * `error: failed to stat 'a.md': Permission denied`, `warning: could not open directory 'd/': ...`.
 */
export function searchProblems(stderr: string): Unsearched[] {
  const seen = new Set<string>();
  const problems: Unsearched[] = [];
  for (const line of stderr.split('\n')) {
    const said = /^(?:error|warning): (.+)$/.exec(line.trim())?.[1];
    if (!said || seen.has(said)) continue;
    seen.add(said);
    problems.push({ path: /'(.+)'/.exec(said)?.[1], why: said });
  }
  return problems;
}

export function literal(path: string): string {
  return `:(literal)${path}`;
}

/**
 * The counts of an `ls-files -v -c -o -z` listing ("<tag> <path>\0" per entry): the paths that pass
 * the filters, and the Go files among them when they are out of scope. Without --include and
 * --exclude, only the entries that may count otherwise than as one listed file are made into
 * strings and asked: found by their tag (the stages of an unmerged path) or their ending (Go files,
 * the run's own temp files) with one search of the whole listing. A loop over every path costs
 * ~10-20 ms of a fresh process on the 20,000 paths of the bench, the searches ~2 ms, and all of it
 * is CPU taken from git searching on the other core (bench/gitea-rewrite.mjs).
 */
function countPathListing(output: string, options: Pick<ListOptions, 'filter' | 'rewriteGoFiles'>): ListingCounts {
  const tally = new ListingTally(options.filter);
  const skipWorktree: string[] = [];
  const count = (entryStart: number, entryEnd: number): void => {
    const path = output.slice(entryStart + 2, entryEnd);
    const inScope = options.rewriteGoFiles || !isGoFile(path);
    tally.add(path, inScope);
    const tag = output[entryStart];
    if ((tag === 'S' || tag === 's') && inScope && isSelected(path, options.filter)) skipWorktree.push(path);
  };
  if (options.filter !== EVERY_PATH) {
    for (let start = 0; start < output.length;) {
      let end = output.indexOf('\0', start);
      if (end < 0) end = output.length;
      if (end > start + 2) count(start, end);
      start = end + 1;
    }
    return { listed: tally.listed, goFiles: tally.goFiles, skipWorktree, nestedRepos: tally.nestedRepos };
  }
  // Every other entry is a file that passes, is not Go and is listed once.
  let entries = 0;
  for (let at = output.indexOf('\0'); at !== -1; at = output.indexOf('\0', at + 1)) entries += 1;
  const looked = new Set<number>();
  for (const found of output.matchAll(ENTRIES_TO_ASK)) {
    const at = found[0].startsWith('\0') ? found.index + 1 : found.index;
    const start = output.lastIndexOf('\0', at - 1) + 1;
    if (looked.has(start)) continue;
    looked.add(start);
    entries -= 1;
    const end = output.indexOf('\0', at);
    count(start, end < 0 ? output.length : end);
  }
  return { listed: tally.listed + entries, goFiles: tally.goFiles, skipWorktree, nestedRepos: tally.nestedRepos };
}

interface ListingCounts {
  listed: number;
  goFiles: number;
  /** Skip-worktree entries that pass the filters and are in scope. */
  skipWorktree: string[];
  nestedRepos: string[];
}

/** Asked only of skip-worktree entries: one lstat each, none in a checkout without them. */
function inWorkTree(dir: string, path: string): boolean {
  try {
    lstatSync(join(dir, path));
    return true;
  } catch {
    return false;
  }
}

/**
 * The summary's counts of a listed tree: each path once (the stages of an unmerged path are
 * neighbours in git's listings, and no other path is listed twice), the run's own temp files and
 * what the filters leave out not at all, and the Go files apart when they are out of scope. An
 * untracked repository inside the tree is listed as its directory (`dir/`): not a file looked at
 * (git grep does not enter it), but one to name, whatever the filters.
 */
class ListingTally {
  listed = 0;
  goFiles = 0;
  readonly nestedRepos: string[] = [];
  private previous: string | undefined;

  constructor(private readonly filter: PathMatcher) {}

  add(path: string, inScope: boolean): void {
    if (path === this.previous) return;
    this.previous = path;
    if (path.endsWith('/')) {
      this.nestedRepos.push(path.slice(0, -1));
      return;
    }
    if (!isSelected(path, this.filter)) return;
    if (inScope) this.listed += 1;
    else this.goFiles += 1;
  }
}

/**
 * Where, in an `ls-files -v -z` listing, entries that may not count as one listed file are: the
 * stages of unmerged paths (tag M, m when assume-unchanged), and names ending like a Go file or a
 * temp file of the run (a superset: isGoFile and isOwnTempFile decide); and skip-worktree entries
 * (tag S, s), which the work tree may not hold; and untracked repositories inside the tree (`dir/`).
 */
const ENTRIES_TO_ASK = new RegExp(
  String.raw`(?:^|\0)[MmSs] |(?:/|\.go|\.tmp|${GO_MODULE_FILE_NAMES.map((name) => name.replace(/\./g, '\\.')).join('|')})(?=\0)`,
  'g',
);

/**
 * The rewrite runs while the tree is still being listed and searched: its own temp files are
 * never targets, whichever listing saw them.
 */
function isSelected(path: string, filter: PathMatcher): boolean {
  return !isOwnTempFile(path) && filter(path);
}

function splitNul(output: string): string[] {
  return output.split('\0').filter((p) => p.length > 0);
}
