import type { Exec } from '../exec.js';
import type { PathMatcher } from './compile-glob.js';
import { isGoFile } from './rewrite-text.js';
import { walkFiles } from './walk-files.js';

/**
 * Which files of a directory a rewrite looks at. Inside a git work tree: `git ls-files -co
 * --exclude-standard` (tracked plus untracked-not-ignored), and `git grep` over the same set
 * names the files that mention anything the rules react to, so files that cannot change are
 * never opened (this is what keeps a 20,000-file repository fast). Elsewhere: a walk honouring
 * .gitignore, and every listed file is read.
 */

export interface TargetFiles {
  inGitRepo: boolean;
  /** Files that passed the filters. */
  listed: number;
  /** Go sources and module files left out (they are out of scope unless rewriteGoFiles). */
  goFiles: number;
  /** Paths (relative to the directory, POSIX) worth reading: a subset of the listed ones. */
  paths: AsyncIterable<string>;
}

export interface ListOptions {
  exec: Exec;
  /** --include/--exclude. */
  filter: PathMatcher;
  /** Rewrite Go sources and module files too (off by default: module paths are out of scope). */
  rewriteGoFiles: boolean;
  /** The GitHub owner, so that `uses: <owner>/...` lines are candidates too. */
  githubOwner: string;
}

export async function listTargetFiles(dir: string, options: ListOptions): Promise<TargetFiles> {
  let goFiles = 0;
  const keep = (path: string): boolean => {
    if (!options.filter(path)) return false;
    if (options.rewriteGoFiles || !isGoFile(path)) return true;
    goFiles += 1;
    return false;
  };
  // ls-files doubles as the "is this a work tree?" probe: one process less than rev-parse first.
  const [listing, candidates] = await Promise.all([
    options.exec('git', ['ls-files', '-co', '--exclude-standard', '-z', '--', '.'], { cwd: dir, allowFailure: true, timeoutMs: 120_000 }).catch(() => undefined),
    grepCandidates(dir, options).catch(() => undefined), // git not installed: walk instead
  ]);
  if (listing && listing.exitCode === 0 && candidates) {
    const listed = new Set(splitNul(listing.stdout).filter(keep));
    const paths = candidates.filter((path) => listed.has(path));
    return { inGitRepo: true, listed: listed.size, goFiles, paths: toAsync(paths) };
  }
  // Outside git the listing streams: the walk yields as it goes, nothing is collected.
  const counter = { listed: 0 };
  const result: TargetFiles = {
    inGitRepo: false,
    get listed() {
      return counter.listed;
    },
    get goFiles() {
      return goFiles;
    },
    paths: (async function* () {
      for await (const entry of walkFiles(dir)) {
        if (!keep(entry.path)) continue;
        counter.listed += 1;
        yield entry.path;
      }
    })(),
  };
  return result;
}

/**
 * A superset of the lines rewriteText looks at (its trigger). Fixed strings on purpose: git's
 * case-insensitive ERE engine is more than ten times slower than its fixed-string search on a
 * large tree (measured: 5.3 s against 0.3 s on 200 MB). `github` covers github.com, raw URLs,
 * api.github.com, .github/workflows and GITHUB_TOKEN; the owner covers ghcr.io/<owner> and
 * `uses: <owner>/...`; `gh ` covers gh commands (and words like "high ", which only costs a read).
 * No -I: binary files that mention GitHub are listed so that the report can say they were skipped.
 */
async function grepCandidates(dir: string, options: ListOptions): Promise<string[] | undefined> {
  const result = await options.exec(
    'git',
    ['-c', 'grep.fallbackToNoIndex=false', 'grep', '--untracked', '-l', '-z', '-i', '-F', '--no-color', '-e', 'github', '-e', options.githubOwner, '-e', 'gh ', '--', '.', ...(options.rewriteGoFiles ? [] : GO_PATHSPEC_EXCLUDES)],
    { cwd: dir, allowFailure: true, timeoutMs: 600_000 },
  );
  // 0: matches, 1: no match; anything else (128: not a work tree) means git cannot answer.
  return result.exitCode > 1 ? undefined : splitNul(result.stdout);
}

/** Go files are never candidates unless asked for: git grep need not read them at all. */
const GO_PATHSPEC_EXCLUDES = ['*.go', 'go.mod', 'go.sum', 'go.work', 'go.work.sum'].map((name) => `:(exclude,glob)**/${name}`);

function splitNul(output: string): string[] {
  return output.split('\0').filter((p) => p.length > 0);
}

async function* toAsync(items: readonly string[]): AsyncGenerator<string> {
  yield* items;
}
