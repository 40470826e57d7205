import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { BIN } from '../helpers/spawn-cli.js';
import { startPty, stopAllPtys, type PtySession } from '../helpers/pty.js';

// Issue 13: interruption on a real terminal. Each scenario types or sends what a person or a CI
// system would, then checks the exit code, the ledger, the locks, and that no tenant was sent
// the script after the interrupt.

let sandbox: Sandbox;
let tmp: string;
let stateDir: string;

beforeAll(async () => {
  // Slow hosts, so that a wave is still out when the test interrupts it.
  sandbox = await startSandbox({
    speed: 'fast',
    tenants: 19,
    preCutover: 19,
    workspacesPerTenant: 0,
    faults: 'host-work=500ms',
  });
  tmp = mkdtempSync(join(tmpdir(), 'molectl-pty-int-'));
  stateDir = join(tmp, 'state');
});
afterEach(() => stopAllPtys());
afterAll(async () => {
  await sandbox.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: tmp,
    ...sandbox.env,
    MOLECTL_STATE_DIR: stateDir,
    MOLECTL_CONFIG: join(tmp, 'absent-config.json'),
    ...extra,
  };
}

interface Ledger {
  id: string;
  command: string;
  status: string;
  startedAt: string;
  targets: Record<string, { state: string }>;
}
function ledgers(): Ledger[] {
  let names: string[] = [];
  try {
    names = readdirSync(join(stateDir, 'runs')).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return names
    .map((f) => JSON.parse(readFileSync(join(stateDir, 'runs', f), 'utf8')) as Ledger)
    .sort((a, b) => a.id.localeCompare(b.id));
}
const newest = (command: string): Ledger =>
  ledgers()
    .filter((l) => l.command === command)
    .at(-1)!;
const locksHeld = (): string[] => [...sandbox.state.parameters.keys()].filter((k) => k.includes('/locks/'));
const sendsAfter = (mode: string, at: number): number =>
  sandbox.state.requests.filter(
    (r) => r.action === 'SendCommand' && r.body.includes(`MOLECTL_MODE='${mode}'`) && r.at.getTime() > at,
  ).length;
const sendsFor = (mode: string, slugs: string[]): number =>
  sandbox.state.requests.filter(
    (r) =>
      r.action === 'SendCommand' &&
      r.body.includes(`MOLECTL_MODE='${mode}'`) &&
      slugs.some((s) => r.body.includes(sandbox.state.orgs.get(s)!.tenantInstanceId!)),
  ).length;

/** Waits until the sandbox has seen an apply (or rollback) command for one of these orgs, then a moment more. */
async function untilSent(mode: string, slugs: string[], count = 1): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (sendsFor(mode, slugs) < count) {
    if (Date.now() > deadline) throw new Error(`no ${mode} command for ${slugs.join(',')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  await new Promise((r) => setTimeout(r, 300));
}

const APPLY = ['migrate', 'cp-secret', 'apply', '--health-timeout', '5s'];

describe('the typed confirmation', { timeout: 60_000 }, () => {
  it('typing the environment name goes ahead', async () => {
    const pty = startPty([...APPLY, '--orgs', 'acme', '--soak', '0'], { env: env() });
    await pty.waitFor(/Type the environment name \(sandbox\) to change 1 tenants: $/);
    pty.type('sandbox\r');
    expect(await pty.exited).toBe(0);
    expect(newest('migrate cp-secret apply').status).toBe('succeeded');
  });

  it('Ctrl-C at the question: exit 130, no run left running, no lock held, nothing sent', async () => {
    const before = ledgers().length;
    const pty = startPty([...APPLY, '--orgs', 'beta', '--soak', '0'], { env: env() });
    await pty.waitFor(/Type the environment name/);
    const at = Date.now();
    pty.ctrlC();
    expect(await pty.exited).toBe(130);
    expect(ledgers().length).toBe(before);
    expect(locksHeld()).toEqual([]);
    expect(sendsAfter('apply', at)).toBe(0);
    expect(sendsFor('apply', ['beta'])).toBe(0);
  });
});

describe('signals during an apply', { timeout: 90_000 }, () => {
  async function interrupted(pty: PtySession, send: () => void): Promise<{ code: number; at: number }> {
    const at = Date.now();
    send();
    return { code: await pty.exited, at };
  }

  it('Ctrl-C during the soak: 130, ledger interrupted, lock released, no wave sent', async () => {
    const pty = startPty(
      ['--env', 'sandbox', '--yes', ...APPLY, '--orgs', 'gamma,delta', '--canary', 'gamma', '--soak', '60s'],
      { env: env() },
    );
    await pty.waitFor(/soaking canary gamma/);
    const { code, at } = await interrupted(pty, () => pty.ctrlC());
    expect(code).toBe(130);
    expect(pty.text).toMatch(/interrupted: run \S+ saved; tenants already changed stay changed/);
    expect(pty.text).toMatch(/hint: resume with: molectl migrate cp-secret resume /);
    expect(newest('migrate cp-secret apply').status).toBe('interrupted');
    expect(locksHeld()).toEqual([]);
    expect(sendsAfter('apply', at)).toBe(0);
    expect(sendsFor('apply', ['delta'])).toBe(0);
  });

  it('SIGTERM while the canary is being changed: its host finishes, no wave is sent, 130', async () => {
    const pty = startPty(['--env', 'sandbox', '--yes', ...APPLY, '--orgs', 'sigma,tau', '--soak', '0'], { env: env() });
    await untilSent('apply', ['sigma']);
    const { code, at } = await interrupted(pty, () => pty.kill('SIGTERM'));
    expect(code).toBe(130);
    expect(newest('migrate cp-secret apply').status).toBe('interrupted');
    expect(locksHeld()).toEqual([]);
    expect(sendsAfter('apply', at)).toBe(0);
    expect(sendsFor('apply', ['tau'])).toBe(0);
  });

  it('SIGHUP during the soak (the terminal went away) ends it the same way', async () => {
    const pty = startPty(['--env', 'sandbox', '--yes', ...APPLY, '--orgs', 'epsilon,zeta', '--soak', '60s'], {
      env: env(),
    });
    await pty.waitFor(/soaking canary epsilon/);
    const { code, at } = await interrupted(pty, () => pty.kill('SIGHUP'));
    expect(code).toBe(130);
    expect(newest('migrate cp-secret apply').status).toBe('interrupted');
    expect(locksHeld()).toEqual([]);
    expect(sendsAfter('apply', at)).toBe(0);
  });

  it('Ctrl-C during a wave: the hosts in flight finish on their own (the person is asked), no further wave is sent', async () => {
    const pty = startPty(
      ['--env', 'sandbox', '--yes', ...APPLY, '--orgs', 'eta,theta,iota', '--soak', '0', '--waves', '1,100%'],
      { env: env() },
    );
    await untilSent('apply', ['theta', 'iota']);
    const at = Date.now();
    pty.ctrlC();
    await pty.waitFor(/Cancel them anyway\? .*\[y\/N\]/);
    pty.type('n\r');
    expect(await pty.exited).toBe(130);
    const ledger = newest('migrate cp-secret apply');
    expect(ledger.status).toBe('interrupted');
    expect(locksHeld()).toEqual([]);
    expect(sendsAfter('apply', at)).toBe(0);
    // The last wave was never sent.
    expect(sendsFor('apply', ['eta', 'theta', 'iota'])).toBe(2);
  });

  it('SIGTERM during a wave (a CI cancel): no question, 130, nothing sent after', async () => {
    const pty = startPty(
      ['--env', 'sandbox', '--yes', ...APPLY, '--orgs', 'kappa,lambda,mu', '--soak', '0', '--waves', '1,100%'],
      { env: env() },
    );
    await untilSent('apply', ['lambda', 'mu']);
    const at = Date.now();
    pty.kill('SIGTERM');
    expect(await pty.exited).toBe(130);
    expect(pty.text).not.toMatch(/Cancel them anyway/);
    expect(newest('migrate cp-secret apply').status).toBe('interrupted');
    expect(locksHeld()).toEqual([]);
    expect(sendsAfter('apply', at)).toBe(0);
  });

  it('a second Ctrl-C leaves at once; the ledger on disk is whole and resumable', async () => {
    const pty = startPty(['--env', 'sandbox', '--yes', ...APPLY, '--orgs', 'nu,xi', '--soak', '5s'], { env: env() });
    await pty.waitFor(/soaking canary nu/);
    pty.ctrlC();
    pty.ctrlC();
    const started = Date.now();
    expect(await pty.exited).toBe(130);
    expect(Date.now() - started).toBeLessThan(5_000);
    const ledger = newest('migrate cp-secret apply');
    expect(['interrupted', 'running']).toContain(ledger.status);
    const resumed = await startAndWait(['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'resume', ledger.id]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(newest('migrate cp-secret apply').status).toBe('succeeded');
  });
});

function startAndWait(
  argv: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { env: env(extraEnv), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
