import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from '../../../src/lib/exec.js';
import { buildRewriteRules } from '../../../src/lib/gitea/rewrite-rules.js';
import {
  applyRemoteRewrite,
  checkCloneDirs,
  maskUrlCredentials,
  planRemoteRewrites,
  readRemoteUrls,
} from '../../../src/lib/gitea/rewrite-remotes.js';

let root: string;
const rules = buildRewriteRules();

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'molectl-gitea-remotes-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function makeClone(name: string, remotes: Array<[string, string]>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  await execFile('git', ['init', '-q'], { cwd: dir });
  for (const [remote, url] of remotes) await execFile('git', ['remote', 'add', remote, url], { cwd: dir });
  return dir;
}

async function remoteUrl(dir: string, key: string): Promise<string> {
  return (await execFile('git', ['config', '--get', key], { cwd: dir })).stdout.trim();
}

describe('gitea remotes on real clones', () => {
  it('rewrites fetch and push URLs of the moved owner through git, leaving other remotes alone', async () => {
    const dir = await makeClone('core', [
      ['origin', 'https://github.com/Molecule-AI/molecule-monorepo.git'],
      ['upstream', 'https://github.com/other/thing.git'],
      ['ssh', 'git@github.com:Molecule-AI/sdk.git'],
    ]);
    await execFile(
      'git',
      ['remote', 'set-url', '--push', 'origin', 'git@github.com:Molecule-AI/molecule-monorepo.git'],
      { cwd: dir },
    );
    const plan = planRemoteRewrites(dir, await readRemoteUrls(dir, execFile), rules);
    expect(plan.map((p) => [p.remote, p.kind, p.action, p.newUrl])).toEqual([
      ['origin', 'url', 'rewrite', 'https://git.moleculesai.app/molecule-ai/molecule-core.git'],
      ['origin', 'pushurl', 'rewrite', 'https://git.moleculesai.app/molecule-ai/molecule-core.git'],
      ['ssh', 'url', 'rewrite', 'https://git.moleculesai.app/molecule-ai/sdk.git'],
      ['upstream', 'url', 'keep', undefined],
    ]);
    expect(plan[2]?.notes.map((n) => n.rule)).toEqual(['ssh-url']);
    for (const item of plan) await applyRemoteRewrite(item, execFile);
    expect(await remoteUrl(dir, 'remote.origin.url')).toBe('https://git.moleculesai.app/molecule-ai/molecule-core.git');
    expect(await remoteUrl(dir, 'remote.origin.pushurl')).toBe(
      'https://git.moleculesai.app/molecule-ai/molecule-core.git',
    );
    expect(await remoteUrl(dir, 'remote.upstream.url')).toBe('https://github.com/other/thing.git');
    expect(await remoteUrl(dir, 'remote.ssh.url')).toBe('https://git.moleculesai.app/molecule-ai/sdk.git');
    // A second run has nothing to do.
    const again = planRemoteRewrites(dir, await readRemoteUrls(dir, execFile), rules);
    expect(again.every((p) => p.action === 'keep')).toBe(true);
  });

  it('does not carry a literal credential over, and masks it', async () => {
    const dir = await makeClone('cred', [
      ['origin', 'https://bot:ghp_abcdefghijklmnopqrstuvwxyz012345@github.com/Molecule-AI/x.git'],
    ]);
    const [item] = planRemoteRewrites(dir, await readRemoteUrls(dir, execFile), rules);
    expect(item?.action).toBe('report');
    await applyRemoteRewrite(item!, execFile);
    expect(await readFile(join(dir, '.git/config'), 'utf8')).toContain('github.com/Molecule-AI/x.git');
    expect(maskUrlCredentials(item!.url)).toBe('https://***@github.com/Molecule-AI/x.git');
  });

  it('refuses a directory that is not a clone before touching any', async () => {
    await makeClone('ok', []);
    await mkdir(join(root, 'plain'));
    await expect(checkCloneDirs(['ok', 'plain'], root, execFile)).rejects.toMatchObject({
      code: 2,
      message: 'plain is not a git repository',
    });
  });
});
