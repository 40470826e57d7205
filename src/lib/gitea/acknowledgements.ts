import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { compileGlob, type PathMatcher } from './compile-glob.js';
import { workTreeParents } from './work-tree-parents.js';

/**
 * How a repository says "this reference to the old organisation stays, on purpose": an inline
 * marker on the line, or an entry in an ignore file giving the path and the reason. An
 * acknowledged line is left as it is (nothing rewritten on it), does not fail `--check`, and is
 * counted apart so that the summary shows what was waved through.
 */

export const KEEP_MARKER = 'molectl-gitea: keep';
const KEEP_MARKER_PATTERN = /molectl-gitea:\s*keep\b/;
export const IGNORE_FILE_NAME = '.molectl-gitea-ignore';

export function hasKeepMarker(line: string): boolean {
  return line.includes('molectl-gitea') && KEEP_MARKER_PATTERN.test(line);
}

/** Why lines of one file are kept: the whole file, or some lines, each with the entry's reason. */
export interface FileKeep {
  whole?: string;
  lines?: Map<number, string>;
}

export interface IgnoreEntry {
  /** `.molectl-gitea-ignore:3`, for messages. */
  source: string;
  matches: PathMatcher;
  line?: number;
  reason: string;
}

interface IgnoreFile {
  /** Directory holding the file; entries match paths relative to it. */
  dir: string;
  entries: IgnoreEntry[];
}

/**
 * Parses one ignore file: `<path or glob>[:<line>] <reason>` per line, `#` comments. Globs follow
 * --include's rules. A missing reason is bad input: the file exists to say why.
 */
export function parseIgnoreFile(content: string, label: string): IgnoreEntry[] {
  const entries: IgnoreEntry[] = [];
  content.split(/\r?\n/).forEach((raw, index) => {
    const text = raw.trim();
    if (!text || text.startsWith('#')) return;
    const source = `${label}:${index + 1}`;
    const space = text.search(/\s/);
    const spec = space === -1 ? text : text.slice(0, space);
    const reason = space === -1 ? '' : text.slice(space).trim();
    if (!reason)
      throw new UsageError(
        `${source}: ${JSON.stringify(spec)} has no reason`,
        `write the path, a space, and why the reference stays (e.g. "CHANGELOG.md  release notes keep the old links")`,
      );
    const lineMatch = /^(.+):(\d+)$/.exec(spec);
    const entry: IgnoreEntry = { source, matches: compileGlob(lineMatch ? lineMatch[1]! : spec), reason };
    if (lineMatch) entry.line = Number(lineMatch[2]);
    entries.push(entry);
  });
  return entries;
}

/**
 * The ignore files that apply under `root`: its own and those of its parents up to the top of the
 * git work tree (where `.git` is), so `molectl gitea rewrite docs` honours the repository's file.
 */
export class IgnoreFiles {
  private constructor(private readonly files: IgnoreFile[]) {}

  /** `cwd` only shapes messages: files are named relative to it, as the user sees them. */
  static load(root: string, cwd: string): IgnoreFiles {
    const files: IgnoreFile[] = [];
    for (const dir of workTreeParents(root).dirs) {
      const path = join(dir, IGNORE_FILE_NAME);
      const content = readOptional(path);
      if (content !== undefined) files.push({ dir, entries: parseIgnoreFile(content, displayPath(cwd, path)) });
    }
    return new IgnoreFiles(files);
  }

  get empty(): boolean {
    return this.files.every((f) => f.entries.length === 0);
  }

  /** What the ignore files say about one file (absolute path); undefined when nothing. */
  match(absolutePath: string): FileKeep | undefined {
    let keep: FileKeep | undefined;
    for (const file of this.files) {
      const rel = relative(file.dir, absolutePath).split(sep).join('/');
      if (rel.startsWith('../')) continue;
      for (const entry of file.entries) {
        if (!entry.matches(rel)) continue;
        keep ??= {};
        if (entry.line === undefined) keep.whole ??= `${entry.reason} (${entry.source})`;
        else (keep.lines ??= new Map()).set(entry.line, `${entry.reason} (${entry.source})`);
      }
    }
    return keep;
  }
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path).split(sep).join('/');
  return rel.startsWith('../') ? path : rel;
}
