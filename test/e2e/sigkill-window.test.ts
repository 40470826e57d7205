import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateTenantProvisionCall } from '../../src/sandbox/cp/simulate-tenant.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { runCli } from '../helpers/run-cli.js';
import { BIN } from '../helpers/spawn-cli.js';

// Issue 13, item 9: a run killed (SIGKILL) in the exact window between SSM accepting SendCommand
// and the ledger recording the command id must not make a resume run the script on those hosts
// a second time. Killed deterministically at that point: the sandbox kills molectl after the
// command exists in SSM and before its answer leaves, so no timing is involved.

let sandbox: Sandbox;
let tmp: string;
beforeAll(async () => {
  sandbox = await startSandbox({ speed: 'fast', tenants: 4, preCutover: 4 });
  tmp = mkdtempSync(join(tmpdir(), 'molectl-sigkill-'));
});
afterAll(async () => {
  await sandbox.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const isApplySend = (target: string, body: string): boolean =>
  target.endsWith('.SendCommand') && body.includes("MOLECTL_MODE='apply'");
const applySends = (state: SandboxState, instanceId: string): number =>
  state.requests.filter(
    (r) => r.action === 'SendCommand' && r.body.includes("MOLECTL_MODE='apply'") && r.body.includes(instanceId),
  ).length;

describe('SIGKILL between SendCommand and the ledger write', { timeout: 120_000 }, () => {
  it('resume adopts the command the killed run sent: no host runs the script twice', async () => {
    const env = {
      PATH: process.env.PATH,
      HOME: tmp,
      ...sandbox.env,
      MOLECTL_STATE_DIR: join(tmp, 'state'),
      MOLECTL_CONFIG: join(tmp, 'absent-config.json'),
    };
    const child = spawn(
      process.execPath,
      [
        BIN,
        '--env',
        'sandbox',
        '--yes',
        'migrate',
        'cp-secret',
        'apply',
        '--soak',
        '0',
        '--health-timeout',
        '5s',
        '--waves',
        '100%',
      ],
      { env, stdio: 'ignore' },
    );
    // The second apply command (the first wave, after the canary) is where the kill lands.
    let applyCommands = 0;
    sandbox.state.beforeAwsReply = (target, body) => {
      if (isApplySend(target, body) && ++applyCommands === 2) child.kill('SIGKILL');
    };
    const exit = await new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    sandbox.state.beforeAwsReply = undefined;
    expect(exit).toBe('SIGKILL');

    const runsDir = join(tmp, 'state', 'runs');
    const [ledgerFile] = readdirSync(runsDir).filter((f) => f.includes('apply'));
    const killed = JSON.parse(readFileSync(join(runsDir, ledgerFile!), 'utf8')) as {
      id: string;
      status: string;
      targets: Record<string, { state: string; remoteIds: Record<string, string>; detail: Record<string, unknown> }>;
    };
    expect(killed.status).toBe('running');
    // The wave's targets were recorded as being sent, but their command id never made it.
    const unrecorded = Object.values(killed.targets).filter((t) => t.state === 'in-progress' && !t.remoteIds.commandId);
    expect(unrecorded.length).toBe(3);
    expect(unrecorded.every((t) => typeof t.detail.dispatchComment === 'string')).toBe(true);

    const resumed = await runCli(['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'resume', killed.id], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/collected results of the interrupted run/);
    const after = JSON.parse(readFileSync(join(runsDir, ledgerFile!), 'utf8')) as {
      status: string;
      targets: Record<string, { outcome: string; detail: Record<string, unknown> }>;
      events: Array<{ message: string }>;
    };
    expect(after.status).toBe('succeeded');
    expect(
      after.events.filter((e) =>
        /adopted command .*, sent before the run stopped but not yet recorded/.test(e.message),
      ),
    ).toHaveLength(3);
    for (const org of sandbox.state.orgs.values()) {
      expect(applySends(sandbox.state, org.tenantInstanceId!), `${org.slug} got the apply script more than once`).toBe(
        1,
      );
      expect(after.targets[org.slug]!.outcome).toMatch(/^(migrated|current)$/);
    }
  });
});

describe('SIGKILL in that window while a resume retries a failed tenant', { timeout: 120_000 }, () => {
  let retrySandbox: Sandbox;
  let dir: string;
  beforeAll(async () => {
    retrySandbox = await startSandbox({ speed: 'fast', tenants: 3, preCutover: 3, faults: 'docker-fail=gamma' });
    dir = mkdtempSync(join(tmpdir(), 'molectl-sigkill-retry-'));
  });
  afterAll(async () => {
    await retrySandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the next resume adopts the retry it sent, not the failed attempt before it', async () => {
    const { state } = retrySandbox;
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      ...retrySandbox.env,
      MOLECTL_STATE_DIR: join(dir, 'state'),
      MOLECTL_CONFIG: join(dir, 'absent-config.json'),
    };
    const apply = ['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'apply', '--soak', '0'];
    const first = await runCli([...apply, '--health-timeout', '5s', '--waves', '100%'], { env });
    expect(first.code, first.stderr).toBe(1); // gamma failed: past --max-errors 0
    const runsDir = join(dir, 'state', 'runs');
    const [ledgerFile] = readdirSync(runsDir);
    const readLedger = (): {
      id: string;
      targets: Record<string, { state: string; outcome?: string; remoteIds: Record<string, string> }>;
      events: Array<{ message: string }>;
    } => JSON.parse(readFileSync(join(runsDir, ledgerFile!), 'utf8'));
    const failedCommand = readLedger().targets.gamma!.remoteIds.commandId;
    expect(failedCommand).toBeDefined();

    // The host is fixed; the resume retrying gamma is killed as SSM accepts the retry.
    state.faults.dockerFailHosts.length = 0;
    const child = spawn(
      process.execPath,
      [BIN, '--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'resume', readLedger().id],
      {
        env,
        stdio: 'ignore',
      },
    );
    state.beforeAwsReply = (target, body) => {
      if (isApplySend(target, body)) child.kill('SIGKILL');
    };
    const exit = await new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    state.beforeAwsReply = undefined;
    expect(exit).toBe('SIGKILL');
    const gammaInstance = state.orgs.get('gamma')!.tenantInstanceId!;
    expect(applySends(state, gammaInstance)).toBe(2);
    // Before the fix the failed attempt's command id was still on the target, and was adopted.
    expect(readLedger().targets.gamma!.state).toBe('in-progress');
    expect(readLedger().targets.gamma!.remoteIds.commandId).toBeUndefined();

    const resumed = await runCli(['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'resume', readLedger().id], {
      env,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    // The retry the killed resume sent is the one recorded: gamma was migrated by it, once.
    expect(applySends(state, gammaInstance), 'gamma got the apply script again').toBe(2);
    const after = readLedger();
    expect(after.targets.gamma).toMatchObject({ state: 'succeeded', outcome: 'migrated' });
    expect(after.targets.gamma!.remoteIds.commandId).not.toBe(failedCommand);
    expect(after.events.some((e) => /^gamma: adopted command /.test(e.message))).toBe(true);
    expect(resumed.stdout).toMatch(/^gamma +needs-migration +migrated +Success/m);
  });
});

describe('SIGKILL between a rollback SendCommand and the ledger write', { timeout: 120_000 }, () => {
  let rollbackSandbox: Sandbox;
  let dir: string;
  beforeAll(async () => {
    rollbackSandbox = await startSandbox({ speed: 'fast', tenants: 3, preCutover: 3 });
    dir = mkdtempSync(join(tmpdir(), 'molectl-sigkill-rollback-'));
  });
  afterAll(async () => {
    await rollbackSandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the next rollback records what the killed one did and sends nothing to those hosts again', async () => {
    const { state } = rollbackSandbox;
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      ...rollbackSandbox.env,
      MOLECTL_STATE_DIR: join(dir, 'state'),
      MOLECTL_CONFIG: join(dir, 'absent-config.json'),
    };
    const applied = await runCli(
      ['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'apply', '--soak', '0', '--health-timeout', '5s'],
      { env },
    );
    expect(applied.code, applied.stderr).toBe(0);
    const runsDir = join(dir, 'state', 'runs');
    const applyId = readdirSync(runsDir)[0]!.replace(/\.json$/, '');
    const rollback = ['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'rollback', applyId, '--waves', '1,100%'];

    // Killed as SSM accepts the first rollback wave (one tenant): its script runs, unrecorded.
    const child = spawn(process.execPath, [BIN, ...rollback], { env, stdio: 'ignore' });
    state.beforeAwsReply = (target, body) => {
      if (target.endsWith('.SendCommand') && body.includes("MOLECTL_MODE='rollback'")) child.kill('SIGKILL');
    };
    const exit = await new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    state.beforeAwsReply = undefined;
    expect(exit).toBe('SIGKILL');
    const killedId = readdirSync(runsDir)
      .find((f) => f.includes('rollback'))!
      .replace(/\.json$/, '');

    const again = await runCli(rollback, { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`collected the results of rollback run ${killedId}`));
    const rollbackSends = (slug: string): number =>
      state.requests.filter(
        (r) =>
          r.action === 'SendCommand' &&
          r.body.includes("MOLECTL_MODE='rollback'") &&
          r.body.includes(state.orgs.get(slug)!.tenantInstanceId!),
      ).length;
    const killed = JSON.parse(readFileSync(join(runsDir, `${killedId}.json`), 'utf8')) as {
      status: string;
      targets: Record<string, { state: string; outcome?: string }>;
    };
    // The killed run's one host is recorded as its own; it never sent the rest.
    const [doneByKilled] = Object.values(killed.targets).filter((t) => t.state === 'succeeded');
    expect(doneByKilled).toMatchObject({ outcome: 'rolled-back' });
    expect(killed.status).toBe('interrupted');
    for (const slug of ['acme', 'beta', 'gamma']) {
      expect(rollbackSends(slug), `${slug} got the rollback script more than once`).toBe(1);
      expect(await simulateTenantProvisionCall(state, slug), slug).toBe(401);
    }

    const status = await runCli(['migrate', 'cp-secret', 'status', applyId, '-o', 'json'], { env });
    const rows = (JSON.parse(status.stdout) as { targets: Array<{ slug: string; rolledBackBy: string | null }> })
      .targets;
    expect(rows.map((r) => r.rolledBackBy).filter((id) => id === killedId)).toHaveLength(1);
    expect(rows.every((r) => r.rolledBackBy !== null)).toBe(true);
  });
});
