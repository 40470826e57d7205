import { readTenantContainer } from '../../src/sandbox/hosts/tenant-container.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateTenantProvisionCall } from '../../src/sandbox/cp/simulate-tenant.js';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// Issue 12, item 2: `--abort-pending` says exactly what it put back and who it could not, and
// never calls a restore that observed nothing a success.

const SHARED_ID = 'molecule/cp/provision-shared-secret';
const BASE = ['--env', 'sandbox', '--yes', 'secrets', 'rotate', 'cp-shared-secret', '--health-timeout', '5s'];
const ROTATE = [...BASE, '--soak', '0'];

function stageMap(state: SandboxState, id: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of state.secrets.get(id)!.versions) for (const s of v.stages) out[s] = v.versionId;
  return out;
}
function valueOf(state: SandboxState, stage: string): string {
  return state.secrets.get(SHARED_ID)!.versions.find((v) => v.stages.includes(stage))!.value;
}
function tenantValue(state: SandboxState, slug: string): string | undefined {
  const org = state.orgs.get(slug)!;
  return readTenantContainer(state, state.instances.get(org.tenantInstanceId!)!)?.env['MOLECULE_CP_SHARED_SECRET'];
}
async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface AbortDoc {
  status: string;
  failure: string | null;
  leftBehind: string[];
  consumers: Array<{ consumer: string; state: string; detail: string }>;
}

describe('--abort-pending with a changed tenant out of reach', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  const run = (argv: string[], signal?: AbortSignal) =>
    f.molectl(argv, { env: deployServicesEnv(), ...(signal ? { signal } : {}) });
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 3, preCutover: 0 });
  });
  afterAll(() => f.stop());

  /** A rotation stopped (Ctrl-C) during the canary's soak: the CP and acme hold the pending value. */
  async function interruptAfterCanary(): Promise<{ old: string; pending: string }> {
    const { state } = f.sandbox;
    const old = valueOf(state, 'AWSCURRENT');
    const controller = new AbortController();
    const interrupted = run([...BASE, '--canary', 'acme', '--soak', '30s'], controller.signal);
    const pendingValue = (): string | undefined =>
      state.secrets.get(SHARED_ID)!.versions.find((v) => v.stages.includes('AWSPENDING'))?.value;
    await waitFor(() => pendingValue() !== undefined && tenantValue(state, 'acme') === pendingValue());
    controller.abort(new Error('Ctrl-C'));
    expect((await interrupted).code).toBe(130);
    const pending = valueOf(state, 'AWSPENDING');
    expect(state.provisionSharedSecret).toBe(pending);
    expect([tenantValue(state, 'acme'), tenantValue(state, 'beta')]).toEqual([pending, old]);
    return { old, pending };
  }

  it('puts the CP back, names acme as not put back, keeps AWSPENDING (exit 1)', async () => {
    const { state } = f.sandbox;
    const { old, pending } = await interruptAfterCanary();
    const before = stageMap(state, SHARED_ID);
    state.faults.offlineHosts = ['acme'];
    const r = await run([...ROTATE, '--abort-pending', '-o', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as AbortDoc;
    expect(doc.status).toBe('failed');
    expect(doc.consumers.map((c) => [c.consumer, c.state])).toEqual([
      ['railway:controlplane/production/PROVISION_SHARED_SECRET', 'put-back'],
      ['tenants-env:MOLECULE_CP_SHARED_SECRET', 'put-back-failed'],
    ]);
    expect(doc.consumers[1]!.detail).toMatch(/1 tenant could not be reached \(acme\)/);
    expect(doc.leftBehind).toEqual([expect.stringMatching(/^acme \(/)]);
    expect(doc.failure).toMatch(/AWSPENDING \S+ is kept, retry with --abort-pending/);
    expect(stageMap(state, SHARED_ID)).toEqual(before);
    expect(state.provisionSharedSecret).toBe(old);
    expect(tenantValue(state, 'acme')).toBe(pending);
  });

  it('with --accept-unreachable 1 it still fails (exit 1), never "0 of 0 reachable": nothing observed is nothing restored', async () => {
    const { state } = f.sandbox;
    const pendingId = stageMap(state, SHARED_ID).AWSPENDING!;
    const pending = valueOf(state, 'AWSPENDING');
    const r = await run([...ROTATE, '--abort-pending', '--accept-unreachable', '1', '-o', 'json']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as AbortDoc;
    expect(doc.status).toBe('failed');
    expect(r.stdout).not.toMatch(/0 of 0 reachable/);
    expect(doc.consumers[1]!.state).toBe('put-back-failed');
    expect(doc.consumers[1]!.detail).toMatch(
      /no tenant it changed could be observed \(acme unreachable\): nothing was verified/,
    );
    expect(doc.leftBehind).toEqual([expect.stringMatching(/^acme \(/)]);
    expect(stageMap(state, SHARED_ID).AWSPENDING).toBe(pendingId);
    expect(tenantValue(state, 'acme')).toBe(pending);
    const human = await run([...ROTATE, '--abort-pending', '--accept-unreachable', '1']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(
      /put back on AWSCURRENT \S+ \(sha256:[0-9a-f]{12}\): railway:controlplane\/production\/PROVISION_SHARED_SECRET/,
    );
    expect(human.stdout).toMatch(/not put back: tenants-env:MOLECULE_CP_SHARED_SECRET \(acme/);
    expect(human.stdout).toContain(`AWSPENDING ${pendingId} is kept`);
  });

  it('once acme is back, --abort-pending finishes: acme restored, AWSPENDING removed (exit 0)', async () => {
    const { state } = f.sandbox;
    state.faults.offlineHosts = [];
    const old = valueOf(state, 'AWSCURRENT');
    const r = await run([...ROTATE, '--abort-pending', '-o', 'json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as AbortDoc;
    expect(doc.consumers.map((c) => c.state)).toEqual(['put-back', 'put-back']);
    expect(doc.leftBehind).toEqual([]);
    expect(stageMap(state, SHARED_ID).AWSPENDING).toBeUndefined();
    expect(['acme', 'beta', 'gamma'].map((s) => tenantValue(state, s))).toEqual([old, old, old]);
    expect(await simulateTenantProvisionCall(state, 'acme')).toBe(201);
  });

  it('a consumer the rotation never changed is reported "unchanged", not "put back"', async () => {
    const { state } = f.sandbox;
    const old = valueOf(state, 'AWSCURRENT');
    // Ctrl-C while the CP redeploys: the tenants consumer was never started.
    const controller = new AbortController();
    const redeploys = (): number =>
      state.requests.filter((q) => q.service === 'railway' && q.body.includes('serviceInstanceRedeploy')).length;
    const already = redeploys();
    const interrupted = run(ROTATE, controller.signal);
    await waitFor(() => redeploys() > already);
    controller.abort(new Error('Ctrl-C'));
    expect((await interrupted).code).toBe(130);
    const r = await run([...ROTATE, '--abort-pending']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /put back on AWSCURRENT \S+ \(sha256:[0-9a-f]{12}\): railway:controlplane\/production\/PROVISION_SHARED_SECRET/,
    );
    expect(r.stdout).toMatch(/never changed by the rotation: tenants-env:MOLECULE_CP_SHARED_SECRET/);
    expect(r.stdout).toMatch(/tenants-env:MOLECULE_CP_SHARED_SECRET\s+unchanged/);
    expect(state.provisionSharedSecret).toBe(old);
    expect(stageMap(state, SHARED_ID).AWSPENDING).toBeUndefined();
  });
});
