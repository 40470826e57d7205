import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateRawSqlDelete } from '../../src/sandbox/cp/simulate-tenant.js';
import { completeOrgProvisioning, createOrgRow } from '../../src/sandbox/cp/launch-org.js';
import { addSimInstance } from '../helpers/add-sim-instance.js';
import { startHarness, type Harness } from './org-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tenants: 3, workspacesPerTenant: 1 });
});
afterAll(async () => {
  await h.stop();
});

const instancesOf = (slug: string): string[] =>
  [...h.sandbox.state.instances.values()]
    .filter((i) => i.tags.some((t) => t.Key === 'OrgSlug' && t.Value === slug))
    .map((i) => i.instanceId)
    .sort();

describe('molectl fleet orphans', () => {
  it('finds nothing in a healthy fleet (exit 0, also with --check)', async () => {
    const run = await h.run(['fleet', 'orphans', '--check']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/no orphans among 6 managed instances/);
  });

  it('finds the instances a raw-SQL delete left running, and changes nothing', async () => {
    const victim = [...h.sandbox.state.orgs.keys()][0]!;
    const left = instancesOf(victim);
    expect(simulateRawSqlDelete(h.sandbox.state, victim)).toBe(true);
    const before = JSON.stringify([...h.sandbox.state.instances.values()].map((i) => i.state));

    const run = await h.run(['fleet', 'orphans', '-o', 'json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as {
      orphans: Array<{
        instanceId: string;
        role: string;
        orgSlug: string;
        state: string;
        ageMs: number;
        reason: string;
      }>;
    };
    expect(doc.orphans.map((o) => o.instanceId).sort()).toEqual(left);
    expect(doc.orphans.map((o) => o.role).sort()).toEqual(['tenant', 'workspace']);
    expect(
      doc.orphans.every(
        (o) => o.orgSlug === victim && o.reason === 'org-missing' && o.state === 'running' && o.ageMs > 0,
      ),
    ).toBe(true);
    expect(JSON.stringify([...h.sandbox.state.instances.values()].map((i) => i.state))).toBe(before);

    const text = await h.run(['fleet', 'orphans']);
    expect(text.stdout).toMatch(new RegExp(`${left[0]} .* ${victim} `));
    expect(text.stdout).toMatch(/2 orphans:/);
    expect((await h.run(['fleet', 'orphans', '--check'])).code).toBe(8);
  });

  it('finds an old instance whose slug was reused by a new org', async () => {
    const reusedSlug = [...h.sandbox.state.orgs.keys()][0]!;
    const old = instancesOf(reusedSlug);
    // The old row vanishes by raw SQL; a new org takes the slug (new id, new instances).
    simulateRawSqlDelete(h.sandbox.state, reusedSlug);
    completeOrgProvisioning(
      h.sandbox.state,
      createOrgRow(h.sandbox.state, { slug: reusedSlug, name: 'again', ownerUserId: 'u', preCutover: false }),
      1,
    );
    const run = await h.run(['fleet', 'orphans', '-o', 'json']);
    const doc = JSON.parse(run.stdout) as { orphans: Array<{ instanceId: string; reason: string }> };
    const mismatched = doc.orphans
      .filter((o) => o.reason === 'org-id-mismatch')
      .map((o) => o.instanceId)
      .sort();
    expect(mismatched).toEqual(old);
  });
});

describe('molectl fleet orphans: a managed instance that names no org', () => {
  it('is not judged, so the scan is incomplete: exit 5 (also with --check), never a green "no orphans"', async () => {
    const h2 = await startHarness({ tenants: 2, workspacesPerTenant: 0 });
    try {
      // The CP tagged it as its own, but no org: whether its org is gone cannot be asked.
      const stray = addSimInstance(h2.sandbox.state, {
        tags: [
          { Key: 'ManagedBy', Value: 'molecule-cp' },
          { Key: 'Role', Value: 'tenant' },
        ],
        ssm: 'none',
      });
      for (const argv of [
        ['fleet', 'orphans'],
        ['fleet', 'orphans', '--check'],
      ]) {
        const run = await h2.run(argv);
        expect(run.code, run.stderr).toBe(5);
        expect(run.stdout).toMatch(/no confirmed orphans among 3 managed instances/);
        expect(run.stdout).toContain(
          `1 managed instance carries no org tag and could not be checked: ${stray.instanceId}`,
        );
      }
    } finally {
      await h2.stop();
    }
  });
});
