import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../src/lib/output/fingerprint.js';
import { renderTenantCommands } from '../../src/lib/tenant-secret-delivery/tenant-script.js';
import { createSecret } from '../../src/sandbox/aws/secrets-store.js';
import { simulateTenantProvisionCall } from '../../src/sandbox/cp/simulate-tenant.js';
import { readTenantContainer } from '../../src/sandbox/hosts/tenant-container.js';
import type { SandboxState, SimInstance } from '../../src/sandbox/state.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// Every scenario of issue 5's "How it is checked", against the sandbox: the real SDK, the real
// CP client, and the real on-tenant script running under bash against simulated hosts.

const APPLY = ['--env', 'sandbox', 'migrate', 'cp-secret', 'apply', '--yes', '--soak', '0', '--health-timeout', '5s'];

function tenantOf(state: SandboxState, slug: string): SimInstance {
  return state.instances.get(state.orgs.get(slug)!.tenantInstanceId!)!;
}

function currentSecret(state: SandboxState): string {
  return state.secrets.get(state.cpSharedSecretId)!.versions.find((v) => v.stages.includes('AWSCURRENT'))!.value;
}

/** The CP requests the sandbox answered since `mark` (an index into its request log). */
function cpActionsSince(state: SandboxState, mark: number): string[] {
  return state.requests
    .slice(mark)
    .filter((q) => q.service === 'cp')
    .map((q) => q.action);
}

/** SendCommand requests that ran the apply script on this instance. */
function applyDispatches(state: SandboxState, instanceId: string): number {
  return state.requests.filter(
    (r) => r.action === 'SendCommand' && r.body.includes("MOLECTL_MODE='apply'") && r.body.includes(instanceId),
  ).length;
}

function ledgers(stateDir: string): Array<Record<string, unknown>> {
  const dir = join(stateDir, 'runs');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>);
}

