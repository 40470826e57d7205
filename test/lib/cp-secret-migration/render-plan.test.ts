import { describe, expect, it } from 'vitest';
import { renderPlan as renderMarked } from '../../../src/lib/cp-secret-migration/render-plan.js';
import { stripRemoteMarks } from '../../../src/lib/output/remote-text.js';
import { EXPECTED_FP, plainStyles, plan, target } from '../tenant-secret-delivery/fixtures.js';

// What the output layer prints, less its redaction: the renderer marks the fleet's text as remote.
const renderPlan = (...args: Parameters<typeof renderMarked>): string => stripRemoteMarks(renderMarked(...args));

describe('renderPlan', () => {
  it('shows the pinned secret only as length and fingerprint, the fleet, and what will change', () => {
    const text = renderPlan(
      plan([
        target('acme', 'needs-migration', { reason: 'MOLECULE_CP_SHARED_SECRET not set' }),
        target('beta', 'current', { fingerprint: EXPECTED_FP, durable: true, reason: 'up to date, durable' }),
        target('gamma', 'unmanaged', { pingStatus: null, reason: 'not registered with SSM' }),
      ]),
      plainStyles,
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'environment production  CP https://api.moleculesai.app  region us-east-2  account 123456789012',
    );
    expect(lines[1]).toBe(`secret      molecule/cp/provision-shared-secret version v-1 (len=64 ${EXPECTED_FP})`);
    expect(lines[3]).toMatch(/^ORG +INSTANCE +CLASS +HOLDS +DURABLE +SSM +WHY$/);
    expect(lines[4]).toMatch(/^acme +i-acme +needs-migration +- +- +Online +MOLECULE_CP_SHARED_SECRET not set$/);
    expect(lines[5]).toMatch(new RegExp(`^beta +i-beta +current +${EXPECTED_FP} +yes +Online +up to date, durable$`));
    expect(lines[6]).toMatch(/^gamma +i-gamma +unmanaged +- +- +not managed +not registered with SSM$/);
    expect(lines.at(-1)).toBe('3 tenants: 1 needs-migration, 1 current, 1 unmanaged. 1 to change.');
  });

  it('lists mismatches between the CP and EC2', () => {
    const text = renderPlan(
      plan([], {
        mismatches: {
          instanceWithoutOrg: [
            { instanceId: 'i-1', slugTag: 'gone' },
            { instanceId: 'i-2', slugTag: null },
          ],
          orgWithoutInstance: [{ slug: 'beta', instanceStatus: 'running' }],
          duplicateInstances: [{ slug: 'acme', instanceIds: ['i-3', 'i-4'] }],
        },
      }),
      plainStyles,
    );
    expect(text).toContain('mismatches between the CP and EC2 (not migrated):');
    expect(text).toContain('  instance i-1 (OrgSlug tag gone) has no org in the CP');
    expect(text).toContain('  instance i-2 (OrgSlug tag missing) has no org in the CP');
    expect(text).toContain('  org beta (running) has no running tenant instance with the tenant tags');
    expect(text).toContain('  org acme has 2 tenant instances: i-3, i-4');
    expect(text.split('\n').at(-1)).toBe('0 tenants: none. 0 to change.');
  });
});
