import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { BIN } from '../helpers/spawn-cli.js';
import { startPty, stopAllPtys } from '../helpers/pty.js';

// Issue 13: interruption on a real terminal (rollback, rotation, two runs at once). Each scenario types or sends what a person or a CI
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
  tmp = mkdtempSync(join(tmpdir(), 'molectl-pty-runs-'));
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

describe('setup', { timeout: 60_000 }, () => {
  it('an apply run to roll back later', async () => {
    const r = await startAndWait(['--env', 'sandbox', '--yes', ...APPLY, '--orgs', 'acme,beta', '--soak', '0']);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('rollback and rotation are interrupted the same way', { timeout: 90_000 }, () => {
  it('Ctrl-C during a rollback wave: 130, its ledger interrupted, the fleet lock released', async () => {
    const apply = ledgers().find((l) => l.command === 'migrate cp-secret apply' && l.status === 'succeeded')!;
    const pty = startPty(['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'rollback', apply.id], { env: env() });
    await untilSent('rollback', Object.keys(apply.targets));
    const interruptedAt = Date.now();
    pty.ctrlC();
    expect(await pty.exited).toBe(130);
    expect(sendsAfter('rollback', interruptedAt)).toBe(0);
    expect(newest('migrate cp-secret rollback').status).toBe('interrupted');
    expect(locksHeld()).toEqual([]);
  });

  it("SIGTERM during a rotation's tenant step: 130, AWSPENDING kept for --resume, both locks released", async () => {
    const secret = sandbox.state.secrets.get(sandbox.state.cpSharedSecretId)!;
    const pty = startPty(
      ['--env', 'sandbox', '--yes', 'secrets', 'rotate', 'cp-shared-secret', '--soak', '60s', '--health-timeout', '5s'],
      { env: env(deployServicesEnv()) },
    );
    await pty.waitFor(/soaking canary/, 60_000);
    pty.kill('SIGTERM');
    expect(await pty.exited).toBe(130);
    expect(pty.text).toMatch(/continue with `molectl secrets rotate cp-shared-secret --resume`/);
    expect(newest('secrets rotate').status).toBe('interrupted');
    expect(secret.versions.some((v) => v.stages.includes('AWSPENDING'))).toBe(true);
    expect(locksHeld()).toEqual([]);
    // And the way back works: --abort-pending puts every consumer the run touched back.
    const aborted = await startAndWait(
      [
        '--env',
        'sandbox',
        '--yes',
        'secrets',
        'rotate',
        'cp-shared-secret',
        '--abort-pending',
        '--soak',
        '0',
        '--health-timeout',
        '5s',
      ],
      deployServicesEnv(),
    );
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(secret.versions.some((v) => v.stages.includes('AWSPENDING'))).toBe(false);
    expect(sandbox.state.provisionSharedSecret).toBe(
      secret.versions.find((v) => v.stages.includes('AWSCURRENT'))!.value,
    );
  });
});

describe('one run at a time', { timeout: 90_000 }, () => {
  it('two applies started together: exactly one runs, the other changes nothing', async () => {
    const args = ['--env', 'sandbox', '--yes', ...APPLY, '--orgs', 'omicron,pi', '--soak', '0'];
    const [a, b] = await Promise.all([startAndWait(args), startAndWait(args)]);
    expect([a.code, b.code].sort(), `${a.stderr}\n----\n${b.stderr}`).toEqual([0, 1]);
    expect([a.stderr, b.stderr].join('\n')).toMatch(/already running against this environment|the local lock/);
    expect(sendsFor('apply', ['omicron'])).toBe(1);
  });

  it('an apply and a rollback started together: exactly one runs (whichever takes the lock first)', async () => {
    const done = ledgers().find(
      (l) => l.command === 'migrate cp-secret apply' && l.status === 'succeeded' && l.targets['omicron'],
    )!;
    const [apply, rollback] = await Promise.all([
      startAndWait(['--env', 'sandbox', '--yes', ...APPLY, '--orgs', 'rho', '--soak', '5s']),
      startAndWait(['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'rollback', done.id]),
    ]);
    expect([apply.code, rollback.code].sort()).toEqual([0, 1]);
    const refused = apply.code === 1 ? apply : rollback;
    expect(refused.stderr).toMatch(
      /migrate-cp-secret on sandbox is already running: the local lock is held by run|already running against this environment/,
    );
    expect(locksHeld()).toEqual([]);
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
