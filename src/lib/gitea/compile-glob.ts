/**
 * Glob patterns for --include/--exclude and .gitignore lines, compiled to RegExp. Node 20's
 * path.matchesGlob is experimental there (it prints a warning), hence this small compiler.
 * Supported: `*` (within a segment), `**` (any number of segments), `?`, `[abc]`/`[!abc]`,
 * `{a,b}`, `\` escapes. Paths are POSIX-style and relative (no leading `./`).
 */

export type PathMatcher = (relativePath: string) => boolean;

/** Compiles a glob body (no anchoring rules) to a RegExp source matching a whole path. */
export function globToRegExpSource(glob: string): string {
  let out = '';
  let braceDepth = 0;
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i] ?? '';
    if (c === '\\' && i + 1 < glob.length) {
      out += escapeChar(glob[i + 1] ?? '');
      i += 1;
    } else if (c === '*') {
      if (glob[i + 1] === '*') {
        const atSegmentStart = i === 0 || glob[i - 1] === '/';
        const atSegmentEnd = i + 2 === glob.length || glob[i + 2] === '/';
        i += 1;
        if (atSegmentStart && atSegmentEnd) {
          if (glob[i + 1] === '/') {
            out += '(?:[^/]*/)*'; // `**/` matches zero or more directories
            i += 1;
          } else {
            out += '.*';
          }
        } else {
          out += '[^/]*';
        }
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
      } else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        out += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (c === '{') {
      braceDepth += 1;
      out += '(?:';
    } else if (c === '}' && braceDepth > 0) {
      braceDepth -= 1;
      out += ')';
    } else if (c === ',' && braceDepth > 0) {
      out += '|';
    } else {
      out += escapeChar(c);
    }
  }
  return out;
}

/**
 * A pattern without `/` matches a file's name at any depth (`*.go`, `go.mod`); one with `/` matches
 * the path from the root (`docs/**`). A trailing `/` means "everything under this directory".
 */
export function compileGlob(pattern: string): PathMatcher {
  let glob = pattern.trim().replace(/^\.\//, '').replace(/^\/+/, '');
  if (glob.endsWith('/')) glob = `${glob}**`;
  const anchored = glob.includes('/');
  const source = globToRegExpSource(glob);
  const regex = new RegExp(anchored ? `^${source}$` : `(?:^|/)${source}$`);
  // A directory pattern also matches everything below it (`docs` excludes docs/a.md).
  const below = new RegExp(anchored ? `^${source}/` : `(?:^|/)${source}/`);
  return (path) => regex.test(path) || below.test(path);
}

/**
 * The filter of a run without --include or --exclude (most runs): every path passes. Named, so
 * that a listing of the whole tree can skip making a string of each path just to ask it.
 */
export const EVERY_PATH: PathMatcher = () => true;

/** True when the path passes: matches an include (or there are none) and no exclude. */
export function compilePathFilter(includes: readonly string[], excludes: readonly string[]): PathMatcher {
  if (includes.length === 0 && excludes.length === 0) return EVERY_PATH;
  const include = includes.map(compileGlob);
  const exclude = excludes.map(compileGlob);
  return (path) => (include.length === 0 || include.some((m) => m(path))) && !exclude.some((m) => m(path));
}

function escapeChar(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
