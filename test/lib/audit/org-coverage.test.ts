import { describe, expect, it } from 'vitest';
import type { OrgRow } from '../../../src/lib/cp/cp-schemas.js';
import { describeOrgListGap } from '../../../src/lib/audit/org-coverage.js';

const row = (slug: string): OrgRow =>
  ({ id: `id-${slug}`, slug, instance_status: 'running', created_at: null }) as unknown as OrgRow;
const page = (
  n: number,
  extra: Partial<{
    more: string | null;
    limit: number;
    unreadable: Array<{ index: number; slug: string | null; problem: string }>;
  }> = {},
) => ({
  rows: Array.from({ length: n }, (_, i) => row(`org-${i}`)),
  unreadable: extra.unreadable ?? [],
  more: extra.more ?? null,
  limit: extra.limit ?? 500,
});

describe('describeOrgListGap', () => {
  it('is null for a page shorter than the limit, with nothing confirmed beyond it', () => {
    expect(describeOrgListGap(page(3), [])).toBeNull();
    // A row unreadable but named by its slug is audited by slug: no gap.
    expect(describeOrgListGap(page(3, { unreadable: [{ index: 3, slug: 'beta', problem: 'id' }] }), [])).toBeNull();
  });

  it.each([
    ['a full page', page(500), [], 'the CP returned 500 orgs, its page limit, and may hold more'],
    [
      'a cursor',
      page(2, { more: 'next_cursor' }),
      [],
      'the CP says it has more orgs than the 2 it returned (next_cursor)',
    ],
    [
      'orgs confirmed beyond a silently capped page',
      page(2),
      ['gamma', 'delta'],
      'the CP confirmed 2 orgs its list of 2 left out (gamma, delta), so the list is short',
    ],
    [
      'a row without even a slug',
      page(2, { unreadable: [{ index: 2, slug: null, problem: 'slug' }] }),
      [],
      '1 org row could not be read, not even their slug',
    ],
  ])('names %s', (_what, p, beyond, reason) => {
    expect(describeOrgListGap(p, beyond)).toBe(reason);
  });
});