async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a mixed fleet', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    // acme..epsilon pre-cutover; zeta, eta, theta post-cutover.
    f = await startSandboxFixture({ tenants: 8, preCutover: 5, faults: 'offline=beta,docker-fail=gamma' });
    const { state } = f.sandbox;
    // delta: no platform container at all.
    await f.sandbox.hosts.runScript(tenantOf(state, 'delta'), 'docker rm -f molecule-tenant', {
      timeoutSeconds: 30,
      commandId: 'setup-delta',
    });
    // zeta: holds an older value (what a half-done earlier rotation leaves behind).
    const old = createSecret(state, 'molecule/cp/previous-shared-secret', 'an-older-shared-secret-value-0000');
    const oldVersion = old.versions[0]!;
    const stale = renderTenantCommands({
      mode: 'apply',
      containerName: 'molecule-tenant',
      cpUrl: f.sandbox.url,
      expectedFingerprint: fingerprintOf(oldVersion.value),
      delivery: 'secrets-manager',
      secretArn: old.arn,
      secretVersionId: oldVersion.versionId,
      runId: 'setup',
      healthTimeoutSeconds: 5,
    });
    const setup = await f.sandbox.hosts.runScript(tenantOf(state, 'zeta'), stale.join('\n'), {
      timeoutSeconds: 60,
      commandId: 'setup-zeta',
    });
    expect(setup.exitCode).toBe(0);
  });
  afterAll(() => f.stop());

  it('plan classifies every tenant without changing anything', async () => {
    const before = f.sandbox.state.requests.filter((r) => r.action === 'SendCommand').length;
    const r = await f.molectl(['migrate', 'cp-secret', 'plan', '-o', 'json']);
    // beta's agent is offline: the plan cannot judge it, so it is incomplete (exit 5) and says so.
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/1 tenant could not be judged \(it may still need the secret\) — beta/);
    const plan = JSON.parse(r.stdout) as {
      targets: Array<{ slug: string; class: string }>;
      summary: Record<string, number>;
    };
    const classes = Object.fromEntries(plan.targets.map((t) => [t.slug, t.class]));
    expect(classes).toEqual({
      acme: 'needs-migration',
      beta: 'unmanaged',
      gamma: 'needs-migration',
      delta: 'no-container',
      epsilon: 'needs-migration',
      zeta: 'stale',
      eta: 'current',
      theta: 'current',
    });
    expect(plan.summary.actionable).toBe(4);
    // One probe command for the whole fleet (one batch), no apply.
    const sent = f.sandbox.state.requests.filter((r) => r.action === 'SendCommand');
    expect(sent.length - before).toBe(1);
    expect(sent.at(-1)!.body).toContain("MOLECTL_MODE='probe'");
  });

  it('apply migrates what it should, rolls back the host whose docker fails, and reports partial (exit 5)', async () => {
    const { state } = f.sandbox;
    const r = await f.molectl([
      ...APPLY,
      '--max-errors',
      '1',
      '--waves',
      '2,100%',
      '--summary-md',
      join(f.stateDir, 'summary.md'),
    ]);
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(/acme\s+needs-migration\s+migrated/);
    expect(r.stdout).toMatch(/gamma\s+needs-migration\s+rolled-back/);
    expect(r.stdout).toMatch(/zeta\s+stale\s+migrated/);
    for (const slug of ['acme', 'epsilon', 'zeta', 'eta', 'theta']) {
      expect(await simulateTenantProvisionCall(state, slug), slug).toBe(201);
    }
    // gamma is back on its old container, running, still without the secret.
    const gamma = readTenantContainer(state, tenantOf(state, 'gamma'))!;
    expect(gamma.running).toBe(true);
    expect(gamma.env.MOLECULE_CP_SHARED_SECRET).toBeUndefined();
    expect(await simulateTenantProvisionCall(state, 'gamma')).toBe(401);
    // Offline and container-less tenants were never sent the apply script.
    expect(applyDispatches(state, tenantOf(state, 'beta').instanceId)).toBe(0);
    expect(applyDispatches(state, tenantOf(state, 'delta').instanceId)).toBe(0);
    expect(readFileSync(join(f.stateDir, 'summary.md'), 'utf8')).toMatch(
      /\| gamma \| needs-migration \| rolled-back \|/,
    );
  });

  it('the change survives the auto-updater recreating the container from the original user-data', async () => {
    const { state } = f.sandbox;
    const update = await f.sandbox.runAutoUpdater('acme', { tag: '2026.12.01-abc1234' });
    expect(update.exitCode).toBe(0);
    const acme = readTenantContainer(state, tenantOf(state, 'acme'))!;
    expect(acme.image).toBe('ghcr.io/molecule-ai/platform-tenant:2026.12.01-abc1234');
    expect(fingerprintOf(acme.env.MOLECULE_CP_SHARED_SECRET ?? '')).toBe(fingerprintOf(currentSecret(state)));
    expect(await simulateTenantProvisionCall(state, 'acme')).toBe(201);
  });

  it('the secret value appears in no SSM request, output, ledger or plan file', async () => {
    const { state } = f.sandbox;
    const secret = currentSecret(state);
    const plan = await f.molectl(['migrate', 'cp-secret', 'plan', '--out', join(f.stateDir, 'plan.json'), '--debug']);
    expect(plan.code).toBe(5); // beta is offline
    expect(plan.stdout + plan.stderr).not.toContain(secret);
    expect(readFileSync(join(f.stateDir, 'plan.json'), 'utf8')).not.toContain(secret);
    for (const request of state.requests.filter((r) => r.service === 'ssm')) expect(request.body).not.toContain(secret);
    for (const ledger of ledgers(f.stateDir)) expect(JSON.stringify(ledger)).not.toContain(secret);
  });
});

