import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from '../../src/lib/exec.js';
import { displayWidth } from '../../src/lib/output/display-width.js';
import { giteaRepoAnswer } from '../helpers/gitea-repo-answer.js';
import { runCli } from '../helpers/run-cli.js';

const OLD = 'https://github.com/Molecule-AI/molecule-monorepo';
const NEW = 'https://git.moleculesai.app/molecule-ai/molecule-core';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'molectl-gitea-cmd-'));
  await writeFile(
    join(dir, 'README.md'),
    `# core\n\nClone ${OLD}.git\nDocs: ${OLD}/blob/main/docs/index.md\nFixed in ${OLD}/pull/12\n`,
  );
  await writeFile(join(dir, 'clean.txt'), 'nothing to see\n');
  await execFile('git', ['init', '-q'], { cwd: dir });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * molectl as a user for whom modes matter: root reads and writes anywhere, so as root it runs as
 * `nobody` (the built bin, through runuser; undefined when there is no runuser), else in-process.
 */
async function runUnprivileged(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string } | undefined> {
  if (process.getuid?.() !== 0) return runCli(args);
  await chmod(dir, 0o777);
  const bin = join(__dirname, '..', '..', 'bin', 'molectl.js');
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    XDG_STATE_HOME: join(dir, '.state'),
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'safe.directory',
    GIT_CONFIG_VALUE_0: '*',
  };
  const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, bin, ...args], { env, encoding: 'utf8' });
  return r.error ? undefined : { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('molectl gitea rewrite', () => {
  /** `gitea rewrite <dir> --write --verify-remote` against the Gitea at giteaUrl. */
  const writeVerified = (giteaUrl: string, options?: Parameters<typeof runCli>[1]): ReturnType<typeof runCli> =>
    runCli(['gitea', 'rewrite', dir, '--write', '--verify-remote', '--gitea-url', giteaUrl], options);

  it('dry run by default: prints the diff and summary on stdout, findings on stderr, changes nothing', async () => {
    const run = await runCli(['gitea', 'rewrite', dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`--- a/${dir}/README.md`);
    expect(run.stdout).toContain(`+Clone ${NEW}.git`);
    expect(run.stdout).toContain('would rewrite   2 changes in 1 file\n');
    // How to apply it is a hint: stderr.
    expect(run.stderr).toContain('dry run: nothing written; --write applies it');
    expect(run.stdout).toContain('needs a person  1 reference to github.com/Molecule-AI (listed on stderr)');
    expect(run.stdout).toMatch(/by rule: (repo-url 1, blob-to-src 1|blob-to-src 1, repo-url 1)/);
    expect(run.stderr).toContain(`${dir}/README.md:5: [pull-link]`);
    expect(run.stdout).not.toContain('[pull-link]');
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(`Clone ${OLD}.git`);
  });

  // A repository's file names and lines are text from outside: a line holding ESC[2J cleared the
  // operator's screen from the findings on stderr, and from the diff on a terminal.
  it('shows controls in file names and lines escaped on a terminal; piped, the diff keeps the bytes', async () => {
    await writeFile(
      join(dir, 'evil\u001b[31m.md'),
      `see ${OLD}/pull/3 \u001b[2J\u001b]0;pwned\u0007\nClone ${OLD}.git\n`,
    );
    await writeFile(join(dir, '文档说明.md'), `Clone ${OLD}.git\n`);
    const onTerminal = await runCli(['gitea', 'rewrite', dir], {
      stdoutIsTTY: true,
      stderrIsTTY: true,
      env: { NO_COLOR: '1' },
    });
    for (const text of [onTerminal.stdout, onTerminal.stderr]) expect(text).not.toMatch(/\u001b\[(2J|31m)|\u001b\]0/);
    expect(onTerminal.stderr).toContain(`${dir}/evil\\e[31m.md:1: [pull-link]`);
    expect(onTerminal.stderr).toContain(`\\e[2J\\e]0;pwned\\a`);
    expect(onTerminal.stdout).toContain(` see ${OLD}/pull/3 \\e[2J`);
    // The count column lines up after a CJK name (two columns a character) and an escaped one.
    const byFile = onTerminal.stdout
      .split('by file:\n')[1]!
      .split('\n')
      .filter((l) => l.startsWith('  '));
    const countAt = byFile.map((l) => displayWidth(l.slice(0, l.search(/ {2}\d+ {2}\S+ \d/))));
    expect(new Set(countAt).size).toBe(1);
    const piped = await runCli(['gitea', 'rewrite', dir]);
    expect(piped.stdout).toContain(` see ${OLD}/pull/3 \u001b[2J`);
  });

  // `gitea rewrite docs /typo --write` rewrote docs, then stopped at the typo with exit 2, which
  // promises nothing was changed; and any missing path printed a "Scanning files" step first.
  it('a path that does not exist is exit 2 before any file is written, with no step started', async () => {
    const missing = join(dir, 'no-such-dir');
    const run = await runCli(['gitea', 'rewrite', dir, missing, '--write']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: ${missing}: no such file or directory\nhint: name a directory or file inside the repository to rewrite\n`,
    );
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(`Clone ${OLD}.git`);
  });

  it('--check exits 8 while anything would be rewritten or needs a person; --write says how many remain', async () => {
    const before = await runCli(['gitea', 'rewrite', dir, '--check', '--no-diff']);
    expect(before.code).toBe(8);
    expect(before.stdout).toContain('check failed: 2 changes would rewrite 1 file, 1 reference needs a person');
    const write = await runCli(['gitea', 'rewrite', dir, '--write']);
    expect(write.code).toBe(0);
    expect(write.stdout).toContain('rewrote         2 changes in 1 file');
    expect(write.stdout).toContain(
      'needs a person  1 reference to github.com/Molecule-AI remains: fix by hand or acknowledge (listed on stderr)',
    );
    expect(write.stderr).toContain(`${dir}/README.md:5: [pull-link]`);
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toBe(
      `# core\n\nClone ${NEW}.git\nDocs: ${NEW}/src/branch/main/docs/index.md\nFixed in ${OLD}/pull/12\n`,
    );
    // The pull request link stays, so the gate still fails: that is the point of an honest gate.
    const after = await runCli(['gitea', 'rewrite', dir, '--check']);
    expect(after.code).toBe(8);
    expect(after.stdout).toContain('check failed: 1 reference needs a person');
    const again = await runCli(['gitea', 'rewrite', dir, '--write', '-o', 'json']);
    expect(JSON.parse(again.stdout)).toMatchObject({
      changeCount: 0,
      gate: { rewrite: 0, needsPerson: 1, acknowledged: 0, passed: false },
    });
  });

  it('--check exits 0 on a repository whose only references are acknowledged, by marker or ignore file', async () => {
    await writeFile(
      join(dir, 'README.md'),
      `# core\n\nFixed in ${OLD}/pull/12 <!-- molectl-gitea: keep -->\ngo install github.com/Molecule-AI/tool@latest # molectl-gitea: keep\n`,
    );
    await writeFile(join(dir, 'CHANGELOG.md'), `## 1.0\n- ${OLD}/pull/3\n- github.com/Molecule-AI/cli was renamed\n`);
    await writeFile(
      join(dir, '.molectl-gitea-ignore'),
      '# kept on purpose\nCHANGELOG.md  release notes keep the links of their time (github.com/Molecule-AI)\n',
    );
    const run = await runCli(['gitea', 'rewrite', dir, '--check']);
    expect(run.stderr).not.toContain('[');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'check passed: no reference to github.com/Molecule-AI left (4 acknowledged references)',
    );
    expect(run.stdout).toContain('acknowledged    4 references on 4 lines (inline marker 2, .molectl-gitea-ignore 2)');
    const json = JSON.parse((await runCli(['gitea', 'rewrite', dir, '--check', '-o', 'json'])).stdout);
    expect(json.acknowledged).toContainEqual(
      expect.objectContaining({
        file: `${dir}/CHANGELOG.md`,
        line: 2,
        by: 'ignore-file',
        reason: `release notes keep the links of their time (github.com/Molecule-AI) (${dir}/.molectl-gitea-ignore:2)`,
      }),
    );
    // --write leaves acknowledged lines as they are.
    expect((await runCli(['gitea', 'rewrite', dir, '--write'])).code).toBe(0);
    expect(await readFile(join(dir, 'CHANGELOG.md'), 'utf8')).toContain('github.com/Molecule-AI/cli was renamed');
  });

  it('--check exits 8 on one unacknowledged scheme-less reference, whether rewritable or a Go path', async () => {
    await writeFile(join(dir, 'README.md'), `# core\n\nFixed in ${OLD}/pull/12 <!-- molectl-gitea: keep -->\n`);
    expect((await runCli(['gitea', 'rewrite', dir, '--check'])).code).toBe(0);
    await writeFile(join(dir, 'notes.md'), 'Source: github.com/Molecule-AI/cli\n');
    const rewritable = await runCli(['gitea', 'rewrite', dir, '--check', '--no-diff']);
    expect(rewritable.code).toBe(8);
    expect(rewritable.stdout).toContain('check failed: 1 change would rewrite 1 file');
    await writeFile(join(dir, 'notes.md'), 'go get github.com/Molecule-AI/cli\n');
    const goPath = await runCli(['gitea', 'rewrite', dir, '--check']);
    expect(goPath.code).toBe(8);
    expect(goPath.stdout).toContain('check failed: 1 reference needs a person');
    expect(goPath.stderr).toContain(`${dir}/notes.md:1: [go-import-path]`);
  });

  // A 10 MB minified bundle and a binary that named the organisation were skipped, and --check
  // then said "check passed: no reference to github.com/Molecule-AI left".
  it('--check exits 8 while a binary or over-size file still names the organisation, 0 once the ignore file keeps them', async () => {
    await writeFile(join(dir, 'README.md'), '# core\n');
    await writeFile(join(dir, 'bundle.min.js'), `var u="${OLD}";${'x=1;'.repeat(1024)}`);
    await writeFile(join(dir, 'icon.ico'), Buffer.concat([Buffer.from([0, 0, 1, 0]), Buffer.from(OLD)]));
    const check = await runCli(['gitea', 'rewrite', dir, '--check', '--max-size', '2k']);
    expect(check.code).toBe(8);
    expect(check.stdout).toContain('check failed: 2 references need a person');
    expect(check.stderr).toContain(`${dir}/bundle.min.js:1: [unread-file] a file over --max-size (4.1 KiB)`);
    expect(check.stderr).toContain(`${dir}/icon.ico:1: [unread-file] a binary file names the moved organisation`);
    await writeFile(
      join(dir, '.molectl-gitea-ignore'),
      'bundle.min.js  built from the sources\nicon.ico  old artwork\n',
    );
    const kept = await runCli(['gitea', 'rewrite', dir, '--check', '--max-size', '2k']);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain(
      'check passed: no reference to github.com/Molecule-AI left (2 acknowledged references)',
    );
  });

  // A file in a directory molectl may not write stopped the run half-way ("unexpected error:
  // EACCES", exit 1), the files before it written and those after it not.
  it.skipIf(process.platform === 'win32')(
    '--write goes on past a file it may not write, lists it as not written, and exits 5 (partial)',
    async () => {
      await mkdir(join(dir, 'locked'));
      await writeFile(join(dir, 'locked/b.md'), `b ${OLD}\n`);
      await writeFile(join(dir, 'z.md'), `z ${OLD}\n`);
      await chmod(join(dir, 'locked/b.md'), 0o666);
      await chmod(join(dir, 'locked'), 0o555);
      for (const f of ['README.md', 'clean.txt', 'z.md']) await chmod(join(dir, f), 0o666);
      const run = await runUnprivileged(['gitea', 'rewrite', dir, '--write', '--no-cache']);
      if (!run) return; // no runuser here: nothing to observe
      expect(run.code, run.stderr).toBe(5);
      expect(run.stderr).toContain(`${dir}/locked/b.md:1: [not-written] could not write it (EACCES)`);
      expect(run.stderr).toContain('1 file needing changes could not be written (listed on stderr); the others were');
      expect(run.stdout).toContain('needs a person  2 references to github.com/Molecule-AI remain'); // README's pull link too
      expect(await readFile(join(dir, 'z.md'), 'utf8')).toBe(`z ${NEW}\n`);
      expect(await readFile(join(dir, 'locked/b.md'), 'utf8')).toBe(`b ${OLD}\n`);
      await chmod(join(dir, 'locked'), 0o755);
    },
  );

  // In a sparse checkout, `--check` said "check passed: ... 3 files looked at" while a file outside
  // the checkout (tracked, skip-worktree, absent from the work tree) named the organisation: git
  // grep never searches such files, and the rewrite found nothing to read.
  it('--check judges the index copies of files a sparse checkout leaves out; --write never creates them', async () => {
    const cache = join(dir, '..', `${dir.split('/').pop()}-cache`);
    const gitIn = (...args: string[]): Promise<unknown> =>
      execFile('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir });
    try {
      await mkdir(join(dir, 'hidden'));
      await writeFile(join(dir, 'hidden/deploy.md'), `one\nSee ${OLD}/pull/7\n`);
      await writeFile(join(dir, 'hidden/kept.md'), `${OLD}/pull/8 <!-- molectl-gitea: keep -->\n`);
      await writeFile(join(dir, 'hidden/clean.md'), 'nothing\n');
      await writeFile(join(dir, 'README.md'), '# core\n');
      await gitIn('add', '-A');
      await gitIn('commit', '-qm', 'init');
      await gitIn('sparse-checkout', 'set', '--no-cone', '/*', '!/hidden/');
      await expect(readFile(join(dir, 'hidden/deploy.md'))).rejects.toMatchObject({ code: 'ENOENT' });
      const env = { XDG_CACHE_HOME: cache };
      // The first run, the one that learns, and a later one list the tree differently.
      for (let run = 1; run <= 3; run++) {
        const check = await runCli(['gitea', 'rewrite', dir, '--check', '--no-diff'], { env });
        expect(check.code, `run ${run}`).toBe(8);
        expect(check.stdout).toContain('check failed: 1 reference needs a person');
        expect(check.stdout).toContain(
          'not in the work tree: 3 files (skip-worktree: a sparse checkout): searched in the index, never written',
        );
        expect(check.stderr).toContain(`${dir}/hidden/deploy.md:2: [unread-file] not in the work tree`);
      }
      const write = await runCli(['gitea', 'rewrite', dir, '--write', '--no-cache'], { env });
      expect(write.stdout).toContain('needs a person  1 reference to github.com/Molecule-AI remains');
      await expect(readFile(join(dir, 'hidden/deploy.md'))).rejects.toMatchObject({ code: 'ENOENT' });
      await writeFile(join(dir, '.molectl-gitea-ignore'), 'hidden/deploy.md  outside our checkout, owned by ops\n');
      const kept = await runCli(['gitea', 'rewrite', dir, '--check', '--no-cache'], { env });
      expect(kept.code).toBe(0);
      expect(kept.stdout).toContain(
        'check passed: no reference to github.com/Molecule-AI left (2 acknowledged references)',
      );
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  // `--check --include '*.mdx'` (a typo: the repository has .md files) and a check of an empty
  // directory said "check passed: no reference to github.com/Molecule-AI left; 0 files looked at".
  it('--check fails when a path given yields no file to look at: a filter matching nothing, an empty directory, a symlink', async () => {
    const typo = await runCli(['gitea', 'rewrite', dir, '--check', '--include', '*.mdx']);
    expect(typo.code).toBe(8);
    expect(typo.stdout).toContain(`check failed: no file looked at in ${dir}\n`);
    expect(typo.stdout).toContain(`not looked at: no file listed in ${dir} (empty, only ignored or Go files,`);
    await mkdir(join(dir, 'empty'));
    const empty = await runCli(['gitea', 'rewrite', join(dir, 'empty'), '--check', '-o', 'json']);
    expect(empty.code).toBe(8);
    expect(JSON.parse(empty.stdout)).toMatchObject({ rootsWithNothing: [join(dir, 'empty')], gate: { passed: false } });
    // A symlink named as the path is never followed: nothing looked at either.
    await symlink(join(dir, 'clean.txt'), join(dir, 'link.txt'));
    const link = await runCli(['gitea', 'rewrite', join(dir, 'link.txt'), '--check']);
    expect(link.code).toBe(8);
    expect(link.stdout).toContain(`check failed: no file looked at in ${join(dir, 'link.txt')}\n`);
    // A path with a file to look at still passes on its own.
    await writeFile(join(dir, 'README.md'), '# core\n');
    expect((await runCli(['gitea', 'rewrite', dir, '--check', '--include', '*.md'])).code).toBe(0);
  });

  // A Windows registry export (UTF-16LE with a byte-order mark) naming the organisation passed the
  // gate: git grep's terms and a byte reading never see `github.com` spelt with NULs between letters.
  it('--check reads UTF-16 and UTF-32 text with a byte-order mark: a reference in it fails the gate unless acknowledged', async () => {
    const wide = (text: string, encoding: 'utf16le' | 'utf16be'): Buffer => {
      const bytes = Buffer.from(`\uFEFF${text}`, 'utf16le');
      return encoding === 'utf16le' ? bytes : bytes.swap16();
    };
    await writeFile(join(dir, 'README.md'), '# core\n');
    await writeFile(
      join(dir, 'setup.reg'),
      wide(
        'Windows Registry Editor Version 5.00\r\n"Repo"="https://github.com/Molecule-AI/agent — 仓库"\r\n',
        'utf16le',
      ),
    );
    await writeFile(join(dir, 'clean.ps1'), wide('Write-Host "nothing here"\n', 'utf16be'));
    const utf32 = [...'\uFEFFgit clone https://github.com/Molecule-AI/agent\n'].map((c) => c.codePointAt(0)!);
    await writeFile(join(dir, 'notes.txt'), Buffer.from(new Uint32Array(utf32).buffer)); // little-endian
    // A binary file that holds a mark's bytes but no term is listed by the search, and not reported.
    await writeFile(join(dir, 'photo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0xff, 0xfe, 0, 1]));
    const video = Buffer.alloc(3 * 1024 * 1024); // over --max-size, read in pieces
    video.set([0xfe, 0xff], 2 * 1024 * 1024);
    await writeFile(join(dir, 'video.mp4'), video);
    const check = await runCli(['gitea', 'rewrite', dir, '--check']);
    expect(check.code).toBe(8);
    expect(check.stdout + check.stderr).not.toMatch(/photo\.png|video\.mp4/);
    expect(check.stdout).toContain('check failed: 2 references need a person');
    expect(check.stderr).toContain(
      `${dir}/notes.txt:1: [unread-file] a UTF-32LE text file names the moved organisation`,
    );
    expect(check.stderr).toContain(
      `${dir}/setup.reg:2: [unread-file] a UTF-16LE text file names the moved organisation (1 reference, the first on line 2)`,
    );
    expect(check.stderr).toContain('"Repo"="https://github.com/Molecule-AI/agent — 仓库"');
    // Never rewritten: a dry run shows no diff of it, and --write leaves its bytes alone.
    const before = await readFile(join(dir, 'setup.reg'));
    expect((await runCli(['gitea', 'rewrite', dir, '--write'])).code).toBe(0);
    expect(await readFile(join(dir, 'setup.reg'))).toEqual(before);
    await rm(join(dir, 'notes.txt'));
    await writeFile(
      join(dir, 'setup.reg'),
      wide('"Repo"="https://github.com/Molecule-AI/agent" ; molectl-gitea: keep\r\n', 'utf16le'),
    );
    const kept = await runCli(['gitea', 'rewrite', dir, '--check']);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain(
      'check passed: no reference to github.com/Molecule-AI left (1 acknowledged reference)',
    );
  });

  // A tracked file, an untracked one and a directory the user may not read: git grep warned on
  // stderr and went on, and --check said "check passed: ... 4 files looked at".
  it.skipIf(process.platform === 'win32')(
    '--check fails on files and directories it could not read, in git and outside it, unless acknowledged',
    async () => {
      await writeFile(join(dir, 'README.md'), '# core\n');
      await writeFile(join(dir, 'secret.md'), `${OLD}\n`);
      await execFile('git', ['add', '-A'], { cwd: dir });
      await writeFile(join(dir, 'untracked.md'), `${OLD}\n`);
      await mkdir(join(dir, 'private'));
      await writeFile(join(dir, 'private/x.md'), `${OLD}\n`);
      for (const f of ['README.md', 'clean.txt']) await chmod(join(dir, f), 0o644);
      await chmod(join(dir, 'secret.md'), 0o600);
      await chmod(join(dir, 'untracked.md'), 0o600);
      await chmod(join(dir, 'private'), 0o700);
      const inGit = await runUnprivileged(['gitea', 'rewrite', dir, '--check', '--no-cache']);
      if (!inGit) return; // no runuser here: nothing to observe
      expect(inGit.code, inGit.stderr).toBe(8);
      expect(inGit.stdout).toContain('check failed: 3 references need a person');
      expect(inGit.stderr).toContain(`${dir}/secret.md:1: [unread-file] not looked at: failed to stat 'secret.md'`);
      expect(inGit.stderr).toContain(`${dir}/untracked.md:1: [unread-file] not looked at:`);
      expect(inGit.stderr).toContain(`${dir}/private/:1: [unread-file] not looked at: could not open directory`);
      await rm(join(dir, '.git'), { recursive: true, force: true });
      const walked = await runUnprivileged(['gitea', 'rewrite', dir, '--check', '--no-cache']);
      expect(walked?.code).toBe(8);
      expect(walked?.stderr).toContain(`${dir}/private:1: [unread-file] not looked at: could not open the directory`);
      expect(walked?.stderr).toContain(`${dir}/secret.md:1: [unread-file] not looked at: could not be read`);
      await writeFile(
        join(dir, '.molectl-gitea-ignore'),
        'secret.md  kept from CI\nuntracked.md  scratch\nprivate  mounted secrets\n',
      );
      await chmod(join(dir, '.molectl-gitea-ignore'), 0o644);
      expect((await runUnprivileged(['gitea', 'rewrite', dir, '--check', '--no-cache']))?.code).toBe(0);
      await chmod(join(dir, 'private'), 0o755);
    },
  );

  // A checkout without LFS content (CI's default) holds pointers: --check read the pointer text,
  // found nothing, and said "check passed", though the files' content was never looked at.
  it('--check fails on Git LFS pointers, whose content is not in the work tree, unless acknowledged', async () => {
    const pointer =
      'version https://git-lfs.github.com/spec/v1\n' +
      'oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n';
    await writeFile(join(dir, 'README.md'), '# core\n');
    await mkdir(join(dir, 'art'));
    await writeFile(join(dir, 'art/cover.psd'), pointer);
    const check = await runCli(['gitea', 'rewrite', dir, '--check']);
    expect(check.code).toBe(8);
    expect(check.stderr).toContain(
      `${dir}/art/cover.psd:1: [unread-file] a Git LFS pointer: the file's content is not in the work tree`,
    );
    expect(check.stdout).toContain(
      'not looked at: 1 Git LFS file (only their pointers are in the work tree; listed on stderr)',
    );
    await writeFile(join(dir, '.molectl-gitea-ignore'), 'art/**  artwork, checked when it is made\n');
    const kept = await runCli(['gitea', 'rewrite', dir, '--check']);
    expect(kept.code).toBe(0);
    expect(await readFile(join(dir, 'art/cover.psd'), 'utf8')).toBe(pointer);
  });

  it('names the submodules it does not descend into, and rewrites their URLs in .gitmodules', async () => {
    await writeFile(join(dir, '.gitmodules'), `[submodule "sm"]\n\tpath = vendor/sm\n\turl = ${OLD}-sm.git\n`);
    await mkdir(join(dir, 'vendor', 'sm'), { recursive: true });
    const run = await runCli(['gitea', 'rewrite', dir, '--write']);
    expect(run.stdout + run.stderr).toContain(
      `not looked at: 1 submodule (${dir}/vendor/sm): each is its own repository; rewrite it there`,
    );
    expect(await readFile(join(dir, '.gitmodules'), 'utf8')).toContain(
      'url = https://git.moleculesai.app/molecule-ai/molecule-monorepo-sm.git',
    );
  });

  // An untracked clone inside the tree (not a submodule): git grep does not enter it, yet the
  // summary counted it as a file looked at and never named it.
  it('names the untracked repositories inside the tree it does not enter, and does not count them as files', async () => {
    await mkdir(join(dir, 'vendor/other'), { recursive: true });
    await execFile('git', ['init', '-q'], { cwd: join(dir, 'vendor/other') });
    await writeFile(join(dir, 'vendor/other/a.md'), `${OLD}\n`);
    // README.md and clean.txt are the files; with a filter, README.md alone.
    for (const [extra, listed] of [
      [[], '2 files'],
      [['--include', '*.md'], '1 file'],
    ] as const) {
      const run = await runCli(['gitea', 'rewrite', dir, '--check', '--no-diff', '--no-cache', ...extra]);
      expect(run.stderr).toContain(`scanning: ${listed} listed`);
      expect(run.stdout).toContain(
        `not looked at: 1 repository inside (${dir}/vendor/other), untracked here: each is its own repository; rewrite it there`,
      );
    }
  });

  it('refuses an ignore file entry without a reason with exit 2, changing nothing', async () => {
    await writeFile(join(dir, '.molectl-gitea-ignore'), 'CHANGELOG.md\n');
    const run = await runCli(['gitea', 'rewrite', dir, '--write']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${dir}/.molectl-gitea-ignore:1: "CHANGELOG.md" has no reason`);
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(OLD);
  });

  it('the dry-run diff of CRLF and BOM files applies: `molectl gitea rewrite > p.diff && git apply --check p.diff`', async () => {
    await writeFile(join(dir, 'crlf.md'), `\uFEFF# title\r\nClone ${OLD}.git\r\nthree\r\n`);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const run = await runCli(['gitea', 'rewrite']);
      expect(run.code).toBe(0);
      await writeFile(join(dir, 'p.diff'), run.stdout);
      const check = spawnSync('git', ['apply', '--check', 'p.diff'], { cwd: dir, encoding: 'utf8' });
      expect(check.status, check.stderr).toBe(0);
      expect(spawnSync('git', ['apply', 'p.diff'], { cwd: dir }).status).toBe(0);
      expect(await readFile(join(dir, 'crlf.md'), 'utf8')).toBe(`\uFEFF# title\r\nClone ${NEW}.git\r\nthree\r\n`);
    } finally {
      process.chdir(cwd);
    }
  });

  // A file name with a newline split the diff's header: `git apply` refused the whole diff.
  it('the dry-run diff applies whatever the file names: newline, tab, quote, backslash, space, non-ASCII', async () => {
    const names = ['new\nline.md', 'tab\there.md', 'say "hi".md', 'back\\slash.md', 'a file.md', 'ünï.md'];
    for (const name of names) await writeFile(join(dir, name), `see ${OLD}\n`);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const run = await runCli(['gitea', 'rewrite']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('--- "a/new\\nline.md"\n+++ "b/new\\nline.md"\n');
      await writeFile(join(dir, 'p.diff'), run.stdout);
      const check = spawnSync('git', ['apply', '--check', 'p.diff'], { cwd: dir, encoding: 'utf8' });
      expect(check.status, check.stderr).toBe(0);
      expect(spawnSync('git', ['apply', 'p.diff'], { cwd: dir }).status).toBe(0);
      for (const name of names) expect(await readFile(join(dir, name), 'utf8')).toBe(`see ${NEW}\n`);
    } finally {
      process.chdir(cwd);
    }
  });

  // A Latin-1 file's diff was printed decoded (its é as U+FFFD), so `git apply` found no match and
  // refused the whole diff, every other file's changes with it.
  it('the dry-run diff of a file that is not UTF-8 carries its bytes and applies, as --write would write it', async () => {
    const latin1 = Buffer.concat([Buffer.from('caf\xe9 ', 'latin1'), Buffer.from(`${OLD} \xff\xfe\n`, 'latin1')]);
    await writeFile(join(dir, 'latin1.txt'), latin1);
    await writeFile(join(dir, 'utf8 é.md'), `é ${OLD}\n`);
    // Spawned: the bytes on a real stdout are what this is about.
    const bin = join(__dirname, '..', '..', 'bin', 'molectl.js');
    const env = { PATH: process.env.PATH ?? '', HOME: dir, XDG_STATE_HOME: join(dir, '.state') };
    const run = spawnSync(process.execPath, [bin, 'gitea', 'rewrite', '--no-cache'], { cwd: dir, env });
    expect(run.status, run.stderr.toString()).toBe(0);
    await writeFile(join(dir, 'p.diff'), run.stdout);
    const check = spawnSync('git', ['apply', '--check', 'p.diff'], { cwd: dir, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    expect(spawnSync('git', ['apply', 'p.diff'], { cwd: dir }).status).toBe(0);
    const expected = Buffer.from(latin1.toString('latin1').replace(OLD, NEW), 'latin1');
    expect(await readFile(join(dir, 'latin1.txt'))).toEqual(expected);
    expect(await readFile(join(dir, 'utf8 é.md'), 'utf8')).toBe(`é ${NEW}\n`);
  });

  it("moves placeholder owners in front of the organisation's repos, unless --no-placeholder-owners", async () => {
    await writeFile(
      join(dir, 'CONTRIBUTING.md'),
      'git clone https://github.com/your-org/molecule-core.git\ngit clone https://github.com/your-org/my-app.git\n',
    );
    const off = await runCli(['gitea', 'rewrite', dir, '--write', '--no-placeholder-owners']);
    expect(off.code).toBe(0);
    expect(await readFile(join(dir, 'CONTRIBUTING.md'), 'utf8')).toContain('github.com/your-org/molecule-core.git');
    const on = await runCli(['gitea', 'rewrite', dir, '--write', '--placeholder-owner', 'acme']);
    expect(on.code).toBe(0);
    expect(on.stdout).toContain('placeholder-owner 1');
    expect(await readFile(join(dir, 'CONTRIBUTING.md'), 'utf8')).toBe(
      'git clone https://git.moleculesai.app/molecule-ai/molecule-core.git\ngit clone https://github.com/your-org/my-app.git\n',
    );
  });

  it('--output json prints one document with schemaVersion, counts per rule and file, and findings', async () => {
    const run = await runCli(['gitea', 'rewrite', dir, '--output', 'json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.mode).toBe('dry-run');
    expect(doc.changesByRule).toEqual({ 'repo-url': 1, 'blob-to-src': 1 });
    expect(doc.files).toEqual([
      { path: `${dir}/README.md`, changes: 2, byRule: { 'repo-url': 1, 'blob-to-src': 1 }, written: false },
    ]);
    expect(doc.findings).toMatchObject([
      { file: `${dir}/README.md`, line: 5, rule: 'pull-link', text: `Fixed in ${OLD}/pull/12` },
    ]);
    expect(doc.changes[0]).toMatchObject({
      line: 3,
      renamedFrom: 'molecule-monorepo',
      target: 'molecule-ai/molecule-core',
    });
  });

  it('takes renames and owners from a rules file, flags winning over it', async () => {
    await writeFile(join(dir, 'rules.yaml'), 'renames:\n  molecule-monorepo: core-v2\ngiteaOwner: Other-Owner\n');
    const run = await runCli([
      'gitea',
      'rewrite',
      dir,
      '--rules',
      join(dir, 'rules.yaml'),
      '--gitea-owner',
      'flag-owner',
      '-o',
      'json',
    ]);
    expect(JSON.parse(run.stdout).changes[0].after).toBe('https://git.moleculesai.app/flag-owner/core-v2.git');
  });

  it.each([
    [['--write', '--check'], '--write and --check cannot be combined'],
    [['--max-size', 'lots'], '--max-size'],
    [['--rename', 'nope'], '--rename'],
    [['--gitea-url', 'ftp://x'], '--gitea-url must be https'],
    [['--gitea-url', 'http://git.example.com'], '--gitea-url: refusing plain http:// to git.example.com'],
    [['--placeholder-owner', 'a/b'], '--placeholder-owner'],
  ])('refuses bad input %j with exit 2', async (flags, message) => {
    const run = await runCli(['gitea', 'rewrite', dir, ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(OLD);
  });

  it('refuses plain http in the rules file too, but takes loopback', async () => {
    await writeFile(join(dir, 'rules.yaml'), 'giteaBaseUrl: http://git.example.com\n');
    const run = await runCli(['gitea', 'rewrite', dir, '--write', '--rules', join(dir, 'rules.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('rules.yaml: giteaBaseUrl: refusing plain http:// to git.example.com');
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(OLD);
    await writeFile(join(dir, 'rules.yaml'), 'giteaBaseUrl: http://127.0.0.1:3000\n');
    expect((await runCli(['gitea', 'rewrite', dir, '--write', '--rules', join(dir, 'rules.yaml')])).code).toBe(0);
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(
      'http://127.0.0.1:3000/molecule-ai/molecule-core.git',
    );
  });

  it('refuses a missing path and a rules file with an unknown field with exit 2', async () => {
    expect((await runCli(['gitea', 'rewrite', join(dir, 'nope')])).code).toBe(2);
    await writeFile(join(dir, 'bad.yaml'), 'githubOwnr: x\n');
    const run = await runCli(['gitea', 'rewrite', dir, '--rules', join(dir, 'bad.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('rules file');
  });

  it('stops on Ctrl-C with exit 130, writing nothing more', async () => {
    const controller = new AbortController();
    controller.abort();
    const run = await runCli(['gitea', 'rewrite', dir, '--write'], { signal: controller.signal });
    expect(run.code).toBe(130);
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(OLD);
  });

  describe('--verify-remote', () => {
    let server: Server;
    let url: string;
    const tokens: Array<string | undefined> = [];
    beforeEach(async () => {
      server = createServer((req, res) => {
        tokens.push(req.headers.authorization);
        if (req.url === '/api/v1/repos/molecule-ai/molecule-core')
          res.writeHead(200).end(giteaRepoAnswer('molecule-ai/molecule-core'));
        else if (req.url === '/catch-all/api/v1/repos/molecule-ai/molecule-core')
          res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Sign in</title>');
        else res.writeHead(404).end('{"message":"not found"}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('writes when every target exists, sending GITEA_TOKEN without printing it', async () => {
      const run = await writeVerified(url, {
        env: { GITEA_TOKEN: 'tok-1234567890' },
      });
      expect(run.code).toBe(0);
      expect(tokens.at(-1)).toBe('token tok-1234567890');
      expect(run.stdout + run.stderr).not.toContain('tok-1234567890');
      expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(`${url}/molecule-ai/molecule-core.git`);
    });

    it('writes nothing and exits 1 when the answer is a web page, not the repository: a 200 alone is no verdict', async () => {
      const run = await writeVerified(`${url}/catch-all`);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        "nothing was written: 1 of 1 target repositories not confirmed on Gitea: 1 unknown: no verdict from Gitea (Gitea answered 200 without the repository's full_name",
      );
      expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(OLD);
    });

    it('writes nothing and exits 1 when a target is missing on Gitea', async () => {
      await writeFile(join(dir, 'more.md'), 'https://github.com/Molecule-AI/ghost-repo\n');
      const run = await writeVerified(url);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('molecule-ai/ghost-repo');
      expect(run.stderr).toContain('nothing was written: 1 of 2 target repositories not confirmed on Gitea: 1 missing');
      expect(await readFile(join(dir, 'more.md'), 'utf8')).toBe('https://github.com/Molecule-AI/ghost-repo\n');
      expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(OLD);
    });
  });

  it('--verify-remote that cannot reach Gitea says so and exits 1, writing nothing; it never calls repositories missing', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const run = await writeVerified(`http://127.0.0.1:${port}`);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `nothing was written: 1 of 1 target repositories not confirmed on Gitea: 1 unknown: no verdict from Gitea (could not reach 127.0.0.1:${port} (ECONNREFUSED)`,
    );
    expect(run.stdout + run.stderr).not.toMatch(/missing|not found/);
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(OLD);
  });

  it('--verify-remote with a token Gitea refuses exits 3', async () => {
    const refusing = createServer((_req, res) => void res.writeHead(401).end('{}'));
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
      const run = await runCli(['gitea', 'rewrite', dir, '--verify-remote', '--gitea-url', url], {
        env: { GITEA_TOKEN: 'tok-1234567890' },
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('1 refused (credentials)');
      expect(run.stdout + run.stderr).not.toContain('tok-1234567890');
    } finally {
      await new Promise((resolve) => refusing.close(resolve));
    }
  });

  it('a later run skips files an earlier one found free of references, and says so; --no-cache reads everything', async () => {
    const cache = join(dir, '..', `${dir.split('/').pop()}-cache`);
    try {
      await execFile('git', ['add', '-A'], { cwd: dir });
      await execFile('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'init'], {
        cwd: dir,
      });
      const env = { XDG_CACHE_HOME: cache };
      const first = await runCli(['gitea', 'rewrite', dir, '--check', '--no-diff'], { env });
      expect(first.code).toBe(8);
      expect(first.stderr).toContain('scanning: 2 files listed, 1 read, 1 to change');
      // The first search of a directory only notes it; the next one learns what is clean.
      const learning = await runCli(['gitea', 'rewrite', dir, '--check', '--no-diff'], { env });
      expect(learning.stderr).toContain('scanning: 2 files listed, 1 read, 1 to change');
      const second = await runCli(['gitea', 'rewrite', dir, '--check', '--no-diff'], { env });
      expect(second.stdout).toBe(first.stdout);
      expect(second.code).toBe(8);
      expect(second.stderr).toContain(
        'scanning: 2 files listed (1 unchanged since a run found nothing in them), 1 read, 1 to change',
      );
      await writeFile(join(dir, 'clean.txt'), `now ${OLD}\n`);
      const edited = await runCli(['gitea', 'rewrite', dir, '--check', '--no-diff'], { env });
      expect(edited.stderr).toContain('scanning: 2 files listed, 2 read, 2 to change');
      await rm(cache, { recursive: true, force: true });
      const fresh = await runCli(['gitea', 'rewrite', dir, '--check', '--no-diff', '--no-cache'], { env });
      expect(fresh.stderr).toContain('scanning: 2 files listed, 2 read, 2 to change');
      await expect(readFile(join(cache, 'molectl'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});
