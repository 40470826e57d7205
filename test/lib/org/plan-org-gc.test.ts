import { describe, expect, it } from 'vitest';
import type { OrgRow } from '../../../src/lib/cp/cp-schemas.js';
import { planOrgGc } from '../../../src/lib/org/plan-org-gc.js';
import { filterOrgs } from '../../../src/lib/org/summarize-orgs.js';

const now = new Date('2026-06-01T12:00:00Z');
const hoursAgo = (h: number): string => new Date(now.getTime() - h * 3_600_000).toISOString();
const row = (slug: string, createdAt: string, status = 'running'): OrgRow => ({
  id: `id-${slug}`,
  slug,
  instance_status: status,
  created_at: createdAt,
});

const rows: OrgRow[] = [
  row('e2e-old-1', hoursAgo(5)),
  row('e2e-old-2', hoursAgo(3), 'failed'),
  row('e2e-young', hoursAgo(1)),
  row('e2e-bad-date', 'not a date'),
  row('acme-e2e-old', hoursAgo(50)),
  row('acme', hoursAgo(500)),
];

describe('planOrgGc', () => {
  it('takes only prefixed orgs older than the threshold, oldest first', () => {
    const plan = planOrgGc(rows, { prefix: 'e2e-', olderThanMs: 2 * 3_600_000, max: 20 }, now);
    expect(plan.candidates.map((c) => c.slug)).toEqual(['e2e-old-1', 'e2e-old-2']);
    expect(plan.keptYoung).toBe(1);
    expect(plan.keptAgeUnknown).toBe(1);
    expect(plan.ageUnknown).toEqual(['e2e-bad-date']);
    expect(plan.refused).toBe(false);
  });

  it('never takes an org whose slug merely contains the prefix', () => {
    const plan = planOrgGc(rows, { prefix: 'e2e-', olderThanMs: 0, max: 20 }, now);
    expect(plan.candidates.map((c) => c.slug)).not.toContain('acme-e2e-old');
    expect(plan.candidates.map((c) => c.slug)).not.toContain('acme');
  });

  it('never takes an org of unknown age', () => {
    const plan = planOrgGc(rows, { prefix: 'e2e-', olderThanMs: 0, max: 20 }, now);
    expect(plan.candidates.map((c) => c.slug)).not.toContain('e2e-bad-date');
  });

  it('refuses when more than max would be deleted', () => {
    expect(planOrgGc(rows, { prefix: 'e2e-', olderThanMs: 2 * 3_600_000, max: 1 }, now).refused).toBe(true);
    expect(planOrgGc(rows, { prefix: 'e2e-', olderThanMs: 2 * 3_600_000, max: 2 }, now).refused).toBe(false);
  });
});

describe('filterOrgs', () => {
  it('filters by status and computes ages', () => {
    const failed = filterOrgs(rows, { status: 'failed' }, now);
    expect(failed).toEqual([
      { id: 'id-e2e-old-2', slug: 'e2e-old-2', instanceStatus: 'failed', createdAt: hoursAgo(3), ageMs: 3 * 3_600_000 },
    ]);
    expect(filterOrgs(rows, {}, now).find((o) => o.slug === 'e2e-bad-date')?.ageMs).toBeNull();
  });
});
