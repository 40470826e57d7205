import { describe, expect, it } from 'vitest';
import { compileGlob, compilePathFilter } from '../../../src/lib/gitea/compile-glob.js';

describe('compileGlob', () => {
  it.each([
    ['*.md', 'README.md', true],
    ['*.md', 'docs/deep/a.md', true],
    ['*.md', 'README.mdx', false],
    ['go.mod', 'tools/go.mod', true],
    ['docs/**', 'docs/a/b.md', true],
    ['docs/**', 'src/docs/a.md', false],
    ['docs/*.md', 'docs/a.md', true],
    ['docs/*.md', 'docs/x/a.md', false],
    ['**/vendor/**', 'vendor/a.js', true],
    ['**/vendor/**', 'a/b/vendor/c/d.js', true],
    ['vendor', 'a/vendor/c.js', true],
    ['docs/', 'docs/a.md', true],
    ['*.{yml,yaml}', '.github/workflows/ci.yaml', true],
    ['file?.txt', 'file1.txt', true],
    ['file?.txt', 'file12.txt', false],
    ['[ab].txt', 'b.txt', true],
    ['[!ab].txt', 'b.txt', false],
    ['a+b.txt', 'a+b.txt', true],
    ['./docs/**', 'docs/x', true],
  ])('%s matches %s: %s', (glob, path, expected) => {
    expect(compileGlob(glob)(path)).toBe(expected);
  });

  it('filters: includes (any) and excludes (win)', () => {
    const keep = compilePathFilter(['docs/**', '*.sh'], ['**/draft-*']);
    expect(['docs/a.md', 'run.sh', 'src/a.ts', 'docs/draft-x.md'].filter(keep)).toEqual(['docs/a.md', 'run.sh']);
    expect(compilePathFilter([], [])('anything')).toBe(true);
  });
});
