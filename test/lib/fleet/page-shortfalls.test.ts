import { describe, expect, it } from 'vitest';
import type { OrgPage } from '../../../src/lib/cp/read-org-answers.js';
import { warnPageShortfalls } from '../../../src/lib/fleet/org-directory.js';

function page(over: Partial<OrgPage> & { count: number }): OrgPage {
  const rows = Array.from({ length: over.count }, (_, i) => ({ slug: `o${i}` })) as unknown as OrgPage['rows'];
  return { rows, unreadable: [], limit: 500, more: null, limitRefused: null, ...over };
}

function warnings(p: OrgPage): string[] {
  const said: string[] = [];
  warnPageShortfalls({ warn: (t) => said.push(t) }, p, 'CONSEQUENCE');
  return said;
}

describe('what a command says about the one page of orgs it read', () => {
  it('says nothing about a page shorter than its limit that signals nothing more', () => {
    expect(warnings(page({ count: 3 }))).toEqual([]);
  });

  it("names the field that says there is more, with the command's consequence", () => {
    expect(warnings(page({ count: 2, more: 'next_cursor' }))).toEqual([
      'the CP says it has more orgs than the 2 it returned (next_cursor): CONSEQUENCE',
    ]);
  });

  it('counts unreadable rows when it says a page is full', () => {
    const full = page({ count: 48, limit: 50, limitRefused: { limit: 100, answer: 'HTTP 400' } });
    full.unreadable = [
      { index: 3, slug: 'x', problem: 'no created_at' },
      { index: 9, slug: null, problem: 'no slug' },
    ] as unknown as OrgPage['unreadable'];
    expect(warnings(full)).toEqual([
      'the CP returned 50 orgs, its page limit, and may hold more: CONSEQUENCE',
      'the CP refused limit=100 (HTTP 400); molectl read a page of at most 50 instead',
      '2 org rows from the CP could not be read and are left out: x (no created_at), row 10 (no slug)',
    ]);
  });
});
