import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { completeOrgProvisioning, createOrgRow } from '../../src/sandbox/cp/launch-org.js';
import { defaultFaults } from '../../src/sandbox/state.js';
import { startHarness, type Harness } from './org-harness.js';

// Issue 12, item 5, the verdicts a DELETE's status cannot give: "unverified" when the CP cannot
// say whether the org is gone, and the contradiction of a 404 while the CP still lists the org.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tenants: 1 });
});
afterAll(() => h.stop());
beforeEach(() => {
  h.sandbox.state.faults = defaultFaults();
});

function seedOrg(slug: string): void {
  completeOrgProvisioning(
    h.sandbox.state,
    createOrgRow(h.sandbox.state, { slug, name: slug, ownerUserId: 'u', preCutover: false }),
    1,
  );
}
function lastLedger(): { status: string; targets: Record<string, { detail: Record<string, unknown> }> } {
  const dir = join(h.stateDir, 'runs');
  const newest = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .at(-1)!;
  return JSON.parse(readFileSync(join(dir, newest), 'utf8'));
}
const deleteArgs = (slug: string): string[] => [
  '--env',
  'sandbox',
  'org',
  'delete',
  slug,
  '--confirm',
  slug,
  '--timeout',
  '2s',
];

describe('org delete verdicts that no HTTP status gives', { timeout: 60_000 }, () => {
  it('the CP cannot say whether the org is gone (its per-org route answers 503): unverified, exit 1, never "deleted"', async () => {
    seedOrg('cannot-tell');
    h.sandbox.state.faults.flags['instanceRouteFails'] = true;
    const run = await h.run(deleteArgs('cannot-tell'));
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/could not verify the org is gone/);
    expect(run.stdout).toMatch(/cannot-tell +unverified/);
    expect(run.stdout).toMatch(/could not verify that the CP removed org "cannot-tell": .*HTTP 503/);
    expect(run.stdout).not.toMatch(/deleted|verified gone/);
    // The cascade did run: the sandbox no longer has the org, but molectl never saw that confirmed.
    expect(h.sandbox.state.orgs.has('cannot-tell')).toBe(false);
    expect(run.stdout).not.toContain('terminate-instances');
    expect(lastLedger().status).toBe('failed');
  });

  it('a DELETE answered 404 while the CP still lists the org: the contradiction is reported, exit 5, nothing to terminate by hand', async () => {
    seedOrg('still-listed');
    h.sandbox.state.faults.flags['delete404Kept'] = true;
    const run = await h.run([...deleteArgs('still-listed'), '-o', 'json']);
    expect(run.code, run.stderr).toBe(5);
    const doc = JSON.parse(run.stdout) as { status: string; leftovers: Array<{ kind: string; fix: string }> };
    expect(doc.status).not.toBe('deleted');
    expect(doc.leftovers.find((l) => l.kind === 'cp-row')!.fix).toMatch(
      /the CP answered 404 to the delete but still has the org: a contradiction/,
    );
    for (const l of doc.leftovers.filter((x) => x.kind === 'instance')) {
      expect(l.fix).toMatch(/never terminate it by hand/);
      expect(l.fix).not.toContain('terminate-instances');
    }
    expect(h.sandbox.state.orgs.has('still-listed')).toBe(true);
    expect(lastLedger().targets['still-listed']!.detail).toMatchObject({ cpAnswered404: true });
  });
});

describe('the verification cannot run after the CP accepted the delete', { timeout: 120_000 }, () => {
  // Once a DELETE is answered 2xx, every AWS and CP connection drops (AWS unreachable): the
  // cascade may well have finished, but nothing can confirm it.
  let g: Harness;
  beforeAll(async () => {
    g = await startHarness({
      tenants: 1,
      onRequest: (r) => {
        if (r.action.startsWith('DELETE /cp/admin/tenants/') && r.status >= 200 && r.status < 300)
          g.sandbox.state.faults.connectionResetRate = 1;
      },
    });
  });
  afterAll(() => g.stop());
  beforeEach(() => {
    g.sandbox.state.faults = defaultFaults();
  });
  const seed = (slug: string, hoursOld = 0): void => {
    completeOrgProvisioning(
      g.sandbox.state,
      createOrgRow(g.sandbox.state, {
        slug,
        name: slug,
        ownerUserId: 'u',
        preCutover: false,
        createdAt: new Date(Date.now() - hoursOld * 3_600_000),
      }),
      1,
    );
  };

  it('org delete: unverified (exit 1), saying what could not be checked, never "was not deleted"', async () => {
    seed('gone-unseen');
    const run = await g.run([...deleteArgs('gone-unseen'), '--timeout', '20s']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/gone-unseen +unverified/);
    expect(run.stdout).toMatch(
      /the CP accepted the delete, but whether org "gone-unseen" and its instances are gone could not be checked: /,
    );
    expect(run.stderr).not.toMatch(/was not deleted|cascade did not finish/);
    expect(g.sandbox.state.orgs.has('gone-unseen')).toBe(false);
  });

  it('org gc --execute: the org is counted unverified, not failed (exit 5)', async () => {
    seed('zz-gc-unseen', 5);
    const run = await g.run([
      ...['--env', 'sandbox', '--yes', 'org', 'gc', '--prefix', 'zz-gc-', '--older-than', '1h', '--execute'],
      ...['--timeout', '20s', '-o', 'json'],
    ]);
    expect(run.code, run.stderr).toBe(5);
    const doc = JSON.parse(run.stdout) as {
      outcomes: Array<{ slug: string; status: string; error?: { message: string } }>;
    };
    expect(doc.outcomes).toEqual([
      expect.objectContaining({
        slug: 'zz-gc-unseen',
        status: 'unverified',
        error: expect.objectContaining({ message: expect.stringMatching(/could not be checked/) }),
      }),
    ]);
  });
});
