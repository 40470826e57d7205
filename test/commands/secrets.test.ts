import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../src/lib/output/fingerprint.js';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// `secrets list` and `secrets status` against the sandbox: Secrets Manager, the simulated Railway
// and Gitea, and the tenants probed by the migrate engine's real script.

describe('secrets list and status', () => {
  let f: SandboxFixture;
  let value: string;
  beforeAll(async () => {
    // acme is pre-cutover (no secret in its container); beta, gamma carry the CP's value.
    f = await startSandboxFixture({ tenants: 3, preCutover: 1 });
    value = f.sandbox.state.provisionSharedSecret;
  });
  afterAll(() => f.stop());
  const run = (argv: string[]) => f.molectl(argv, { env: deployServicesEnv() });

  it('list shows each configured secret with its stages and consumers, no value', async () => {
    const r = await run(['secrets', 'list', '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      secrets: Array<{ name: string; exists: boolean; versions: Array<{ stages: string[] }>; consumers: string[] }>;
    };
    const shared = doc.secrets.find((s) => s.name === 'cp-shared-secret')!;
    expect(shared.exists).toBe(true);
    expect(shared.versions.map((v) => v.stages)).toEqual([['AWSCURRENT']]);
    expect(shared.consumers).toEqual([
      'railway:controlplane/production/PROVISION_SHARED_SECRET',
      'tenants-env:MOLECULE_CP_SHARED_SECRET',
    ]);
    expect(doc.secrets.find((s) => s.name === 'cp-admin-api-token')!.exists).toBe(false);
    const text = await run(['secrets', 'list']);
    expect(text.stdout).toContain('cp-shared-secret');
    expect(text.stdout).toContain('MISSING');
    expect(r.stdout + r.stderr + text.stdout + text.stderr).not.toContain(value);
  });

  it('status gives fingerprints and the consumer drift, with the tenant histogram', async () => {
    const r = await run(['secrets', 'status', 'cp-shared-secret', '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      versions: Array<{ stages: string[]; fingerprint: string; createdAt: string | null }>;
      consumers: Array<{
        consumer: string;
        holds: string;
        histogram?: Record<string, number>;
        behind?: Array<{ slug: string; holds: string }>;
      }>;
    };
    expect(doc.versions[0]!.fingerprint).toBe(fingerprintOf(value));
    // Creation dates come from ListSecretVersionIds (DescribeSecret has none).
    expect(Date.parse(doc.versions[0]!.createdAt ?? '')).toBeGreaterThan(Date.parse('2026-01-01'));
    const [railway, tenants] = doc.consumers;
    expect(railway!.holds).toBe('current');
    expect(tenants!.histogram).toMatchObject({ current: 2, missing: 1 });
    expect(tenants!.behind).toEqual([expect.objectContaining({ slug: 'acme', holds: 'missing' })]);
    const text = await run(['secrets', 'status', 'cp-shared-secret']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('current 2');
    expect(text.stdout).toContain(fingerprintOf(value));
    expect(text.stdout).toMatch(/CREATED/);
    expect(r.stdout + r.stderr + text.stdout + text.stderr).not.toContain(value);
  });

  it('status exits 5 and counts the unknowns when a consumer or a tenant cannot be read, not when it was not asked', async () => {
    // --no-probe: the operator chose not to read the tenants. Shown as not probed, not counted:
    // nothing failed to be seen.
    const unprobed = await run(['secrets', 'status', 'cp-shared-secret', '--no-probe', '-o', 'json']);
    expect(unprobed.code, unprobed.stderr).toBe(0);
    const unprobedDoc = JSON.parse(unprobed.stdout) as {
      unknown: { consumers: number };
      consumers: Array<{ holds: string; notObservable?: string }>;
    };
    expect(unprobedDoc.unknown.consumers).toBe(0);
    expect(unprobedDoc.consumers[1]).toMatchObject({ holds: 'unknown', notObservable: 'not-probed' });
    expect(unprobed.stderr).not.toContain('consumers unknown');
    // One tenant's agent offline: that tenant is unknown, the consumer is mixed.
    f.sandbox.state.faults.offlineHosts.push('beta');
    try {
      const r = await run(['secrets', 'status', 'cp-shared-secret', '-o', 'json']);
      expect(r.code).toBe(5);
      const doc = JSON.parse(r.stdout) as { unknown: { consumers: number; tenants: number } };
      expect(doc.unknown).toEqual({ consumers: 1, tenants: 1 });
      expect(r.stderr).toContain('1 of 2 consumers unknown (1 tenant not observed)');
    } finally {
      f.sandbox.state.faults.offlineHosts.length = 0;
    }
  });

  it('status of an unknown name exits 4, of an unstored secret exits 4 with the put hint', async () => {
    expect((await run(['secrets', 'status', 'nope'])).code).toBe(4);
    const missing = await run(['secrets', 'status', 'cp-admin-api-token', '--no-probe']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('secrets put cp-admin-api-token');
  });
});
