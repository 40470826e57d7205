import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { addSimInstance } from '../helpers/add-sim-instance.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// `secrets status` compares what each consumer holds with the secret's versions, by fingerprint.
// When a version's value cannot be read, there is nothing to compare with: what the consumers
// hold is unknown (exit 5), never "other" (drift) on a fingerprint molectl never saw.

interface StatusDoc {
  versions: Array<{ stages: string[]; fingerprint: string | null }>;
  consumers: Array<{ consumer: string; holds: string; detail: string }>;
  unknown: { consumers: number; tenants: number };
}

describe('secrets status when the secret value cannot be read', () => {
  let f: SandboxFixture;
  const SECRET = 'molecule/cp/provision-shared-secret';
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 0 });
  });
  afterAll(() => f.stop());
  const run = (argv: string[]) => f.molectl(argv, { env: deployServicesEnv() });

  it('reads clean while it can: Railway on current, exit 0', async () => {
    const r = await run(['secrets', 'status', 'cp-shared-secret', '--no-probe', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as StatusDoc).consumers[0]).toMatchObject({ holds: 'current' });
  });

  it('GetSecretValue refused (AccessDenied): the consumers are unknown, exit 5, and the reason is named', async () => {
    f.sandbox.state.faults.flags['secretValueDenied'] = SECRET;
    try {
      const r = await run(['secrets', 'status', 'cp-shared-secret', '--no-probe', '-o', 'json']);
      expect(r.code, r.stderr).toBe(5);
      const doc = JSON.parse(r.stdout) as StatusDoc;
      expect(doc.versions[0]).toMatchObject({ stages: ['AWSCURRENT'], fingerprint: null });
      expect(doc.consumers[0]).toMatchObject({ holds: 'unknown' });
      expect(doc.consumers[0]!.detail).toContain('AWSCURRENT could not be read');
      expect(doc.unknown.consumers).toBe(1);
      expect(r.stderr).toMatch(
        /warning: AWSCURRENT of molecule\/cp\/provision-shared-secret could not be read: AWS denied secretsmanager:GetSecretValue/,
      );
      const text = await run(['secrets', 'status', 'cp-shared-secret', '--no-probe']);
      expect(text.code).toBe(5);
      expect(text.stdout).not.toMatch(/\bother\b/);
    } finally {
      delete f.sandbox.state.faults.flags['secretValueDenied'];
    }
  });

  it('a secret marked for deletion: the same, with the deletion named', async () => {
    const secret = [...f.sandbox.state.secrets.values()].find((s) => s.name === SECRET)!;
    secret.deletedAt = new Date();
    try {
      const r = await run(['secrets', 'status', 'cp-shared-secret', '-o', 'json']);
      expect(r.code, r.stderr).toBe(5);
      const doc = JSON.parse(r.stdout) as StatusDoc;
      expect(doc.consumers.map((c) => c.holds)).toEqual(['unknown', 'unknown']);
      expect(r.stderr).toContain('marked for deletion');
    } finally {
      secret.deletedAt = null;
    }
  });
});

describe('secrets status when the tenant plan set a tenant aside', () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 0 });
    // A re-provisioned tenant whose old instance still runs: which one is beta's tenant is ambiguous.
    const { state } = f.sandbox;
    const beta = state.instances.get(state.orgs.get('beta')!.tenantInstanceId!)!;
    addSimInstance(state, { tags: beta.tags.map((t) => ({ ...t })) });
  });
  afterAll(() => f.stop());

  it('counts it unknown (exit 5) instead of "1/1 tenants on current"', async () => {
    const r = await f.molectl(['secrets', 'status', 'cp-shared-secret', '-o', 'json'], { env: deployServicesEnv() });
    expect(r.code, r.stderr).toBe(5);
    const doc = JSON.parse(r.stdout) as StatusDoc & {
      consumers: Array<{
        detail: string;
        histogram?: Record<string, number>;
        behind?: Array<{ slug: string; holds: string; reason: string }>;
      }>;
    };
    const tenants = doc.consumers[1]!;
    expect(tenants.detail).toBe('1/2 tenants on current');
    expect(tenants.histogram).toMatchObject({ current: 1, unknown: 1 });
    expect(tenants.behind).toEqual([
      expect.objectContaining({
        slug: 'beta',
        holds: 'unknown',
        reason: expect.stringMatching(/2 running tenant instances/),
      }),
    ]);
    expect(doc.unknown).toEqual({ consumers: 1, tenants: 1 });
  });
});

describe('secrets list when a secret is scheduled for deletion', () => {
  it('says so instead of listing its versions as if nothing were wrong', async () => {
    const f = await startSandboxFixture({ tenants: 1, preCutover: 0 });
    try {
      const secret = [...f.sandbox.state.secrets.values()].find(
        (s) => s.name === 'molecule/cp/provision-shared-secret',
      )!;
      secret.deletedAt = new Date('2026-12-01T10:00:00Z');
      const r = await f.molectl(['secrets', 'list', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as { secrets: Array<{ name: string; scheduledForDeletion: string | null }> };
      expect(doc.secrets.find((s) => s.name === 'cp-shared-secret')).toMatchObject({
        scheduledForDeletion: '2026-12-01T10:00:00.000Z',
      });
      const text = await f.molectl(['secrets', 'list']);
      expect(text.stdout).toContain('SCHEDULED FOR DELETION (2026-12-01T10:00:00.000Z)');
    } finally {
      await f.stop();
    }
  });
});
