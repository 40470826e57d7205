import { execFile } from 'node:child_process';
import { candidateTerms, grepCandidates, literal, MAX_NAMED_CANDIDATES } from './list-target-files.js';

/**
 * The index's copies of listed files the work tree does not hold (skip-worktree entries: a sparse
 * checkout). git grep never searches them and --write cannot rewrite them, yet the gate vouches
 * for every listed file: so their copies are searched where they are, with `git grep --cached`
 * for the same terms as the work tree's search, and the few that mention one are read with one
 * `git cat-file --batch`. Two git processes, only when such files exist.
 */

export interface IndexCopy {
  path: string;
  /** The copy's bytes; undefined when git could not give them (the gate cannot vouch for it). */
  bytes: Buffer | undefined;
}

export interface IndexCopyOptions {
  githubOwner: string;
  rewriteGoFiles: boolean;
  signal?: AbortSignal | undefined;
  /** Also UTF-16/32 text (list-target-files.ts, BYTE_ORDER_MARKS). */
  wideText?: boolean | undefined;
}

/** The copies among `paths` (relative to `dir`) that mention a term; the others hold none. */
export async function readIndexCopies(
  dir: string,
  paths: readonly string[],
  options: IndexCopyOptions,
): Promise<IndexCopy[]> {
  const wanted = new Set(paths);
  // Past what a command line should carry, the whole index is searched and the rest dropped.
  const pathspecs = paths.length <= MAX_NAMED_CANDIDATES ? paths.map(literal) : ['.'];
  const search = grepCandidates(dir, options, candidateTerms(options.githubOwner), pathspecs, 'index');
  const mentioning: string[] = [];
  for await (const path of search.items) if (wanted.has(path)) mentioning.push(path);
  const { exitCode } = await search.exit.catch(() => ({ exitCode: -1 }));
  // 0: matches, 1: none; anything else: nothing was observed, so nothing is vouched for.
  if (exitCode !== 0 && exitCode !== 1) return paths.map((path) => ({ path, bytes: undefined }));
  return catFiles(dir, mentioning, options.signal);
}

/** `git cat-file --batch` over `:./<path>` (the index's copy, relative to `dir`). */
async function catFiles(dir: string, paths: readonly string[], signal: AbortSignal | undefined): Promise<IndexCopy[]> {
  // The batch protocol is one name a line: a path holding a newline cannot be asked for.
  const askable = paths.filter((path) => !path.includes('\n'));
  const copies = new Map<string, Buffer | undefined>(paths.map((path) => [path, undefined]));
  if (askable.length) {
    const output = await new Promise<Buffer | undefined>((resolve) => {
      const child = execFile(
        'git',
        ['cat-file', '--batch'],
        { cwd: dir, encoding: 'buffer', maxBuffer: 1024 * 1024 * 1024, timeout: 600_000, signal },
        (error, stdout) => resolve(error ? undefined : stdout),
      );
      child.stdin?.end(askable.map((path) => `:./${path}\n`).join(''));
    });
    if (output) parseBatch(output, askable, copies);
  }
  return paths.map((path) => ({ path, bytes: copies.get(path) }));
}

/**
 * `<oid> blob <size>\n<bytes>\n` per name asked, in order; `<name> missing` (or ambiguous) for
 * one git cannot resolve, which stays undefined.
 */
export function parseBatch(output: Buffer, asked: readonly string[], copies: Map<string, Buffer | undefined>): void {
  let at = 0;
  for (const path of asked) {
    const eol = output.indexOf(0x0a, at);
    if (eol < 0) return;
    const header = /^[0-9a-f]+ (\w+) (\d+)$/.exec(output.toString('utf8', at, eol));
    at = eol + 1;
    if (!header) continue;
    const size = Number(header[2]);
    if (at + size > output.length) return;
    if (header[1] === 'blob') copies.set(path, output.subarray(at, at + size));
    at += size + 1;
  }
}
