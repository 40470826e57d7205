import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderUnifiedDiff } from '../../../src/lib/gitea/render-unified-diff.js';

describe('renderUnifiedDiff', () => {
  it('is empty when nothing changed', () => {
    expect(renderUnifiedDiff('a', 'x\n', 'x\n')).toBe('');
  });

  it('splits distant changes into hunks and merges close ones', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    const after = [...lines];
    after[1] = 'CHANGED 2';
    after[4] = 'CHANGED 5';
    after[25] = 'CHANGED 26';
    const diff = renderUnifiedDiff('f.txt', `${lines.join('\n')}\n`, `${after.join('\n')}\n`);
    expect(diff.match(/^@@ .* @@$/gm)).toEqual(['@@ -1,8 +1,8 @@', '@@ -23,7 +23,7 @@']);
  });

  it('marks a last line without newline and keeps the CR of CRLF lines', () => {
    const diff = renderUnifiedDiff('f.txt', 'a\r\nold', 'a\r\nnew');
    expect(diff).toBe(
      [
        '--- a/f.txt',
        '+++ b/f.txt',
        '@@ -1,2 +1,2 @@',
        ' a\r',
        '-old',
        '\\ No newline at end of file',
        '+new',
        '\\ No newline at end of file',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['CRLF with a BOM', '\uFEFFtitle\r\nold link\r\nthree\r\n', (t: string) => t.replace('old', 'new')],
    [
      'CRLF, BOM on the changed line, no final newline',
      '\uFEFFold first\r\nsecond\r\nold last',
      (t: string) => t.replaceAll('old', 'new'),
    ],
    ['mixed endings', 'a\nold\r\nb\n', (t: string) => t.replace('old', 'new')],
  ])('a patch for %s applies with `git apply`, byte for byte', async (_name, before, edit) => {
    const dir = await mkdtemp(join(tmpdir(), 'molectl-gitea-diff-'));
    try {
      const after = edit(before);
      await writeFile(join(dir, 'f.txt'), before);
      await writeFile(join(dir, 'p.diff'), renderUnifiedDiff('f.txt', before, after));
      const check = spawnSync('git', ['apply', '--check', 'p.diff'], { cwd: dir, encoding: 'utf8' });
      expect(check.status, check.stderr).toBe(0);
      const apply = spawnSync('git', ['apply', 'p.diff'], { cwd: dir, encoding: 'utf8' });
      expect(apply.status, apply.stderr).toBe(0);
      expect(await readFile(join(dir, 'f.txt'), 'utf8')).toBe(after);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('produces a patch that `git apply` accepts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'molectl-gitea-diff-'));
    try {
      const before = Array.from({ length: 12 }, (_, i) => `l${i}`).join('\n') + '\n';
      const after = before.replace('l3', 'L3').replace('l11', 'L11');
      await writeFile(join(dir, 'f.txt'), before);
      await writeFile(join(dir, 'p.diff'), renderUnifiedDiff('f.txt', before, after));
      const r = spawnSync('git', ['apply', 'p.diff'], { cwd: dir, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(await readFile(join(dir, 'f.txt'), 'utf8')).toBe(after);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('renderUnifiedDiff grouping', () => {
  it('prints a run of changed lines as removals then additions', () => {
    const diff = renderUnifiedDiff('f', 'a\nb\nc\n', 'A\nB\nc\n');
    expect(diff).toBe(['--- a/f', '+++ b/f', '@@ -1,3 +1,3 @@', '-a', '-b', '+A', '+B', ' c', ''].join('\n'));
  });
});
