import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateTenantProvisionCall } from '../../src/sandbox/cp/simulate-tenant.js';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { addSimInstance } from '../helpers/add-sim-instance.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

const APPLY = ['--env', 'sandbox', 'migrate', 'cp-secret', 'apply', '--yes', '--soak', '0', '--health-timeout', '5s'];

// Answers AWS gives that the sandbox did not give until asked to (another emulator, or AWS
// itself on a bad day), each rehearsed by a sandbox fault. Every verdict must rest on something
// seen; what cannot be seen is unknown, counted, non-zero.

describe('listings answered with empty pages that carry a NextToken', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 3, preCutover: 3, faults: 'pages=sparse' });
  });
  afterAll(() => f.stop());

  it('plan, apply and the audit see the whole fleet', async () => {
    const { state } = f.sandbox;
    const plan = await f.molectl(['--env', 'sandbox', 'migrate', 'cp-secret', 'plan', '-o', 'json']);
    expect(plan.code).toBe(0);
    const doc = JSON.parse(plan.stdout) as { targets: Array<{ slug: string; class: string }> };
    expect(doc.targets.map((t) => [t.slug, t.class])).toEqual([
      ['acme', 'needs-migration'],
      ['beta', 'needs-migration'],
      ['gamma', 'needs-migration'],
    ]);
    const apply = await f.molectl(APPLY);
    expect(apply.code).toBe(0);
    for (const slug of ['acme', 'beta', 'gamma']) expect(await simulateTenantProvisionCall(state, slug)).toBe(201);
    // The empty pages really were answered, and followed.
    const listed = state.requests.filter((q) => q.action === 'ListCommandInvocations' && q.body.includes('NextToken'));
    expect(listed.length).toBeGreaterThan(0);
  });

  it('the audit, the orphan scan, console and secrets status see it too', async () => {
    const audit = await f.molectl(['--env', 'sandbox', 'fleet', 'audit', '-o', 'json', '--no-console']);
    const doc = JSON.parse(audit.stdout) as { checks: Array<{ id: string; pass: number; unknown: number }> };
    expect(doc.checks.find((c) => c.id === 'cp-secret-missing')).toMatchObject({ pass: 3, unknown: 0 });
    const orphans = await f.molectl(['--env', 'sandbox', 'fleet', 'orphans', '-o', 'json']);
    expect(orphans.code).toBe(0);
    expect((JSON.parse(orphans.stdout) as { scanned: number }).scanned).toBeGreaterThan(3);
    expect((await f.molectl(['--env', 'sandbox', 'console', 'beta', '--tail', '1'])).code).toBe(0);
    // With the Railway token, every consumer is read: exit 0 (an unread one would be unknown, exit 5).
    const status = await f.molectl(['--env', 'sandbox', 'secrets', 'status', 'cp-shared-secret', '-o', 'json'], {
      env: deployServicesEnv(),
    });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('3/3 tenants on current');
  });
});

describe('a listing whose pages never end (empty pages, each with a new NextToken)', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 1, faults: 'pages=endless' });
  });
  afterAll(() => f.stop());

  it.each([
    ['fleet orphans', ['fleet', 'orphans']],
    ['migrate plan', ['migrate', 'cp-secret', 'plan']],
  ])('%s ends with an error (exit 1) instead of following it for ever', async (_name, argv) => {
    const r = await f.molectl(['--env', 'sandbox', ...argv]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/an AWS listing answered 1000 empty pages in a row, each with a new page token/);
  });
});

describe('a DescribeInstances that ignores its Filters', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 2, workspacesPerTenant: 1, faults: 'ec2-filters=ignored' });
  });
  afterAll(() => f.stop());

  it('plan still sees each tenant once: workspaces are not tenants', async () => {
    const plan = await f.molectl(['--env', 'sandbox', 'migrate', 'cp-secret', 'plan', '-o', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    const doc = JSON.parse(plan.stdout) as {
      targets: Array<{ slug: string; class: string }>;
      mismatches: { duplicateInstances: unknown[] };
    };
    expect(doc.targets.map((t) => [t.slug, t.class])).toEqual([
      ['acme', 'needs-migration'],
      ['beta', 'needs-migration'],
    ]);
    expect(doc.mismatches.duplicateInstances).toEqual([]);
  });

  it('the orphan scan does not report instances already terminated', async () => {
    const { state } = f.sandbox;
    // A deleted org leaves its instances terminated: they cost nothing and need no action.
    for (const instance of state.instances.values())
      if (instance.tags.some((t) => t.Key === 'OrgSlug' && t.Value === 'beta')) instance.state = 'terminated';
    state.orgs.delete('beta');
    const terminated = [...state.instances.values()].filter((i) => i.state === 'terminated').map((i) => i.instanceId);
    expect(terminated.length).toBeGreaterThan(0);
    const orphans = await f.molectl(['--env', 'sandbox', 'fleet', 'orphans', '-o', 'json']);
    for (const id of terminated) expect(orphans.stdout).not.toContain(id);
    expect(orphans.code).toBe(0);
  });
});

describe('an org with two running tenant instances', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 2 });
    // A re-provisioned tenant whose old instance still runs: the same tags on two instances.
    const { state } = f.sandbox;
    const beta = state.instances.get(state.orgs.get('beta')!.tenantInstanceId!)!;
    addSimInstance(state, { tags: beta.tags.map((t) => ({ ...t })) });
  });
  afterAll(() => f.stop());

  it('is not left out in silence: plan exits 5 naming it, and apply does not call the fleet done', async () => {
    const plan = await f.molectl(['--env', 'sandbox', 'migrate', 'cp-secret', 'plan']);
    expect(plan.code).toBe(5);
    expect(plan.stderr).toMatch(/1 tenant could not be judged .* — beta/);
    const apply = await f.molectl([...APPLY, '-o', 'json']);
    expect(apply.code).toBe(5);
    expect(JSON.parse(apply.stdout).status).toBe('partial');
    expect(apply.stderr).toMatch(/beta/);
  });
});
