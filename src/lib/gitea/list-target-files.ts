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
  const keep = (path: string): boolean => options.filter(path) && (options.rewriteGoFiles || !isGoFile(path));
  if (await isInsideWorkTree(dir, options.exec)) {
    const listing = await options.exec('git', ['ls-files', '-co', '--exclude-standard', '-z', '--', '.'], { cwd: dir, timeoutMs: 120_000 });
    const listed = new Set(splitNul(listing.stdout).filter(keep));
    const candidates = await grepCandidates(dir, options);
    const paths = candidates.filter((path) => listed.has(path));
    return { inGitRepo: true, listed: listed.size, paths: toAsync(paths) };
  }
  // Outside git the listing streams: the walk yields as it goes, nothing is collected.
  const counter = { listed: 0 };
  const result: TargetFiles = {
    inGitRepo: false,
    get listed() {
      return counter.listed;
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

async function isInsideWorkTree(dir: string, exec: Exec): Promise<boolean> {
  try {
    const result = await exec('git', ['rev-parse', '--is-inside-work-tree'], { cwd: dir, allowFailure: true, timeoutMs: 30_000 });
    return result.exitCode === 0 && result.stdout.trim() === 'true';
  } catch {
    return false; // git is not installed: walk instead
  }
}

/**
 * A superset of the lines rewriteText looks at (its trigger), in git's ERE, case-insensitive.
 * No -I: binary files that mention GitHub are listed so that the report can say they were skipped.
 */
async function grepCandidates(dir: string, options: ListOptions): Promise<string[]> {
  const owner = options.githubOwner.replace(/[.[\]()*+?{}|^$\\]/g, '\\$&');
  const pattern = `github|ghcr\\.io|(^|[^[:alnum:]_])gh[[:space:]]|uses:[[:space:]]*["']?${owner}/`;
  const result = await options.exec(
    'git',
    ['-c', 'grep.fallbackToNoIndex=false', 'grep', '--untracked', '-l', '-z', '-i', '-E', '--no-color', '-e', pattern, '--', '.'],
    { cwd: dir, allowFailure: true, timeoutMs: 600_000 },
  );
  // 0: matches, 1: no match; anything else is git failing, which must not pass for "nothing to do".
  if (result.exitCode > 1) {
    const { MolectlError } = await import('../errors.js');
    throw new MolectlError(`git grep failed in ${dir}: ${result.stderr.split('\n')[0] ?? ''}`, { hint: 'run `git status` there to see what is wrong with the repository' });
  }
  return splitNul(result.stdout);
}

function splitNul(output: string): string[] {
  return output.split('\0').filter((p) => p.length > 0);
}

async function* toAsync(items: readonly string[]): AsyncGenerator<string> {
  yield* items;
}
