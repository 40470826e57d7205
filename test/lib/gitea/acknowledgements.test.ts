import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasKeepMarker, IgnoreFiles, parseIgnoreFile } from '../../../src/lib/gitea/acknowledgements.js';

describe('the inline marker', () => {
  it.each([
    ['<!-- molectl-gitea: keep -->', true],
    ['# molectl-gitea: keep (module path)', true],
    ['// molectl-gitea:keep', true],
    ['MOLECTL-GITEA: KEEP', false],
    ['molectl-gitea: keeper', false],
    ['molectl-gitea keep', false],
  ])('%s → %s', (line, expected) => {
    expect(hasKeepMarker(`https://github.com/Molecule-AI/x ${line}`)).toBe(expected);
  });
});

describe('the ignore file', () => {
  it('reads path, optional line and reason; skips comments and blank lines', () => {
    const entries = parseIgnoreFile(
      '# why these stay\n\nCHANGELOG.md   release notes\ndocs/old/**  archived pages\nREADME.md:12 the badge of the last release\n',
      '.molectl-gitea-ignore',
    );
    expect(entries.map((e) => [e.source, e.line, e.reason])).toEqual([
      ['.molectl-gitea-ignore:3', undefined, 'release notes'],
      ['.molectl-gitea-ignore:4', undefined, 'archived pages'],
      ['.molectl-gitea-ignore:5', 12, 'the badge of the last release'],
    ]);
    expect(entries[1]!.matches('docs/old/a/b.md')).toBe(true);
    expect(entries[1]!.matches('docs/new.md')).toBe(false);
    expect(entries[2]!.matches('README.md')).toBe(true);
  });

  it('refuses an entry without a reason, naming file and line (exit 2)', () => {
    expect(() => parseIgnoreFile('ok.md  fine\nCHANGELOG.md\n', 'x/.molectl-gitea-ignore')).toThrow(
      expect.objectContaining({ code: 2, message: 'x/.molectl-gitea-ignore:2: "CHANGELOG.md" has no reason' }),
    );
  });

  describe('lookup', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'molectl-gitea-ack-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('applies the files from the given directory up to the work tree top, and no further', async () => {
      await writeFile(join(dir, '.molectl-gitea-ignore'), 'repo/docs/a.md  outside the work tree: never read\n');
      await mkdir(join(dir, 'repo/.git'), { recursive: true });
      await mkdir(join(dir, 'repo/docs'), { recursive: true });
      await writeFile(join(dir, 'repo/.molectl-gitea-ignore'), 'docs/a.md:3  quoted on purpose\n');
      await writeFile(join(dir, 'repo/docs/.molectl-gitea-ignore'), 'a.md  the whole page\n');
      const ignore = IgnoreFiles.load(join(dir, 'repo/docs'), join(dir, 'repo'));
      const keep = ignore.match(join(dir, 'repo/docs/a.md'));
      expect(keep?.whole).toBe('the whole page (docs/.molectl-gitea-ignore:1)');
      expect([...(keep?.lines ?? [])]).toEqual([[3, 'quoted on purpose (.molectl-gitea-ignore:1)']]);
      expect(ignore.match(join(dir, 'repo/docs/b.md'))).toBeUndefined();
    });
  });
});
