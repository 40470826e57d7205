import { describe, expect, it } from 'vitest';
import type { InstanceSummary } from '../../../src/lib/aws/aws-types.js';
import type { OrgRow } from '../../../src/lib/cp/cp-schemas.js';
import { joinTenants } from '../../../src/lib/fleet/join-tenants.js';

const launched = new Date('2026-03-01T10:00:00Z');
const inst = (id: string, tags: Record<string, string>, launchTime: Date | null = launched): InstanceSummary => ({
  instanceId: id,
  state: 'running',
  launchTime,
  tags: { ManagedBy: 'molecule-cp', Role: 'tenant', ...tags },
  name: null,
  privateIp: null,
});
const org = (slug: string, status = 'running'): OrgRow => ({
  id: `id-${slug}`,
  slug,
  instance_status: status,
  created_at: '2026-03-01T09:00:00Z',
});
const join = (instances: InstanceSummary[], orgs: OrgRow[]) =>
  joinTenants({ instances, orgs, slugTagKey: 'OrgSlug', orgIdTagKey: 'OrgId' });

describe('joinTenants', () => {
  it('joins instances to orgs by the slug tag, sorted by slug', () => {
    const result = join(
      [inst('i-2', { OrgSlug: 'beta', OrgId: 'id-beta' }), inst('i-1', { OrgSlug: 'acme', OrgId: 'id-acme' }, null)],
      [org('acme'), org('beta')],
    );
    expect(result).toEqual({
      tenants: [
        { slug: 'acme', orgId: 'id-acme', instanceId: 'i-1', launchTime: null },
        { slug: 'beta', orgId: 'id-beta', instanceId: 'i-2', launchTime: '2026-03-01T10:00:00.000Z' },
      ],
      instanceWithoutOrg: [],
      orgWithoutInstance: [],
      duplicateInstances: [],
    });
  });

  it('joins by the OrgId tag when the slug tag is missing', () => {
    expect(join([inst('i-1', { OrgId: 'id-acme' })], [org('acme')]).tenants).toEqual([
      { slug: 'acme', orgId: 'id-acme', instanceId: 'i-1', launchTime: '2026-03-01T10:00:00.000Z' },
    ]);
  });

  it('joins by the OrgId tag when the slug tag names no org (a renamed org)', () => {
    expect(
      join([inst('i-1', { OrgSlug: 'old-name', OrgId: 'id-acme' })], [org('acme')]).tenants.map((t) => t.slug),
    ).toEqual(['acme']);
  });

  it('reports an instance whose org the CP does not know, with its slug tag', () => {
    const result = join(
      [inst('i-1', { OrgSlug: 'gone', OrgId: 'id-gone' }), inst('i-2', {})],
      [org('acme', 'provisioning')],
    );
    expect(result.tenants).toEqual([]);
    expect(result.instanceWithoutOrg).toEqual([
      { instanceId: 'i-1', slugTag: 'gone' },
      { instanceId: 'i-2', slugTag: null },
    ]);
  });

  it('reports running orgs without an instance, but not provisioning or failed ones', () => {
    const result = join(
      [inst('i-1', { OrgSlug: 'acme' })],
      [org('acme'), org('beta'), org('gamma', 'provisioning'), org('delta', 'failed')],
    );
    expect(result.orgWithoutInstance).toEqual([{ slug: 'beta', instanceStatus: 'running' }]);
  });

  it('joins an instance of an org that is not running yet (the instance list is the truth)', () => {
    expect(join([inst('i-1', { OrgSlug: 'acme' })], [org('acme', 'provisioning')]).tenants.map((t) => t.slug)).toEqual([
      'acme',
    ]);
  });

  it('leaves an org with two tenant instances out of the fleet and reports both ids', () => {
    const result = join(
      [inst('i-1', { OrgSlug: 'acme' }), inst('i-2', { OrgId: 'id-acme' }), inst('i-3', { OrgSlug: 'beta' })],
      [org('acme'), org('beta')],
    );
    expect(result.tenants.map((t) => t.slug)).toEqual(['beta']);
    expect(result.duplicateInstances).toEqual([{ slug: 'acme', instanceIds: ['i-1', 'i-2'] }]);
    // Ambiguous, not missing: it is reported once, as a duplicate.
    expect(result.orgWithoutInstance).toEqual([]);
  });

  it('uses the configured tag keys', () => {
    const result = joinTenants({
      instances: [inst('i-1', { Org: 'acme' })],
      orgs: [org('acme')],
      slugTagKey: 'Org',
      orgIdTagKey: 'OrgUuid',
    });
    expect(result.tenants.map((t) => t.instanceId)).toEqual(['i-1']);
  });

  it('handles an empty fleet', () => {
    expect(join([], [])).toEqual({
      tenants: [],
      instanceWithoutOrg: [],
      orgWithoutInstance: [],
      duplicateInstances: [],
    });
  });

  // An instance left running by a deleted org whose slug was later reused belongs to no live org
  // (classifyOrphans calls it org-id-mismatch): it must never receive the secret.
  it('does not join an instance whose OrgId tag contradicts the org its slug tag names', () => {
    const result = join([inst('i-old', { OrgSlug: 'acme', OrgId: 'id-of-a-deleted-org' })], [org('acme')]);
    expect(result.tenants).toEqual([]);
    expect(result.instanceWithoutOrg).toEqual([{ instanceId: 'i-old', slugTag: 'acme' }]);
  });
});
