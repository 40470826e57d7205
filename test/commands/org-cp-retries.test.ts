import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeOrgProvisioning, createOrgRow } from '../../src/sandbox/cp/launch-org.js';
import { startHarness, type Harness } from './org-harness.js';

/*
 * The CP answering 503 at random. The sandbox draws its CP faults from a PRNG seeded by the
 * sandbox seed: with seed 3 and a rate of 0.25 the first draws give three 503s in a row, then
 * never more than three in a row, so every call succeeds within the HTTP door's 4 attempts
 * while 503s certainly happen. (Same seed, same draws: the test is deterministic.)
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tenants: 2, seed: 3 });
  const org = createOrgRow(h.sandbox.state, {
    slug: 'flaky-org',
    name: 'flaky-org',
    ownerUserId: 'u',
    preCutover: false,
  });
  completeOrgProvisioning(h.sandbox.state, org, 1);
  h.sandbox.state.faults.cpErrorRate = 0.25;
});
afterAll(async () => {
  await h.stop();
});

describe('CP 503s', () => {
  it('are retried: org list and org delete succeed through them', async () => {
    const list = await h.run(['org', 'list', '--prefix', 'flaky-', '-o', 'json']);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { orgs: Array<{ slug: string }> }).orgs.map((o) => o.slug)).toEqual([
      'flaky-org',
    ]);

    const del = await h.run([
      '--env',
      'sandbox',
      'org',
      'delete',
      'flaky-org',
      '--confirm',
      'flaky-org',
      '--timeout',
      '30s',
    ]);
    expect(del.code).toBe(0);
    expect(h.sandbox.state.orgs.has('flaky-org')).toBe(false);
    expect(
      h.sandbox.state.requests.filter((r) => r.service === 'cp' && r.status === 503).length,
    ).toBeGreaterThanOrEqual(3);
  });
});
