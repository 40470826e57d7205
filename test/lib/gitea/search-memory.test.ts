import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from '../../../src/lib/exec.js';
import { rewriteFiles, type RewriteFilesOptions, type RewriteReport } from '../../../src/lib/gitea/rewrite-files.js';
import { buildRewriteRules } from '../../../src/lib/gitea/rewrite-rules.js';

// What a search of a work tree learns for the next one (search-memory.ts): a run with a
// memory must list, change and report exactly what a run without one does, whatever happened to
// the tree in between; only the number of files searched may differ.

const OLD = 'https://github.com/Molecule-AI/molecule-monorepo';

let root: string;
let dir: string;
let cacheDir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'molectl-gitea-memory-'));
  dir = join(root, 'repo');
  cacheDir = join(root, 'cache');
  await mkdir(dir);
  await git('init', '-q');
  for (let i = 0; i < 30; i++) await put(`src/clean${i}.md`, `nothing to see in file ${i}\n`);
  await put('docs/a.md', `Clone ${OLD}.git\n`);
  await put('docs/pr.md', `See ${OLD}/pull/7\n`);
  await put('tools/main.go', `// ${OLD}\npackage main\n`);
  await put('logo.bin', Buffer.concat([Buffer.from(`${OLD}\n`), Buffer.from([0, 1, 2])]));
  await git('add', '-A');
  await git('commit', '-qm', 'init');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(path: string, content: string | Buffer): Promise<void> {
  await mkdir(join(dir, path, '..'), { recursive: true });
  await writeFile(join(dir, path), content);
}

