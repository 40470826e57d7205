import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { walkFiles } from '../../../src/lib/gitea/walk-files.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'molectl-gitea-walk-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(path: string, content = 'x\n'): Promise<void> {
  await mkdir(join(dir, path, '..'), { recursive: true });
  await writeFile(join(dir, path), content);
}

describe('walkFiles honours .gitignore like git for the common cases', () => {
  it('comments, negation, directory-only, anchored and nested .gitignore files; never enters .git; lists symlinks unfollowed', async () => {
    await put('.gitignore', '# build output\n*.log\n!keep.log\nbuild/\n/root-only.txt\ndocs/**/*.tmp\n');
    await put('a.log');
    await put('keep.log');
    await put('build/out.js');
    await put('src/build'); // a file named build: `build/` only ignores directories
    await put('root-only.txt');
    await put('src/root-only.txt');
    await put('docs/x/y.tmp');
    await put('docs/y.md');
    await put('sub/.gitignore', 'secret.md\n');
    await put('sub/secret.md');
    await put('sub/public.md');
    await put('secret.md');
    await put('.git/config');
    await symlink(join(dir, 'docs'), join(dir, 'docs-link'));
    const entries = [];
    for await (const entry of walkFiles(dir)) entries.push(`${entry.path}:${entry.kind}`);
    expect(entries).toEqual([
      '.gitignore:file',
      'docs/y.md:file',
      'docs-link:symlink',
      'keep.log:file',
      'secret.md:file',
      'src/build:file',
      'src/root-only.txt:file',
      'sub/.gitignore:file',
      'sub/public.md:file',
    ]);
  });
});
