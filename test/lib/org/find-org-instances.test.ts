import { describe, expect, it } from 'vitest';
import type { InstanceQuery, InstanceSummary } from '../../../src/lib/aws/aws-types.js';
import { BUILT_IN_ENVIRONMENTS } from '../../../src/lib/config/environments.js';
import { findOrgInstances } from '../../../src/lib/org/find-org-instances.js';

const env = BUILT_IN_ENVIRONMENTS.production!;
const now = new Date('2026-06-01T12:00:00Z');
const inst = (id: string, tags: Record<string, string>, state = 'running'): InstanceSummary => ({
  instanceId: id,
  state,
  launchTime: new Date('2026-06-01T11:00:00Z'),
  tags: { ManagedBy: 'molecule-cp', ...tags },
  name: null,
  privateIp: null,
});

/** EC2's tag filter: every tag of the query must match. */
function fakeAws(instances: InstanceSummary[]) {
  return {
    queries: [] as InstanceQuery[],
    async listInstances(query: InstanceQuery) {
      this.queries.push(query);
      return instances.filter((i) => Object.entries(query.tags ?? {}).every(([k, v]) => i.tags[k] === v));
    },
  };
}

describe('findOrgInstances', () => {
  const fleet = [
    inst('i-tenant', { Role: 'tenant', OrgSlug: 'acme', OrgId: 'id-1' }),
    inst('i-ws-slug', { Role: 'workspace', OrgSlug: 'acme', OrgId: 'id-1' }, 'shutting-down'),
    inst('i-ws-id-only', { Role: 'workspace', OrgId: 'id-1', WorkspaceID: 'w-2' }),
    inst('i-other', { Role: 'tenant', OrgSlug: 'beta', OrgId: 'id-2' }),
    inst('i-bastion', { Role: 'bastion', OrgSlug: 'acme' }),
    inst('i-untagged-role', { OrgSlug: 'acme', ManagedBy: 'someone-else' }),
  ];

  it('finds every instance carrying the slug tag whatever its role: tenant, workspaces, then the rest', async () => {
    const rows = await findOrgInstances(fakeAws(fleet), env, 'acme', now);
    expect(rows.map((r) => `${r.instanceId}:${r.role}:${r.state}`)).toEqual([
      'i-tenant:tenant:running',
      'i-ws-slug:workspace:shutting-down',
      'i-bastion:bastion:running',
      'i-untagged-role:unknown:running',
    ]);
    expect(rows[0]!.ageMs).toBe(3_600_000);
  });

  it('also finds instances tagged only with the org id when it is known, without duplicates', async () => {
    const aws = fakeAws(fleet);
    const rows = await findOrgInstances(aws, env, 'acme', now, 'id-1');
    expect(rows.map((r) => r.instanceId)).toEqual([
      'i-tenant',
      'i-ws-id-only',
      'i-ws-slug',
      'i-bastion',
      'i-untagged-role',
    ]);
    expect(aws.queries).toHaveLength(2);
  });
});