describe('a fleet where everything can succeed', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 4, preCutover: 3 });
  });
  afterAll(() => f.stop());

  it('refuses to act without a typed confirmation or --yes with --env, changing nothing (exit 2)', async () => {
    const mark = f.sandbox.state.requests.length;
    const noTty = await f.molectl(['migrate', 'cp-secret', 'apply', '--soak', '0']);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/needs a confirmation, and there is no terminal to type it on; nothing was changed/);
    expect(noTty.stderr).toMatch(/hint: pass --env sandbox --yes/);
    const yesWithoutEnv = await f.molectl(['migrate', 'cp-secret', 'apply', '--soak', '0', '--yes']);
    expect(yesWithoutEnv.code).toBe(2);
    expect(yesWithoutEnv.stderr).toMatch(/--yes needs the environment named on the command line/);
    // Both stopped before any remote call: nothing was even read.
    expect(f.sandbox.state.requests.slice(mark)).toEqual([]);
    const badCanary = await f.molectl([...APPLY, '--canary', 'delta']);
    expect(badCanary.code).toBe(2);
    expect(badCanary.stderr).toMatch(/--canary delta is current, not a tenant to change/);
    const badWaves = await f.molectl([...APPLY, '--waves', '1,five']);
    expect(badWaves.code).toBe(2);
    expect(
      f.sandbox.state.requests.some((r) => r.action === 'SendCommand' && r.body.includes("MOLECTL_MODE='apply'")),
    ).toBe(false);
  });

  it('a missing secret is a configuration error with how to create it (exit 3)', async () => {
    const r = await f.molectl(['migrate', 'cp-secret', 'plan', '--secret-id', 'molecule/does-not-exist']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/secret molecule\/does-not-exist does not exist in Secrets Manager\nhint: create it/);
  });

  it('parameter delivery completes and leaves no parameter (and no lock) behind', async () => {
    const { state } = f.sandbox;
    const mark = state.requests.length;
    const r = await f.molectl([...APPLY, '--delivery', 'parameter']);
    expect(r.code).toBe(0);
    // The environment shown before confirming is the plan's: STS is asked once, beside discovery.
    expect(state.requests.slice(mark).filter((q) => q.action === 'GetCallerIdentity')).toHaveLength(1);
    for (const slug of ['acme', 'beta', 'gamma', 'delta'])
      expect(await simulateTenantProvisionCall(state, slug)).toBe(201);
    expect([...state.parameters.keys()]).toEqual([]);
    // The one request that stores the value is the PutParameter; nothing else carries it.
    const secret = currentSecret(state);
    const carriers = state.requests.filter((req) => req.body.includes(secret)).map((req) => req.action);
    expect(carriers).toEqual(['PutParameter']);
  });

  it('a second apply is a no-op', async () => {
    const before = state(f).requests.filter(
      (r) => r.action === 'SendCommand' && r.body.includes("MOLECTL_MODE='apply'"),
    ).length;
    const r = await f.molectl(APPLY);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/nothing to do/);
    expect(
      state(f).requests.filter((r) => r.action === 'SendCommand' && r.body.includes("MOLECTL_MODE='apply'")).length,
    ).toBe(before);
  });

  it('apply --plan refuses a plan the secret has drifted from', async () => {
    const planFile = join(f.stateDir, 'drift-plan.json');
    expect((await f.molectl(['migrate', 'cp-secret', 'plan', '--out', planFile])).code).toBe(0);
    const secret = state(f).secrets.get(state(f).cpSharedSecretId)!;
    const { putSecretValue } = await import('../../src/sandbox/aws/secrets-store.js');
    putSecretValue(state(f), secret.name, 'a-rotated-value-the-plan-did-not-see-0000');
    const r = await f.molectl([...APPLY, '--plan', planFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has drifted: the secret's current version changed/);
  });
});

function state(f: SandboxFixture): SandboxState {
  return f.sandbox.state;
}

describe('the failure budget', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 5, preCutover: 5, faults: 'docker-fail=beta' });
  });
  afterAll(() => f.stop());

  it('aborts when failures exceed --max-errors and leaves later waves untouched (exit 1)', async () => {
    const { state } = f.sandbox;
    const r = await f.molectl([...APPLY, '--waves', '1,100%']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /aborted: 1 failure exceeds --max-errors 0 \(abort when failures > 0\); 3 tenants left untouched/,
    );
    expect(await simulateTenantProvisionCall(state, 'acme')).toBe(201);
    for (const slug of ['delta', 'epsilon', 'gamma']) {
      expect(applyDispatches(state, tenantOf(state, slug).instanceId), slug).toBe(0);
      expect(await simulateTenantProvisionCall(state, slug)).toBe(401);
    }
    const [ledger] = ledgers(f.stateDir) as Array<{ status: string; targets: Record<string, { state: string }> }>;
    expect(ledger!.status).toBe('aborted');
    expect(ledger!.targets.delta!.state).toBe('pending');
  });

  it('resume refuses once the secret was rotated since: the rest of the fleet never gets the superseded value', async () => {
    const { state } = f.sandbox;
    const [aborted] = ledgers(f.stateDir) as Array<{ id: string; status: string; pinned: { versionId: string } }>;
    const { putSecretValue } = await import('../../src/sandbox/aws/secrets-store.js');
    putSecretValue(state, state.secrets.get(state.cpSharedSecretId)!.name, 'a-value-rotated-after-the-run-0000000000');
    const sends = state.requests.filter((r) => r.action === 'SendCommand').length;
    const r = await f.molectl(['--env', 'sandbox', 'migrate', 'cp-secret', 'resume', aborted!.id, '--yes']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      `error: the run pinned version ${aborted!.pinned.versionId} of the secret, which is no longer AWSCURRENT`,
    );
    expect(r.stderr).toMatch(/hint: start a new run with `molectl migrate cp-secret apply`/);
    expect(state.requests.filter((r) => r.action === 'SendCommand').length).toBe(sends);
    const [after] = ledgers(f.stateDir) as Array<{ status: string }>;
    expect(after!.status).toBe('aborted');
  });
});

