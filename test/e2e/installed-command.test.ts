import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/spawn-cli.js';

// npm installs `molectl` as a link to bin/molectl.js, so the system runs it through its first
// line. A broken header would break every installed command while every test that runs
// `node bin/molectl.js` still passed. The header is POSIX sh (bin/molectl.js says why): it starts
// the Node on PATH with no flag (any V8 flag given at start makes V8 reject the code cache of
// Node's own modules, ~25 ms of a fresh `org list`) and with NODE_EXTRA_CA_CERTS moved aside
// (loaded at the first TLS connection instead: test/e2e/deferred-extra-ca.test.ts).

const run = promisify(execFile);
const PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;

describe('molectl as npm installs it', () => {
  it('runs through its own sh header, with the Node on PATH and no Node flag', async () => {
    const [shebang, header] = readFileSync(BIN, 'utf8').split('\n', 2);
    expect(shebang).toBe('#!/bin/sh');
    expect(header).toMatch(/; exec node "\$0" "\$@"$/);
    const r = await run(BIN, ['--version'], { env: { PATH, HOME: process.env.HOME } });
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(r.stderr).toBe('');
  });

  it('runs through a link on PATH, as npm link and npm install -g make it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'molectl-linked-'));
    try {
      symlinkSync(BIN, join(dir, 'molectl'));
      const r = await run('molectl', ['--version'], { env: { PATH: `${dir}:${PATH}`, HOME: process.env.HOME } });
      expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hands the programs it starts NODE_EXTRA_CA_CERTS as the user gave it, and nothing of its own', async () => {
    // A `git` first on PATH that writes down its environment: gitea rewrite starts git.
    const dir = mkdtempSync(join(tmpdir(), 'molectl-child-env-'));
    try {
      const fakeGit = join(dir, 'git');
      writeFileSync(fakeGit, `#!/bin/sh\nenv > "${join(dir, 'git-env')}"\nexit 128\n`);
      chmodSync(fakeGit, 0o755);
      const work = join(dir, 'work');
      mkdirSync(work);
      const env = { PATH: `${dir}:${PATH}`, HOME: process.env.HOME, NODE_EXTRA_CA_CERTS: '/etc/molectl-test/ca.pem' };
      await run(BIN, ['gitea', 'rewrite', '--quiet'], { env, cwd: work }).catch(() => undefined);
      const seen = readFileSync(join(dir, 'git-env'), 'utf8').split('\n');
      expect(seen).toContain('NODE_EXTRA_CA_CERTS=/etc/molectl-test/ca.pem');
      expect(seen.filter((line) => line.startsWith('MOLECTL_DEFERRED'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
