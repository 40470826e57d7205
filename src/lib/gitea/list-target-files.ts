import { MolectlError } from '../errors.js';
import type { Exec } from '../exec.js';
import type { PathMatcher } from './compile-glob.js';
import { streamNulSeparated, type NulStream } from './light-exec.js';
import { isGoFile } from './rewrite-text.js';
import { walkFiles } from './walk-files.js';

/**
 * Which files of a directory a rewrite looks at. Inside a git work tree: `git grep --untracked`
 * (tracked files plus untracked ones that are not ignored) names the files that mention anything
 * the rules react to, so files that cannot change are never opened (this is what keeps a
 * 20,000-file repository fast). Its output is handed on as it comes, so the rewrite of the first
 * files overlaps with git searching the rest; `git ls-files -co --exclude-standard` runs beside
 * it only to count the files looked at. Elsewhere: a walk honouring .gitignore, and every listed
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
}

export interface ListOptions {
  exec: Exec;
  /** --include/--exclude. */
  filter: PathMatcher;
  /** Rewrite Go sources and module files too (off by default: module paths are out of scope). */
  rewriteGoFiles: boolean;
  /** The GitHub owner, so that `uses: <owner>/...` lines are candidates too. */
  githubOwner: string;
  signal?: AbortSignal | undefined;
}

export function listTargetFiles(dir: string, options: ListOptions): TargetFiles {
  const passes = (path: string): boolean => options.filter(path) && (options.rewriteGoFiles || !isGoFile(path));
  const grep = grepCandidates(dir, options);
  // Also the "is this a work tree?" answer when git grep fails.
  const listing = options
    .exec('git', ['ls-files', '-co', '--exclude-standard', '-z', '--', '.'], {
      cwd: dir,
      allowFailure: true,
      timeoutMs: 120_000,
    })
    .catch(() => undefined);
  let walked: { listed: number; goFiles: number } | undefined;

  async function* paths(): AsyncGenerator<string> {
    let seen = 0;
    for await (const path of grep.items) {
      seen += 1;
      if (passes(path)) yield path;
    }
    const { exitCode, stderr } = await grep.exit.catch((error: unknown) => ({ exitCode: -1, stderr: String(error) }));
    // 0: matches, 1: none; after Ctrl-C the caller reports the interruption.
    if (exitCode === 0 || exitCode === 1 || options.signal?.aborted) return;
    const list = await listing;
    if (seen === 0 && !(list && list.exitCode === 0)) {
      // Not a work tree, or no git at all: walk the directory and read everything.
      walked = { listed: 0, goFiles: 0 };
      for await (const entry of walkFiles(dir)) {
        if (!options.filter(entry.path)) continue;
        if (!options.rewriteGoFiles && isGoFile(entry.path)) {
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
      if (walked) return { inGitRepo: false, ...walked };
      const list = await listing;
      let listed = 0;
      let goFiles = 0;
      for (const path of splitNul(list?.stdout ?? '')) {
        if (!options.filter(path)) continue;
        if (!options.rewriteGoFiles && isGoFile(path)) goFiles += 1;
        else listed += 1;
      }
      return { inGitRepo: true, listed, goFiles };
    },
  };
}

/**
 * A superset of the lines rewriteText looks at (its trigger). Fixed strings on purpose: git's
 * case-insensitive ERE engine is more than ten times slower than its fixed-string search on a
 * large tree (measured: 5.3 s against 0.3 s on 200 MB). `github` covers github.com, raw URLs,
 * api.github.com, .github/workflows and GITHUB_TOKEN; the owner covers ghcr.io/<owner> and
 * `uses: <owner>/...`; `gh ` covers gh commands (and words like "high ", which only costs a read).
 * No -I: binary files that mention GitHub are listed so that the report can say they were skipped.
 */
function grepCandidates(dir: string, options: ListOptions): NulStream {
  return streamNulSeparated(
    'git',
    [
      '-c',
      'grep.fallbackToNoIndex=false',
      'grep',
      '--untracked',
      '-l',
      '-z',
      '-i',
      '-F',
      '--no-color',
      '-e',
      'github',
      '-e',
      options.githubOwner,
      '-e',
      'gh ',
      '--',
      '.',
      ...(options.rewriteGoFiles ? [] : GO_PATHSPEC_EXCLUDES),
    ],
    { cwd: dir, timeoutMs: 600_000, ...(options.signal ? { signal: options.signal } : {}) },
  );
}

/** Go files are never candidates unless asked for: git grep need not read them at all. */
const GO_PATHSPEC_EXCLUDES = ['*.go', 'go.mod', 'go.sum', 'go.work', 'go.work.sum'].map(
  (name) => `:(exclude,glob)**/${name}`,
);

function splitNul(output: string): string[] {
  return output.split('\0').filter((p) => p.length > 0);
}