describe('resume at another pace', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 5, preCutover: 5, faults: 'docker-fail=beta' });
  });
  afterAll(() => f.stop());

  it('--max-concurrency changes how many hosts work at once from here on, and nothing else', async () => {
    const { state } = f.sandbox;
    expect((await f.molectl([...APPLY, '--waves', '1,100%'])).code).toBe(1);
    const [run] = ledgers(f.stateDir) as Array<{ id: string }>;
    state.faults.dockerFailHosts.length = 0;
    const mark = state.requests.length;
    const r = await f.molectl([
      '--env',
      'sandbox',
      'migrate',
      'cp-secret',
      'resume',
      run!.id,
      '--max-concurrency',
      '1',
      '--yes',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const sends = state.requests
      .slice(mark)
      .filter((q) => q.action === 'SendCommand' && q.body.includes("MOLECTL_MODE='apply'"))
      .map((q) => JSON.parse(q.body) as { InstanceIds: string[]; MaxConcurrency: string });
    // beta, then delta, epsilon and gamma: one host at a time, where the run had 50.
    expect(sends.map((s) => [s.InstanceIds.length, s.MaxConcurrency])).toEqual([
      [1, '1'],
      [1, '1'],
      [1, '1'],
      [1, '1'],
    ]);
    const [after] = ledgers(f.stateDir) as Array<{
      status: string;
      inputs: { maxConcurrency: number };
      events: Array<{ message: string }>;
    }>;
    expect(after!.status).toBe('succeeded');
    expect(after!.inputs.maxConcurrency).toBe(50);
    expect(after!.events.map((e) => e.message)).toContain('resumed with --max-concurrency 1 (the run had 50)');
  });
});

describe('interruption', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 5, preCutover: 5, faults: 'host-work=1500ms' });
  });
  afterAll(() => f.stop());

  it('Ctrl-C saves the run (exit 130); resume finishes it without touching finished tenants', async () => {
    const { state } = f.sandbox;
    const controller = new AbortController();
    const canaryDone = waitFor(() => {
      try {
        const [ledger] = ledgers(f.stateDir) as Array<{ targets: Record<string, { state: string }> }>;
        return (
          Object.values(ledger?.targets ?? {}).some((t) => t.state === 'in-progress') &&
          ledger!.targets.acme?.state === 'succeeded'
        );
      } catch {
        return false;
      }
    }).then(() => controller.abort());
    const r = await f.molectl([...APPLY, '--waves', '100%'], { signal: controller.signal });
    await canaryDone;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/hint: resume with: molectl migrate cp-secret resume \S+/);
    const runId = /cp-secret resume (\S+)/.exec(r.stderr)![1]!;
    const [interrupted] = ledgers(f.stateDir) as Array<{ status: string }>;
    expect(interrupted!.status).toBe('interrupted');

    const resumed = await f.molectl(['--env', 'sandbox', 'migrate', 'cp-secret', 'resume', runId, '--yes']);
    expect(resumed.code).toBe(0);
    expect(applyDispatches(state, tenantOf(state, 'acme').instanceId)).toBe(1);
    for (const slug of ['acme', 'beta', 'delta', 'epsilon', 'gamma']) {
      expect(await simulateTenantProvisionCall(state, slug), slug).toBe(201);
      expect(applyDispatches(state, tenantOf(state, slug).instanceId), slug).toBe(1);
    }
    // Resuming the finished run again changes nothing, but writes the summary it was asked for.
    const summary = join(f.stateDir, 'finished-summary.md');
    const again = await f.molectl([
      ...['--env', 'sandbox', 'migrate', 'cp-secret', 'resume', runId, '--yes', '--summary-md', summary],
    ]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already finished; nothing to resume/);
    expect(readFileSync(summary, 'utf8')).toMatch(/\| acme \| needs-migration \| migrated \|/);
  });
});

