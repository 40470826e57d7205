import { readFileSync } from 'node:fs';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { workTreeParents } from './work-tree-parents.js';

/**
 * The submodules (`.gitmodules` paths of the repository holding `root`) inside `root`, as paths
 * shown under `shownRoot`. `gitea rewrite` does not descend into them: each is a repository of its
 * own, rewritten there; the summary names them so that "no reference left" is not read as
 * covering their files. Only the repository's own `.gitmodules` is read (no git process: the
 * rewrite's start-up is measured against a sed pipeline); none, or no repository, gives [].
 */
export function submodulesUnder(root: string, shownRoot: string): string[] {
  const { top } = workTreeParents(root);
  if (top === null) return [];
  let text: string;
  try {
    text = readFileSync(join(top, '.gitmodules'), 'utf8');
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*path\s*=\s*(.+?)\s*$/gm)) {
    const inside = relative(root, join(top, m[1]!));
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) continue;
    const shown = inside.split(sep).join(posix.sep);
    found.push(shownRoot === '.' || shownRoot === '' ? shown : posix.join(shownRoot, shown));
  }
  return found.sort();
}
