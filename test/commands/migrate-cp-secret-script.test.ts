import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// The script printed is the script sent: `migrate cp-secret script` prints exactly the bytes
// apply sends to every tenant, with their sha256, and each run's ledger says which script it sent.

const SCRIPT_FILE = new URL('../../scripts/tenant-cp-secret.sh', import.meta.url);
const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;

function hasShellcheck(): boolean {
  return spawnSync('shellcheck', ['--version'], { stdio: 'ignore' }).status === 0;
}

describe('migrate cp-secret script', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'molectl-script-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the script file byte for byte (no line rewritten by the redactor) and its sha256 on stderr', async () => {
    const r = await runCli(['migrate', 'cp-secret', 'script']);
    expect(r.code).toBe(0);
    const file = readFileSync(SCRIPT_FILE, 'utf8');
    expect(r.stdout).toBe(file);
    expect(r.stdout).not.toContain('[REDACTED');
    expect(r.stderr).toContain(sha256(file));
  });

  it('passes bash -n, and shellcheck at error level where it is installed', async () => {
    const r = await runCli(['migrate', 'cp-secret', 'script']);
    const path = join(dir, 'tenant-cp-secret.sh');
    writeFileSync(path, r.stdout);
    execFileSync('bash', ['-n', path]);
    if (!hasShellcheck()) return;
    const lint = spawnSync('shellcheck', ['--severity=error', '--shell=bash', path], { encoding: 'utf8' });
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  });

  it('gives the same script and hash as one JSON document', async () => {
    const r = await runCli(['migrate', 'cp-secret', 'script', '-o', 'json']);
    const doc = JSON.parse(r.stdout) as { schemaVersion: number; script: string; sha256: string };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.script).toBe(readFileSync(SCRIPT_FILE, 'utf8'));
    expect(doc.sha256).toBe(sha256(doc.script));
  });
});

describe('the script a run sent', () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2 });
  });
  afterAll(async () => {
    await f.stop();
  });

  it('is what `script` printed: the SSM commands end with those bytes, and `runs show` prints their sha256', async () => {
    const printed = await f.molectl(['migrate', 'cp-secret', 'script']);
    const hash = /sha256:[0-9a-f]{64}/.exec(printed.stderr)![0];

    const apply = await f.molectl([
      '--env',
      'sandbox',
      'migrate',
      'cp-secret',
      'apply',
      '--yes',
      '--soak',
      '0',
      '--health-timeout',
      '5s',
    ]);
    expect(apply.code).toBe(0);
    const runId = /run (\S+): ledger/.exec(apply.stderr)![1]!;

    const sent = f.sandbox.state.requests
      .filter((r) => r.action === 'SendCommand' && r.body.includes("MOLECTL_MODE='apply'"))
      .map((r) => (JSON.parse(r.body) as { Parameters: { commands: string[] } }).Parameters.commands.at(-1)!);
    expect(sent.length).toBeGreaterThan(0);
    for (const script of sent) expect(script).toBe(printed.stdout);

    const shown = await f.molectl(['runs', 'show', runId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`scriptSha256=${hash}`);
  });
});
