import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from '../../../src/lib/exec.js';
import { rewriteFiles, type ChangedFile, type RewriteFilesOptions } from '../../../src/lib/gitea/rewrite-files.js';
import { buildRewriteRules } from '../../../src/lib/gitea/rewrite-rules.js';

const OLD = 'https://github.com/Molecule-AI/molecule-monorepo';
const NEW = 'https://git.moleculesai.app/molecule-ai/molecule-core';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'molectl-gitea-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function options(overrides: Partial<RewriteFilesOptions> = {}): RewriteFilesOptions {
  return {
    rules: buildRewriteRules(),
    write: true,
    include: [],
    exclude: [],
    maxFileBytes: 1024 * 1024,
    exec: execFile,
    cwd: dir,
    ...overrides,
  };
}

async function put(path: string, content: string | Buffer): Promise<void> {
  await mkdir(join(dir, path, '..'), { recursive: true });
  await writeFile(join(dir, path), content);
}

async function git(...args: string[]): Promise<void> {
  await execFile('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir });
}

async function makeFixture(): Promise<void> {
  await put('README.md', `# x\nClone ${OLD}.git\n`);
  await put('docs/crlf.txt', `one\r\n${OLD}/blob/main/a.md\r\nthree\r\n`);
  await put('docs/bom.md', `\uFEFFsee ${OLD}\n`);
  await put('latin1.txt', Buffer.concat([Buffer.from('caf\xe9 ', 'latin1'), Buffer.from(`${OLD}\n`)]));
  await put('run.sh', `#!/bin/sh\ngit clone ${OLD}.git\n`);
  await chmod(join(dir, 'run.sh'), 0o755);
  await put('main.go', `// ${OLD}\npackage main\n`);
  await put('go.mod', 'module github.com/Molecule-AI/x\n');
  await put('logo.bin', Buffer.concat([Buffer.from(`${OLD}\n`), Buffer.from([0, 1, 2])]));
  await put('big.txt', `${OLD}\n${'x'.repeat(2048)}\n`);
  await put('ignored/out.txt', `${OLD}\n`);
  await put('.gitignore', 'ignored/\n');
  await put('clean.md', 'nothing here\n');
  await symlink(join(dir, 'README.md'), join(dir, 'link.md'));
}

async function checkOutcome(report: Awaited<ReturnType<typeof rewriteFiles>>, inGit: boolean): Promise<void> {
  expect(await readFile(join(dir, 'README.md'), 'utf8')).toBe(`# x\nClone ${NEW}.git\n`);
  expect(await readFile(join(dir, 'docs/crlf.txt'), 'utf8')).toBe(`one\r\n${NEW}/src/branch/main/a.md\r\nthree\r\n`);
  expect(await readFile(join(dir, 'docs/bom.md'), 'utf8')).toBe(`\uFEFFsee ${NEW}\n`);
  expect((await readFile(join(dir, 'latin1.txt'))).subarray(0, 5)).toEqual(Buffer.from('caf\xe9 ', 'latin1'));
  expect(await readFile(join(dir, 'latin1.txt'), 'latin1')).toContain(NEW);
  expect((await stat(join(dir, 'run.sh'))).mode & 0o777).toBe(0o755);
  expect(await readFile(join(dir, 'main.go'), 'utf8')).toContain(OLD);
  expect(await readFile(join(dir, 'go.mod'), 'utf8')).toContain('github.com/Molecule-AI');
  expect(await readFile(join(dir, 'ignored/out.txt'), 'utf8')).toContain(OLD);
  expect(await readFile(join(dir, 'logo.bin'), 'latin1')).toContain(OLD);
  expect(await readFile(join(dir, 'big.txt'), 'utf8')).toContain(OLD);
  // In git, a symlink's text (its target path) never mentions GitHub, so git grep never offers it.
  expect(report.skipped).toEqual([
    { file: 'big.txt', reason: 'too-large', bytes: 2098 },
    ...(inGit ? [] : [{ file: 'link.md', reason: 'symlink' }]),
    { file: 'logo.bin', reason: 'binary' },
  ]);
  expect(report.files.map((f) => f.path)).toEqual([
    'README.md',
    'docs/bom.md',
    'docs/crlf.txt',
    'latin1.txt',
    'run.sh',
  ]);
  expect(report.changesByRule).toEqual({ 'repo-url': 4, 'blob-to-src': 1 });
}

describe('rewriteFiles', () => {
  it('in a git repository: rewrites tracked and untracked files, skips ignored, Go, binary, large and symlinked files', async () => {
    await makeFixture();
    await git('init', '-q');
    await git(
      'add',
      'README.md',
      'docs',
      'run.sh',
      'main.go',
      'go.mod',
      'logo.bin',
      'big.txt',
      '.gitignore',
      'link.md',
    );
    await git('commit', '-qm', 'init');
    const report = await rewriteFiles([], options({ maxFileBytes: 2000 }));
    await checkOutcome(report, true);
    expect(report.filesListed).toBe(10); // all but ignored/out.txt and the two Go files
    expect(report.goFilesSkipped).toBe(2);
    expect(report.filesRead).toBeLessThan(report.filesListed); // clean.md and .gitignore never opened
    const again = await rewriteFiles([], options({ maxFileBytes: 2000 }));
    expect(again.changeCount).toBe(0);
  });

  it('names the submodules it does not descend into, under the paths it was given', async () => {
    // A real submodule: a second repository added by path (file protocol allowed for the test).
    const other = await mkdtemp(join(tmpdir(), 'molectl-gitea-sub-'));
    try {
      await execFile('git', ['init', '-q', other]);
      await writeFile(join(other, 'README.md'), `see ${OLD}\n`);
      await execFile(
        'git',
        ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'x', '--allow-empty'],
        { cwd: other },
      );
      await execFile('git', ['add', 'README.md'], { cwd: other });
      await execFile('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'readme'], {
        cwd: other,
      });
      await put('README.md', `# x\nClone ${OLD}.git\n`);
      await git('init', '-q');
      await git('add', 'README.md');
      await git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', other, 'vendor/sm');
      await git('commit', '-qm', 'init');
      const report = await rewriteFiles([], options());
      expect(report.submodulesSkipped).toEqual(['vendor/sm']);
      // Its files are another repository's: not rewritten here.
      expect(await readFile(join(dir, 'vendor/sm/README.md'), 'utf8')).toBe(`see ${OLD}\n`);
      expect((await rewriteFiles(['vendor'], options({ write: false }))).submodulesSkipped).toEqual(['vendor/sm']);
      expect((await rewriteFiles(['.'], options({ write: false }))).submodulesSkipped).toEqual(['vendor/sm']);
      await put('docs/a.md', 'x\n');
      expect((await rewriteFiles(['docs'], options({ write: false }))).submodulesSkipped).toEqual([]);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it.each([true, false])(
    "never lists its own in-flight temp files, which a listing made mid-rewrite can catch; another process's are files (in git: %s)",
    async (inGit) => {
      // A listing of the tree runs while the first files are already being replaced: what it can
      // see of the rewrite is a temp file named as replace-file-atomically.ts names them.
      const own = `.README.md.molectl-${process.pid}-999999.tmp`;
      const leftover = '.README.md.molectl-1-1.tmp';
      await put('README.md', `${OLD}\n`);
      await put(own, `${OLD}\n`);
      await put(leftover, `${OLD}\n`);
      if (inGit) {
        await git('init', '-q');
        await git('add', 'README.md');
        await git('commit', '-qm', 'init');
      }
      const report = await rewriteFiles(inGit ? [] : ['.'], options());
      expect(report.files.map((f) => f.path)).toEqual([leftover, 'README.md']);
      expect(report.filesListed).toBe(2);
      expect(await readFile(join(dir, own), 'utf8')).toBe(`${OLD}\n`);
    },
  );

  it('outside git: walks honouring .gitignore with the same outcome', async () => {
    await makeFixture();
    const report = await rewriteFiles(['.'], options({ maxFileBytes: 2000 }));
    await checkOutcome(report, false);
    expect((await rewriteFiles(['.'], options({ maxFileBytes: 2000 }))).changeCount).toBe(0);
  });

  it('a binary or too-large file that still names the organisation needs a person (the gate fails), unless the ignore file keeps it', async () => {
    // The reference straddles the first 1 MiB read of the large file, on its third line.
    const head = `a\nb\n${'x'.repeat(1024 * 1024 - 20)}`;
    await put('dist/app.min.js', `${head}${OLD}/blob/main/x.js";\n${'y'.repeat(300 * 1024)}`);
    await put('logo.bin', Buffer.concat([Buffer.from([0, 1, 10]), Buffer.from(`meta ${OLD}`)]));
    await put('other.bin', Buffer.concat([Buffer.from([0, 1]), Buffer.from('https://github.com/actions/checkout')]));
    await put('kept/vendor.min.js', `${'z'.repeat(2048)}${OLD}`);
    await put('.molectl-gitea-ignore', 'kept/**  a vendored bundle, replaced on the next upgrade\n');
    const report = await rewriteFiles([], options({ maxFileBytes: 1024 }));
    expect(report.findings.map((f) => [f.file, f.line, f.rule, f.blocking])).toEqual([
      ['dist/app.min.js', 3, 'unread-file', true],
      ['logo.bin', 2, 'unread-file', true],
    ]);
    expect(report.findings[0]!.match).toBe('github.com/Molecule-AI');
    expect(report.findings[0]!.reason).toContain('--max-size 2MiB');
    expect(report.acknowledged.map((a) => [a.file, a.by])).toEqual([['kept/vendor.min.js', 'ignore-file']]);
    // Never rewritten, whatever the mode.
    expect(await readFile(join(dir, 'dist/app.min.js'), 'utf8')).toContain(OLD);
    expect(report.skipped.map((s) => s.file)).toEqual([
      'dist/app.min.js',
      'kept/vendor.min.js',
      'logo.bin',
      'other.bin',
    ]);
  });

  it('a dry run changes nothing and hands over diffs in listing order', async () => {
    await put('b.md', `${OLD}\n`);
    await put('a.md', `x\n${OLD}/pull/3\n${OLD}/tree/main\n`);
    const seen: ChangedFile[] = [];
    const report = await rewriteFiles(
      ['.'],
      options({ write: false, wantDiff: true, onFileChanged: (f) => void seen.push(f) }),
    );
    expect(await readFile(join(dir, 'b.md'), 'utf8')).toBe(`${OLD}\n`);
    expect(seen.map((f) => [f.path, f.written])).toEqual([
      ['a.md', false],
      ['b.md', false],
    ]);
    expect(seen[0]?.diff).toBe(
      [
        '--- a/a.md',
        '+++ b/a.md',
        '@@ -1,3 +1,3 @@',
        ' x',
        ` ${OLD}/pull/3`,
        `-${OLD}/tree/main`,
        `+${NEW}/src/branch/main`,
        '',
      ].join('\n'),
    );
    expect(report.findings).toMatchObject([{ file: 'a.md', line: 2, rule: 'pull-link' }]);
  });

  it('in a git repository, what a search of every file lists: tracked and untracked files in path order, files the work tree holds for assume-unchanged and skip-worktree entries, no tracked file that .gitignore names', async () => {
    await git('init', '-q');
    await put('.gitignore', '*.log\nbuild/\n');
    await put('b-tracked.md', `${OLD}\n`);
    await put('d/tracked.md', `${OLD}\n`);
    await put('kept.log', `${OLD}\n`); // tracked, though ignored
    await put('build/out.md', `${OLD}\n`); // tracked, in an ignored directory
    await put('assumed.md', 'nothing yet\n');
    await put('sparse.md', `${OLD}\n`);
    await git('add', '-A');
    await git('add', '-f', 'kept.log', 'build/out.md');
    await git('commit', '-qm', 'init');
    await git('update-index', '--assume-unchanged', 'assumed.md');
    await put('assumed.md', `${OLD}\n`);
    await git('update-index', '--skip-worktree', 'sparse.md');
    await put('sparse.md', 'nothing now\n');
    await put('a-untracked.md', `${OLD}\n`);
    await put('c-untracked.md', `${OLD}\n`);
    await put('d/e-untracked.md', `${OLD}\n`);
    const seen: string[] = [];
    await rewriteFiles(['.'], options({ write: false, onFileChanged: (f) => void seen.push(f.path) }));
    // What `git grep --untracked` lists, in its order: it walks the work tree.
    expect(seen).toEqual([
      'a-untracked.md',
      'assumed.md',
      'b-tracked.md',
      'c-untracked.md',
      'd/e-untracked.md',
      'd/tracked.md',
    ]);
  });

  it('honours --include and --exclude globs, and rewriteGoFiles', async () => {
    await put('docs/a.md', `${OLD}\n`);
    await put('docs/vendor/b.md', `${OLD}\n`);
    await put('src/c.ts', `// ${OLD}\n`);
    await put('tools/d.go', `// ${OLD}\n`);
    const report = await rewriteFiles(
      ['.'],
      options({
        write: false,
        include: ['docs/**', '*.go'],
        exclude: ['**/vendor/**'],
        rules: buildRewriteRules({ rewriteGoFiles: true }),
      }),
    );
    expect(report.files.map((f) => f.path)).toEqual(['docs/a.md', 'tools/d.go']);
  });

  it('in git, counts the files the filters pass and the Go files among them, by name only, in every kind of run', async () => {
    const goFiles = ['go.mod', 'sub/go.sum', 'tools/x.go', 'go.work', 'a/go.work.sum', 'docs/.go'];
    const others = ['notgo.mod', 'go.modx', 'sub/xgo.sum', 'go', 'README.md', 'docs/a.md', 'docs/vendor/b.md'];
    for (const path of [...goFiles, ...others]) await put(path, 'nothing here\n');
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-qm', 'init');
    await put('docs/new.md', 'nothing here\n'); // untracked
    await put('sub2/go.mod', 'module x\n'); // untracked
    await put(`docs/.a.md.molectl-${process.pid}-999999.tmp`, 'nothing here\n'); // this process's temp file
    const cacheDir = join(dir, '..', `${dir.split('/').pop()}-cache`);
    try {
      // Without a memory, then its first, second and a later run: each lists the tree its own way.
      for (const cache of [undefined, cacheDir, cacheDir, cacheDir]) {
        const all = await rewriteFiles([], options({ cacheDir: cache }));
        expect([all.filesListed, all.goFilesSkipped]).toEqual([others.length + 1, goFiles.length + 1]);
        const withGo = await rewriteFiles(
          [],
          options({ cacheDir: cache, rules: buildRewriteRules({ rewriteGoFiles: true }) }),
        );
        expect([withGo.filesListed, withGo.goFilesSkipped]).toEqual([others.length + goFiles.length + 2, 0]);
        const docs = await rewriteFiles(
          [],
          options({ cacheDir: cache, include: ['docs/**'], exclude: ['**/vendor/**'] }),
        );
        expect([docs.filesListed, docs.goFilesSkipped]).toEqual([2, 1]); // docs/a.md, docs/new.md; docs/.go
      }
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });

  it('accepts single files as paths and refuses a missing one with a usage error', async () => {
    await put('a.md', `${OLD}\n`);
    const report = await rewriteFiles(['a.md'], options());
    expect(report.changeCount).toBe(1);
    await expect(rewriteFiles(['nope'], options())).rejects.toMatchObject({ code: 2 });
  });

  it("honours the repository's ignore file from a subdirectory, and never rewrites the ignore file itself", async () => {
    await git('init', '-q');
    await put(
      '.molectl-gitea-ignore',
      `docs/history.md  archived page, kept as published (${OLD})\ndocs/a.md:2  quotes the old address on purpose\n`,
    );
    await put('docs/history.md', `${OLD}\n${OLD}/pull/9\n`);
    await put('docs/a.md', `${OLD}\n${OLD}\n`);
    const report = await rewriteFiles(['docs'], options());
    expect(await readFile(join(dir, 'docs/history.md'), 'utf8')).toBe(`${OLD}\n${OLD}/pull/9\n`);
    expect(await readFile(join(dir, 'docs/a.md'), 'utf8')).toBe(`${NEW}\n${OLD}\n`);
    expect(await readFile(join(dir, '.molectl-gitea-ignore'), 'utf8')).toContain(OLD);
    expect(report.findings).toEqual([]);
    expect(report.acknowledged.map((a) => [a.file, a.line, a.by, a.reason])).toEqual([
      ['docs/a.md', 2, 'ignore-file', 'quotes the old address on purpose (.molectl-gitea-ignore:2)'],
      ['docs/history.md', 1, 'ignore-file', `archived page, kept as published (${OLD}) (.molectl-gitea-ignore:1)`],
      ['docs/history.md', 2, 'ignore-file', `archived page, kept as published (${OLD}) (.molectl-gitea-ignore:1)`],
    ]);
  });
});
