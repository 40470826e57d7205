import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { globToRegExpSource } from './compile-glob.js';

/**
 * Lists files outside a git repository, honouring .gitignore files the way git does for the
 * common cases: per-directory files, `#` comments, `!` negation, trailing `/` for directories,
 * patterns with a `/` anchored to their file's directory, `**`, last match wins, and an ignored
 * directory is not entered (so a negation cannot re-include what is inside it, as in git).
 * Not supported: .git/info/exclude, core.excludesFile. Symlinks are listed, never followed.
 */

export interface WalkEntry {
  /** POSIX path relative to the walk root ('' for the root itself). */
  path: string;
  /** `unreadable`: a directory that could not be listed, so what it holds is unknown. */
  kind: 'file' | 'symlink' | 'other' | 'unreadable';
}

interface IgnoreRule {
  /** Directory (relative to the root, '' for the root) whose .gitignore holds the rule. */
  base: string;
  regex: RegExp;
  negate: boolean;
  dirOnly: boolean;
}

export async function* walkFiles(root: string): AsyncGenerator<WalkEntry> {
  yield* walkDirectory(root, '', []);
}

async function* walkDirectory(root: string, dir: string, inherited: IgnoreRule[]): AsyncGenerator<WalkEntry> {
  const absolute = dir ? join(root, dir) : root;
  const rules = [...inherited, ...(await readIgnoreRules(absolute, dir))];
  let entries;
  try {
    entries = await readdir(absolute, { withFileTypes: true });
  } catch {
    yield { path: dir, kind: 'unreadable' }; // what it holds cannot be vouched for
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name === '.git') continue;
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    const isDir = entry.isDirectory();
    if (isIgnored(rules, path, isDir)) continue;
    if (isDir) yield* walkDirectory(root, path, rules);
    else yield { path, kind: entry.isSymbolicLink() ? 'symlink' : entry.isFile() ? 'file' : 'other' };
  }
}

async function readIgnoreRules(absoluteDir: string, base: string): Promise<IgnoreRule[]> {
  let content: string;
  try {
    content = await readFile(join(absoluteDir, '.gitignore'), 'utf8');
  } catch {
    return [];
  }
  return parseGitignore(content, base);
}

/** Parses one .gitignore file found in directory `base` (relative to the walk root). */
export function parseGitignore(content: string, base: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of content.split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, '');
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1);
    if (line.startsWith('\\#') || line.startsWith('\\!')) line = line.slice(1);
    const dirOnly = line.endsWith('/');
    if (dirOnly) line = line.slice(0, -1);
    if (!line) continue;
    const anchored = line.includes('/');
    const body = globToRegExpSource(line.replace(/^\//, ''));
    rules.push({ base, regex: new RegExp(anchored ? `^${body}$` : `(?:^|/)${body}$`), negate, dirOnly });
  }
  return rules;
}

export function isIgnored(rules: readonly IgnoreRule[], path: string, isDir: boolean): boolean {
  let ignored = false;
  for (const rule of rules) {
    if (rule.dirOnly && !isDir) continue;
    if (rule.base && !path.startsWith(`${rule.base}/`)) continue;
    const relative = rule.base ? path.slice(rule.base.length + 1) : path;
    if (rule.regex.test(relative)) ignored = !rule.negate;
  }
  return ignored;
}