describe('a fleet larger than one page of the CP org list', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    const { getSeedSlug } = await import('../../src/sandbox/seed-fleet.js');
    // Every agent offline: nothing is probed, so the test stays cheap at 510 tenants.
    const offline = Array.from({ length: 510 }, (_, i) => getSeedSlug(i));
    f = await startSandboxFixture({
      tenants: 510,
      preCutover: 510,
      workspacesPerTenant: 0,
      faults: { offlineHosts: offline },
    });
  });
  afterAll(() => f.stop());

  it('finds every tenant, confirming those beyond the first 500 one by one', async () => {
    const r = await f.molectl(['migrate', 'cp-secret', 'plan', '-o', 'json']);
    // Every agent is offline here, so no tenant can be judged: exit 5, and all 510 are named as unseen.
    expect(r.code).toBe(5);
    const plan = JSON.parse(r.stdout) as { targets: unknown[]; mismatches: { instanceWithoutOrg: unknown[] } };
    expect(plan.targets).toHaveLength(510);
    expect(plan.mismatches.instanceWithoutOrg).toEqual([]);
    expect(r.stderr).toMatch(/the CP listed 500 orgs; confirming 10 more one by one/);
  });
});

describe('a fleet far larger than one page of the CP org list', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    const { getSeedSlug } = await import('../../src/sandbox/seed-fleet.js');
    const offline = Array.from({ length: 650 }, (_, i) => getSeedSlug(i));
    f = await startSandboxFixture({
      tenants: 650,
      preCutover: 650,
      workspacesPerTenant: 0,
      faults: { offlineHosts: offline },
    });
  });
  afterAll(() => f.stop());

  it('asks once for a page as large as the fleet instead of confirming 150 orgs one by one', async () => {
    const mark = f.sandbox.state.requests.length;
    const r = await f.molectl(['migrate', 'cp-secret', 'plan', '-o', 'json']);
    expect(r.code).toBe(5);
    expect((JSON.parse(r.stdout) as { targets: unknown[] }).targets).toHaveLength(650);
    expect(r.stderr).not.toMatch(/one by one/);
    const cp = cpActionsSince(f.sandbox.state, mark);
    // The first page of 500, then one of 500 + 650 rows.
    expect(cp.filter((a) => a === 'GET /cp/admin/orgs')).toHaveLength(2);
    expect(cp.filter((a) => /^GET \/cp\/orgs\/[^/]+\/instance/.test(a))).toEqual([]);
  });

  it('apply --plan asks for the whole org list at once, knowing the fleet from the plan', async () => {
    const planFile = join(f.stateDir, 'large-plan.json');
    expect((await f.molectl(['migrate', 'cp-secret', 'plan', '--out', planFile])).code).toBe(5);
    const mark = f.sandbox.state.requests.length;
    const r = await f.molectl(['--env', 'sandbox', '-y', 'migrate', 'cp-secret', 'apply', '--plan', planFile]);
    // No agent is online: nothing reachable to change (exit 5), after the drift check's discovery.
    expect(r.code).toBe(5);
    const cp = cpActionsSince(f.sandbox.state, mark);
    expect(cp.filter((a) => a === 'GET /cp/admin/orgs')).toHaveLength(1);
    expect(cp.filter((a) => /^GET \/cp\/orgs\/[^/]+\/instance/.test(a))).toEqual([]);
  });
});

describe('a wave with one slow host', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 4, preCutover: 4, faults: 'slow=delta:4s' });
  });
  afterAll(async () => {
    await f?.stop();
  });

  it('writes each tenant to the ledger as its result lands, while the slow one still runs', async () => {
    const run = f.molectl([...APPLY, '--canary', 'acme', '--waves', '100%']);
    const targets = (): Record<string, { state: string; outcome?: string }> => {
      try {
        return (ledgers(f.stateDir)[0]?.targets ?? {}) as Record<string, { state: string; outcome?: string }>;
      } catch {
        return {}; // no ledger yet
      }
    };
    // `runs show` (the ledger) tells who is done mid-wave, not only once the wave is over.
    await waitFor(
      () =>
        targets().beta?.state === 'succeeded' &&
        targets().gamma?.state === 'succeeded' &&
        targets().delta?.state === 'in-progress',
    );
    const r = await run;
    expect(r.code).toBe(0);
    expect(targets().delta).toMatchObject({ state: 'succeeded', outcome: 'migrated' });
  });
});
