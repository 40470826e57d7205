import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putParameter } from '../../src/sandbox/aws/parameter-store.js';
import { simulateTenantProvisionCall } from '../../src/sandbox/cp/simulate-tenant.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';
import { BIN } from '../helpers/spawn-cli.js';
import { absentPath } from '../helpers/absent-path.js';

// Recovery paths of issue 5: a run killed outright, rollback, and the fleet lock.

const APPLY = ['--env', 'sandbox', 'migrate', 'cp-secret', 'apply', '--yes', '--soak', '0', '--health-timeout', '5s'];

interface LedgerDoc {
  id: string;
  status: string;
  command: string;
  targets: Record<string, { state: string; outcome?: string }>;
}

function readLedgers(stateDir: string): LedgerDoc[] {
  const dir = join(stateDir, 'runs');
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as LedgerDoc);
  } catch {
    return [];
  }
}

function applyDispatches(state: SandboxState, slug: string): number {
  const instanceId = state.orgs.get(slug)!.tenantInstanceId!;
  return state.requests.filter(
    (r) => r.action === 'SendCommand' && r.body.includes("MOLECTL_MODE='apply'") && r.body.includes(instanceId),
  ).length;
}

describe('a run killed with SIGKILL', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 5, preCutover: 5, faults: 'host-work=1500ms' });
  });
  afterAll(() => f.stop());

  it('resumes without re-running the tenants it finished', async () => {
    const { state } = f.sandbox;
    // bin/molectl.js runs dist/: `npm test` builds first.
    const child = spawn(process.execPath, [BIN, ...APPLY, '--waves', '100%'], {
      env: { ...f.env, PATH: process.env.PATH, MOLECTL_CONFIG: absentPath() },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let childStderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (childStderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 120_000;
    for (;;) {
      const [ledger] = readLedgers(f.stateDir);
      // Killed once the whole wave's command ids are on disk. (Killed in the instant between
      // SendCommand and that write, a resume sends the script again to a host that already has
      // it; the script then reports `current`: harmless, but not "exactly once".)
      const wave = ['beta', 'delta', 'epsilon', 'gamma'].map((slug) => ledger?.targets[slug]?.state);
      if (
        ledger?.targets.acme?.state === 'succeeded' &&
        wave.every((state) => state === 'in-progress' || state === 'succeeded')
      )
        break;
      if (Date.now() > deadline) throw new Error(`the run never reached its first wave; its stderr:\n${childStderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await exited;
    const [killed] = readLedgers(f.stateDir);
    expect(killed!.status).toBe('running');

    const resumed = await f.molectl([
      '--env',
      'sandbox',
      'migrate',
      'cp-secret',
      'resume',
      killed!.id.slice(0, 24),
      '--yes',
    ]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/collect(ing|ed) .*interrupted run/);
    for (const slug of ['acme', 'beta', 'delta', 'epsilon', 'gamma']) {
      expect(await simulateTenantProvisionCall(state, slug), slug).toBe(201);
      // Each tenant was sent the apply script exactly once: by the killed run, or by the resume.
      expect(applyDispatches(state, slug), slug).toBe(1);
    }
    const [done] = readLedgers(f.stateDir);
    expect(done!.status).toBe('succeeded');
  });
});

describe('rollback', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  let runId: string;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 4, preCutover: 3 });
    const r = await f.molectl(APPLY);
    expect(r.code).toBe(0);
    runId = readLedgers(f.stateDir)[0]!.id;
  });
  afterAll(() => f.stop());

  it('undoes one org: its old container is back, the updater is the original again', async () => {
    const { state } = f.sandbox;
    const r = await f.molectl([
      '--env',
      'sandbox',
      'migrate',
      'cp-secret',
      'rollback',
      runId,
      '--orgs',
      'beta',
      '--yes',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/beta\s+migrated\s+rolled-back/);
    expect(await simulateTenantProvisionCall(state, 'beta')).toBe(401);
    expect(await simulateTenantProvisionCall(state, 'acme')).toBe(201);
    const hostRoot = state.instances.get(state.orgs.get('beta')!.tenantInstanceId!)!.hostRoot!;
    expect(readFileSync(join(hostRoot, 'usr/local/bin/molecule-auto-update.sh'), 'utf8')).not.toContain(
      'molectl: durable-env wrapper',
    );
    expect(() => readFileSync(join(hostRoot, 'etc/molecule/tenant.env'), 'utf8')).toThrow();
  });

  it('refuses orgs the run did not migrate (exit 2), then undoes the rest', async () => {
    const { state } = f.sandbox;
    const wrong = await f.molectl([
      '--env',
      'sandbox',
      'migrate',
      'cp-secret',
      'rollback',
      runId,
      '--orgs',
      'delta',
      '--yes',
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/did not migrate delta/);
    const rest = await f.molectl([
      '--env',
      'sandbox',
      'migrate',
      'cp-secret',
      'rollback',
      runId,
      '--orgs',
      'acme,gamma',
      '--yes',
    ]);
    expect(rest.code).toBe(0);
    for (const slug of ['acme', 'gamma']) expect(await simulateTenantProvisionCall(state, slug)).toBe(401);
    // delta was post-cutover: never touched, still accepted.
    expect(await simulateTenantProvisionCall(state, 'delta')).toBe(201);
  });

  it('status: the apply run keeps its own outcome, linked to the rollbacks, each tenant showing what it is back on', async () => {
    const status = await f.molectl(['migrate', 'cp-secret', 'status', runId, '-o', 'json']);
    expect(status.code).toBe(0);
    const doc = JSON.parse(status.stdout) as {
      status: string;
      targets: Array<{
        slug: string;
        action: string;
        fingerprintMatch: boolean | null;
        rolledBackBy: string | null;
        fingerprintAfterRollback: string | null;
      }>;
    };
    // Issue 19, item 10: it turned "partial" with rows "rolled-back ... FP MATCH yes".
    expect(doc.status).toBe('succeeded');
    const rollbacks = readLedgers(f.stateDir).filter((l) => l.command === 'migrate cp-secret rollback');
    expect(rollbacks).toHaveLength(2);
    const byRow = Object.fromEntries(doc.targets.map((t) => [t.slug, t]));
    for (const slug of ['acme', 'beta', 'gamma'])
      expect(byRow[slug]).toMatchObject({
        action: 'migrated',
        fingerprintMatch: true,
        rolledBackBy: expect.stringMatching(/-migrate-cp-secret-rollback-/),
        // Back on what it held before: no secret (pre-cutover).
        fingerprintAfterRollback: '',
      });
    expect(byRow['delta']).toMatchObject({ action: 'current', rolledBackBy: null });

    const text = await f.molectl(['migrate', 'cp-secret', 'status', runId]);
    expect(text.stdout).toMatch(
      /^beta +needs-migration +migrated +Success +0 +ok +yes +back on none \(run \S+-rollback-\S+\)/m,
    );
    expect(text.stdout).toMatch(new RegExp(`run ${runId}: succeeded\\. 3 migrated, 1 current\\.\\n`));
    expect(text.stdout).toMatch(/since rolled back by run \S+: 1 \(beta\)\.\n/);
    expect(text.stdout).toMatch(/since rolled back by run \S+: 2 \(acme, gamma\)\.\n/);

    // The rollback run's own status: what each tenant is back on, and that it is what it held before.
    const rb = await f.molectl(['migrate', 'cp-secret', 'status', rollbacks.find((l) => l.targets['beta'])!.id]);
    expect(rb.stdout).toMatch(/^beta +migrated +rolled-back +Success +0 +ok +none +yes /m);
    expect(rb.stdout).toContain(`(rollback of run ${runId}): succeeded. 1 rolled-back.`);
    const again = await f.molectl([
      '--env',
      'sandbox',
      'migrate',
      'cp-secret',
      'rollback',
      runId,
      '--orgs',
      'beta',
      '--yes',
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /beta was already rolled back by run \S+-rollback-\S+\nhint: to migrate it again, start a new run: molectl migrate cp-secret apply --orgs beta/,
    );
    const missing = await f.molectl(['migrate', 'cp-secret', 'status', '20990101T000000Z-nope']);
    expect(missing.code).toBe(4);
  });
});

describe('the fleet lock', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 2 });
  });
  afterAll(() => f.stop());

  it('keeps a second migration out, naming who holds it, and changes nothing', async () => {
    const { state } = f.sandbox;
    const holder = {
      owner: 'alice@ops-laptop',
      runId: '20261122T200000Z-migrate-cp-secret-apply-aaaa',
      operation: 'migrate-cp-secret',
      pid: 4242,
      acquiredAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
    };
    putParameter(state, {
      name: '/molectl/sandbox/locks/migrate-cp-secret',
      value: JSON.stringify(holder),
      type: 'String',
    });
    const r = await f.molectl(APPLY);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/alice@ops-laptop/);
    expect(applyDispatches(state, 'acme')).toBe(0);
  });
});