async function git(...args: string[]): Promise<string> {
  const r = await execFile('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir });
  return r.stdout;
}

function options(overrides: Partial<RewriteFilesOptions> = {}): RewriteFilesOptions {
  return {
    rules: buildRewriteRules(),
    write: false,
    include: [],
    exclude: [],
    maxFileBytes: 1024 * 1024,
    exec: execFile,
    cwd: dir,
    cacheDir,
    ...overrides,
  };
}

/** Everything a user sees of a report, minus how many files were searched. */
function seen(report: RewriteReport): unknown {
  const { filesSearched: _searched, ...rest } = report;
  return rest;
}

async function expectSameAsWithoutMemory(overrides: Partial<RewriteFilesOptions> = {}): Promise<RewriteReport> {
  const withMemory = await rewriteFiles([], options(overrides));
  const without = await rewriteFiles([], options({ ...overrides, cacheDir: undefined }));
  expect(seen(withMemory)).toEqual(seen(without));
  return withMemory;
}

describe('gitea rewrite remembers contents found free of GitHub references', () => {
  it('the first run only notes the directory, the second learns, the third searches only what may mention GitHub', async () => {
    const first = await rewriteFiles([], options());
    expect(first.filesSearched).toBe(first.filesListed);
    // A directory searched once (a CI runner) never pays for asking git what changed.
    const [noted] = await readdir(join(cacheDir, 'gitea-rewrite'));
    const note = JSON.parse(await readFile(join(cacheDir, 'gitea-rewrite', noted!), 'utf8'));
    expect(note).toMatchObject({ triggerFree: [], listed: ['docs/a.md', 'docs/pr.md', 'logo.bin'] });
    const learning = await rewriteFiles([], options());
    expect(learning.filesSearched).toBe(learning.filesListed);
    const second = await expectSameAsWithoutMemory();
    expect(second.filesListed).toBe(33); // 30 clean, 2 docs, the binary; Go files are out of scope
    expect(second.filesSearched).toBe(3); // the files that mention it: their blobs are never remembered
    expect(second.files.map((f) => f.path)).toEqual(['docs/a.md']);
    // logo.bin is binary, never rewritten, but it names the organisation: the gate must know.
    expect(second.findings.map((f) => f.file)).toEqual(['docs/pr.md', 'logo.bin']);
    expect(second.skipped).toEqual([{ file: 'logo.bin', reason: 'binary' }]);
    // Where the next run looks first: what this one listed.
    const [file] = await readdir(join(cacheDir, 'gitea-rewrite'));
    const document = JSON.parse(await readFile(join(cacheDir, 'gitea-rewrite', file!), 'utf8'));
    expect(document.listed).toEqual(['docs/a.md', 'docs/pr.md', 'logo.bin']);
    expect(document.triggerFree).toHaveLength(30);
  });

  it('remembers clean executables like any regular file, and never a symlink (its blob is the link, not what it points to)', async () => {
    await chmod(join(dir, 'src/clean0.md'), 0o755);
    await symlink('clean1.md', join(dir, 'src/link.md'));
    await git('add', '-A');
    await git('commit', '-qm', 'executable and link');
    await rewriteFiles([], options());
    await rewriteFiles([], options());
    const later = await expectSameAsWithoutMemory();
    // The 3 files that mention GitHub, and the link: read again each run, as a search of everything would.
    expect(later.filesSearched).toBe(4);
  });

  it('finds a reference added to a remembered file, in a new file and in a commit checked out since', async () => {
    await rewriteFiles([], options());
    await put('src/clean3.md', `now see ${OLD}\n`); // modified, same path
    await put('src/new.md', `Clone ${OLD}\n`); // untracked
    expect((await expectSameAsWithoutMemory()).files.map((f) => f.path)).toEqual([
      'docs/a.md',
      'src/clean3.md',
      'src/new.md',
    ]);
    // Committed: the file is unmodified again, but holds a blob nobody searched.
    await git('add', '-A');
    await git('commit', '-qm', 'more');
    const committed = await expectSameAsWithoutMemory();
    expect(committed.files.map((f) => f.path)).toEqual(['docs/a.md', 'src/clean3.md', 'src/new.md']);
    expect(committed.filesSearched).toBe(5);
  });

  it("a memory of another directory found under this one's name (a clash of hashes) is not used", async () => {
    // Another work tree, whose memory knows one clean blob.
    const otherDir = join(root, 'other');
    await mkdir(otherDir);
    await execFile('git', ['init', '-q'], { cwd: otherDir });
    await writeFile(join(otherDir, 'README.md'), 'nothing here\n');
    const inOther = ['-c', 'user.email=t@example.com', '-c', 'user.name=t'];
    await execFile('git', [...inOther, 'add', '-A'], { cwd: otherDir });
    await execFile('git', [...inOther, 'commit', '-qm', 'init'], { cwd: otherDir });
    const otherOptions = options({ cwd: otherDir });
    await rewriteFiles([], otherOptions);
    await rewriteFiles([], otherOptions); // learns README.md's blob as clean, in the other directory
    await rewriteFiles([], options()); // notes this directory
    const names = await readdir(join(cacheDir, 'gitea-rewrite'));
    expect(names).toHaveLength(2);
    const documents = await Promise.all(
      names.map(async (name) => ({
        name,
        document: JSON.parse(await readFile(join(cacheDir, 'gitea-rewrite', name), 'utf8')),
      })),
    );
    const mine = documents.find((d) => d.document.workTree === dir)!;
    const theirs = documents.find((d) => d.document.workTree === otherDir)!;
    expect(theirs.document.triggerFree).toHaveLength(1);
    // Their memory, filed under this directory's name, with this directory's clean blobs too.
    const blobs = (await git('ls-files', '-s')).match(/\b[0-9a-f]{40}\b/g)!;
    await writeFile(
      join(cacheDir, 'gitea-rewrite', mine.name),
      JSON.stringify({ ...theirs.document, triggerFree: [...blobs] }),
    );
    const report = await expectSameAsWithoutMemory();
    expect(report.filesSearched).toBe(report.filesListed);
  });

  it('a later run hands files over as before: first what the last search listed (untracked ones too), then the rest', async () => {
    await put('aaa.md', 'clean for now\n');
    await git('add', 'aaa.md');
    await git('commit', '-qm', 'aaa');
    await put('docs/new.md', `Clone ${OLD}\n`); // untracked, listed by the last search
    await rewriteFiles([], options());
    await rewriteFiles([], options());
    await put('aaa.md', `now see ${OLD}\n`); // modified since: searched after what was listed
    const order: string[] = [];
    const report = await rewriteFiles([], options({ onFileChanged: (f) => void order.push(f.path) }));
    expect(report.filesSearched).toBeLessThan(report.filesListed);
    expect(order).toEqual(['docs/a.md', 'docs/new.md', 'aaa.md']);
  });

  it('writes: files rewritten by one run are searched again by the next, which finds nothing left', async () => {
    await rewriteFiles([], options());
    const written = await rewriteFiles([], options({ write: true }));
    expect(written.filesChanged).toBe(1);
    const again = await expectSameAsWithoutMemory();
    expect(again.changeCount).toBe(0);
    expect(again.findings.map((f) => f.file)).toEqual(['docs/pr.md', 'logo.bin']);
  });

  it('deleted files, remembered or not, are not reported; a listed file now ignored is not searched first', async () => {
    await rewriteFiles([], options());
    await rm(join(dir, 'docs/a.md'));
    await rm(join(dir, 'src/clean1.md'));
    const report = await expectSameAsWithoutMemory();
    expect(report.files).toEqual([]);
    expect(report.skipped).toEqual([{ file: 'logo.bin', reason: 'binary' }]);
    // docs/pr.md was listed by the last search (a hint of where to look first), then left the
    // index and became ignored: no search of everything would look at it.
    await git('rm', '-q', '--cached', 'docs/pr.md');
    await put('.gitignore', 'docs/pr.md\n');
    const ignored = await expectSameAsWithoutMemory();
    expect(ignored.findings.map((f) => f.file)).toEqual(['logo.bin']);
  });

  it('a memory of another owner, a broken memory file or an unwritable cache change nothing but the speed', async () => {
    await rewriteFiles([], options());
    await rewriteFiles([], options());
    const otherOwner = options({ rules: buildRewriteRules({ githubOwner: 'Other-Org' }) });
    const other = await rewriteFiles([], otherOwner);
    expect(other.filesSearched).toBe(other.filesListed);
    await rewriteFiles([], otherOwner);

    const files = await readdir(join(cacheDir, 'gitea-rewrite'));
    expect(files).toHaveLength(2); // one per owner
    for (const file of files) {
      const path = join(cacheDir, 'gitea-rewrite', file);
      const document = JSON.parse(await readFile(path, 'utf8'));
      expect(document).toMatchObject({ format: 'molectl-gitea-search-memory', version: 3 });
      expect(document.triggerFree[0]).toMatch(/^[0-9a-f]{40}$/);
      await writeFile(path, JSON.stringify({ ...document, triggerFree: ['not a blob id'] }));
    }
    const broken = await expectSameAsWithoutMemory();
    expect(broken.filesSearched).toBe(broken.filesListed);

    // A cache "directory" that is a file: nothing can be written under it.
    await rm(cacheDir, { recursive: true, force: true });
    await writeFile(cacheDir, '');
    const unwritable = await expectSameAsWithoutMemory();
    expect(unwritable.files.map((f) => f.path)).toEqual(['docs/a.md']);
  });

  it('a path in a merge conflict counts once, in the first run, the second and a later one', async () => {
    await put('docs/a.go', 'package docs\n'); // listed right before the path in conflict
    await git('add', 'docs/a.go');
    await git('commit', '-qm', 'go');
    await git('checkout', '-q', '-b', 'theirs');
    await put('docs/a.md', `Clone ${OLD}.git, theirs\n`);
    await git('commit', '-qam', 'theirs');
    await git('checkout', '-q', '-');
    await put('docs/a.md', `Clone ${OLD}.git, ours\n`);
    await git('commit', '-qam', 'ours');
    await expect(git('merge', '-q', 'theirs')).rejects.toThrow(); // docs/a.md: stages 1, 2 and 3
    expect((await git('ls-files', '-u')).trim().split('\n')).toHaveLength(3);
    await put('src/untracked.md', 'nothing here either\n');
    for (const run of ['first', 'second', 'later']) {
      const report = await expectSameAsWithoutMemory();
      expect(report.filesListed, run).toBe(34); // 30 clean, 2 docs, the binary, the untracked file
      expect(report.goFilesSkipped, run).toBe(2);
    }
  });

  it('without a cache directory (--no-cache) nothing is remembered', async () => {
    await rewriteFiles([], options({ cacheDir: undefined }));
    await expect(readdir(cacheDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a memory learnt with --include-go serves a run without it (Go files stay out of scope there)', async () => {
    const rules = buildRewriteRules({ rewriteGoFiles: true });
    await rewriteFiles([], options({ rules }));
    const again = await expectSameAsWithoutMemory({ rules });
    expect(again.files.map((f) => f.path)).toEqual(['docs/a.md', 'tools/main.go']);
    const defaults = await expectSameAsWithoutMemory();
    expect(defaults.goFilesSkipped).toBe(1);
  });
});
