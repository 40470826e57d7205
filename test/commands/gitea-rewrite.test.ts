import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from '../../src/lib/exec.js';
import { runCli } from '../helpers/run-cli.js';

const OLD = 'https://github.com/Molecule-AI/molecule-monorepo';
const NEW = 'https://git.moleculesai.app/molecule-ai/molecule-core';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'molectl-gitea-cmd-'));
  await writeFile(join(dir, 'README.md'), `# core\n\nClone ${OLD}.git\nDocs: ${OLD}/blob/main/docs/index.md\nFixed in ${OLD}/pull/12\n`);
  await writeFile(join(dir, 'clean.txt'), 'nothing to see\n');
  await execFile('git', ['init', '-q'], { cwd: dir });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('molectl gitea rewrite', () => {
  it('dry run by default: prints the diff and summary on stdout, findings on stderr, changes nothing', async () => {
    const run = await runCli(['gitea', 'rewrite', dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`--- a/${dir}/README.md`);
    expect(run.stdout).toContain(`+Clone ${NEW}.git`);
    expect(run.stdout).toContain('would change 1 file, 2 changes');
    expect(run.stdout).toMatch(/by rule: (repo-url 1, blob-to-src 1|blob-to-src 1, repo-url 1)/);
    expect(run.stderr).toContain(`${dir}/README.md:5: [pull-link]`);
    expect(run.stdout).not.toContain('[pull-link]');
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(`Clone ${OLD}.git`);
  });

  it('--check exits 8 while stale URLs remain, and 0 after --write; a second --write changes nothing', async () => {
    expect((await runCli(['gitea', 'rewrite', dir, '--check', '--no-diff'])).code).toBe(8);
    const write = await runCli(['gitea', 'rewrite', dir, '--write']);
    expect(write.code).toBe(0);
    expect(write.stdout).toContain('changed 1 file, 2 changes');
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toBe(`# core\n\nClone ${NEW}.git\nDocs: ${NEW}/src/branch/main/docs/index.md\nFixed in ${OLD}/pull/12\n`);
    expect((await runCli(['gitea', 'rewrite', dir, '--check'])).code).toBe(0);
    const again = await runCli(['gitea', 'rewrite', dir, '--write', '-o', 'json']);
    expect(JSON.parse(again.stdout).changeCount).toBe(0);
  });

  it('--output json prints one document with schemaVersion, counts per rule and file, and findings', async () => {
    const run = await runCli(['gitea', 'rewrite', dir, '--output', 'json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.mode).toBe('dry-run');
    expect(doc.changesByRule).toEqual({ 'repo-url': 1, 'blob-to-src': 1 });
    expect(doc.files).toEqual([{ path: `${dir}/README.md`, changes: 2, byRule: { 'repo-url': 1, 'blob-to-src': 1 }, written: false }]);
    expect(doc.findings).toMatchObject([{ file: `${dir}/README.md`, line: 5, rule: 'pull-link', text: `Fixed in ${OLD}/pull/12` }]);
    expect(doc.changes[0]).toMatchObject({ line: 3, renamedFrom: 'molecule-monorepo', target: 'molecule-ai/molecule-core' });
  });

  it('takes renames and owners from a rules file, flags winning over it', async () => {
    await writeFile(join(dir, 'rules.yaml'), 'renames:\n  molecule-monorepo: core-v2\ngiteaOwner: Other-Owner\n');
    const run = await runCli(['gitea', 'rewrite', dir, '--rules', join(dir, 'rules.yaml'), '--gitea-owner', 'flag-owner', '-o', 'json']);
    expect(JSON.parse(run.stdout).changes[0].after).toBe('https://git.moleculesai.app/flag-owner/core-v2.git');
  });

  it.each([
    [['--write', '--check'], '--write and --check cannot be combined'],
    [['--max-size', 'lots'], '--max-size'],
    [['--rename', 'nope'], '--rename'],
    [['--gitea-url', 'ftp://x'], '--gitea-url must be https'],
    [['--gitea-url', 'http://git.example.com'], '--gitea-url: refusing plain http:// to git.example.com'],
  ])('refuses bad input %j with exit 2', async (flags, message) => {
    const run = await runCli(['gitea', 'rewrite', dir, ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(OLD);
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
        res.writeHead(req.url === '/api/v1/repos/molecule-ai/molecule-core' ? 200 : 404).end('{}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('writes when every target exists, sending GITEA_TOKEN without printing it', async () => {
      const run = await runCli(['gitea', 'rewrite', dir, '--write', '--verify-remote', '--gitea-url', url], { env: { GITEA_TOKEN: 'tok-1234567890' } });
      expect(run.code).toBe(0);
      expect(tokens.at(-1)).toBe('token tok-1234567890');
      expect(run.stdout + run.stderr).not.toContain('tok-1234567890');
      expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(`${url}/molecule-ai/molecule-core.git`);
    });

    it('writes nothing and exits 1 when a target is missing on Gitea', async () => {
      await writeFile(join(dir, 'more.md'), 'https://github.com/Molecule-AI/ghost-repo\n');
      const run = await runCli(['gitea', 'rewrite', dir, '--write', '--verify-remote', '--gitea-url', url]);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('molecule-ai/ghost-repo');
      expect(run.stderr).toContain('nothing was written');
      expect(await readFile(join(dir, 'more.md'), 'utf8')).toBe('https://github.com/Molecule-AI/ghost-repo\n');
      expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(OLD);
    });
  });
});
