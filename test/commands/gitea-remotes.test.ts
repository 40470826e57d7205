import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from '../../src/lib/exec.js';
import { giteaRepoAnswer } from '../helpers/gitea-repo-answer.js';
import { runCli } from '../helpers/run-cli.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'molectl-gitea-remotes-cmd-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function clone(name: string, remotes: Array<[string, string]>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  await execFile('git', ['init', '-q'], { cwd: dir });
  for (const [remote, url] of remotes) await execFile('git', ['remote', 'add', remote, url], { cwd: dir });
  return dir;
}

async function url(dir: string, remote: string): Promise<string> {
  return (await execFile('git', ['config', '--get', `remote.${remote}.url`], { cwd: dir })).stdout.trim();
}

describe('molectl gitea remotes', () => {
  it('shows what would change without --write, applies it with --write, across several clones', async () => {
    const a = await clone('a', [['origin', 'git@github.com:Molecule-AI/molecule-monorepo.git']]);
    const b = await clone('b', [
      ['origin', 'https://github.com/Molecule-AI/sdk'],
      ['fork', 'https://github.com/someone/sdk'],
    ]);

    const dry = await runCli(['gitea', 'remotes', a, b]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would rewrite');
    expect(dry.stderr).toContain('[ssh-url]');
    expect(await url(a, 'origin')).toBe('git@github.com:Molecule-AI/molecule-monorepo.git');
    expect((await runCli(['gitea', 'remotes', a, b, '--check'])).code).toBe(8);

    const write = await runCli(['gitea', 'remotes', a, b, '--write', '-o', 'json']);
    expect(write.code).toBe(0);
    const doc = JSON.parse(write.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.written).toBe(true);
    expect(doc.remotes.map((r: { remote: string; action: string }) => `${r.remote}:${r.action}`)).toEqual([
      'origin:rewritten',
      'fork:unchanged',
      'origin:rewritten',
    ]);
    expect(await url(a, 'origin')).toBe('https://git.moleculesai.app/molecule-ai/molecule-core.git');
    expect(await url(b, 'origin')).toBe('https://git.moleculesai.app/molecule-ai/sdk');
    expect(await url(b, 'fork')).toBe('https://github.com/someone/sdk');
    expect((await runCli(['gitea', 'remotes', a, b, '--check'])).code).toBe(0);
  });

  it('never prints a credential found in a remote URL', async () => {
    const a = await clone('a', [
      ['origin', 'https://bot:ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/Molecule-AI/x.git'],
    ]);
    const run = await runCli(['gitea', 'remotes', a, '--write']);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    expect(run.stderr).toContain('[literal-credential]');
    expect(await url(a, 'origin')).toContain('github.com/Molecule-AI/x.git');
  });

  it('--verify-remote: writes nothing and exits 1 when a target is missing on Gitea', async () => {
    const server = createServer(
      (req, res) =>
        void (req.url === '/api/v1/repos/molecule-ai/sdk'
          ? res.writeHead(200).end(giteaRepoAnswer('molecule-ai/sdk'))
          : res.writeHead(404).end('{"message":"not found"}')),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const giteaUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const a = await clone('a', [
        ['origin', 'https://github.com/Molecule-AI/sdk'],
        ['old', 'https://github.com/Molecule-AI/gone'],
      ]);
      const run = await runCli(['gitea', 'remotes', a, '--write', '--verify-remote', '--gitea-url', giteaUrl]);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('molecule-ai/gone');
      expect(await url(a, 'origin')).toBe('https://github.com/Molecule-AI/sdk');
      const ok = await runCli([
        'gitea',
        'remotes',
        a,
        '--write',
        '--verify-remote',
        '--gitea-url',
        giteaUrl,
        '--rename',
        'gone=sdk',
      ]);
      expect(ok.code).toBe(0);
      expect(await url(a, 'old')).toBe(`${giteaUrl}/molecule-ai/sdk`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a directory that is not a clone with exit 2, changing nothing', async () => {
    const a = await clone('a', [['origin', 'https://github.com/Molecule-AI/sdk']]);
    await mkdir(join(root, 'plain'));
    const run = await runCli(['gitea', 'remotes', a, join(root, 'plain'), '--write']);
    expect(run.code).toBe(2);
    expect(await url(a, 'origin')).toBe('https://github.com/Molecule-AI/sdk');
  });

  it('refuses plain http:// to a host that is not loopback, from the flag or a rules file, with exit 2 and no remote changed', async () => {
    const a = await clone('a', [['origin', 'https://github.com/Molecule-AI/sdk']]);
    const flag = await runCli(['gitea', 'remotes', a, '--write', '--gitea-url', 'http://git.example.com']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('refusing plain http:// to git.example.com');
    expect(flag.stderr).toContain('hint: use https://git.example.com');
    expect(flag.stdout).toBe('');
    const rules = join(root, 'rules.yaml');
    await writeFile(rules, 'giteaBaseUrl: http://git.example.com\n');
    const fromFile = await runCli(['gitea', 'remotes', a, '--write', '--rules', rules]);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toContain('refusing plain http:// to git.example.com');
    expect(await url(a, 'origin')).toBe('https://github.com/Molecule-AI/sdk');
    // Loopback stays allowed (a Gitea on this machine, the sandbox).
    const loopback = await runCli(['gitea', 'remotes', a, '--write', '--gitea-url', 'http://127.0.0.1:3000']);
    expect(loopback.code).toBe(0);
    expect(await url(a, 'origin')).toBe('http://127.0.0.1:3000/molecule-ai/sdk');
  });
});
