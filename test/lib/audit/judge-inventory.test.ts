import { describe, expect, it } from 'vitest';
import type { InstanceSummary } from '../../../src/lib/aws/aws-types.js';
import type { OrgRow } from '../../../src/lib/cp/cp-schemas.js';
import { classifyOrphans } from '../../../src/lib/fleet/classify-orphans.js';
import type { OrgLookup } from '../../../src/lib/fleet/org-directory.js';
import { stripRemoteMarks } from '../../../src/lib/output/remote-text.js';
import {
  findDuplicateTenants,
  indexOrphans,
  judgeOrgInstance,
  judgeOrphan,
  judgeTags,
  orphanIdsOf,
  type InventoryInput,
} from '../../../src/lib/audit/judge-inventory.js';

const keys = {
  tenantFilter: { tags: { ManagedBy: 'molecule-cp', Role: 'tenant' } },
  workspaceFilter: { tags: { ManagedBy: 'molecule-cp', Role: 'workspace' } },
  orgSlugTagKey: 'OrgSlug',
  orgIdTagKey: 'OrgId',
};
const inst = (id: string, tags: Record<string, string>, state = 'running'): InstanceSummary => ({
  instanceId: id,
  state,
  launchTime: new Date('2026-05-01T00:00:00Z'),
  tags: { ManagedBy: 'molecule-cp', ...tags },
  name: null,
  privateIp: null,
});
const org = (slug: string, id: string, instance_status = 'running'): OrgRow => ({
  slug,
  id,
  instance_status,
  created_at: '2026-05-01T00:00:00Z',
});

const instances = [
  inst('i-acme', { Role: 'tenant', OrgSlug: 'acme', OrgId: 'id-acme' }),
  inst('i-acme-ws', { Role: 'workspace', OrgSlug: 'acme', OrgId: 'id-acme' }),
  inst('i-gone', { Role: 'tenant', OrgSlug: 'gone', OrgId: 'id-gone' }),
  inst('i-reused', { Role: 'tenant', OrgSlug: 'beta', OrgId: 'id-old-beta' }),
  inst('i-beta', { Role: 'tenant', OrgSlug: 'beta', OrgId: 'id-beta' }),
  inst('i-beta-2', { Role: 'tenant', OrgSlug: 'beta', OrgId: 'id-beta' }),
  inst('i-bare', { Role: 'tenant' }),
  inst('i-odd', { Role: 'builder', OrgSlug: 'acme' }),
  inst('i-hazy', { Role: 'tenant', OrgSlug: 'hazy', OrgId: 'id-hazy' }),
  inst('i-far', { Role: 'tenant', OrgSlug: 'far', OrgId: 'id-far' }),
];
const orgs = [
  org('acme', 'id-acme'),
  org('beta', 'id-beta'),
  org('delta', 'id-delta'),
  org('new', 'id-new', 'provisioning'),
];
// As the CP answers through OrgDirectory: listed rows, a 404 confirmed, a timeout, a slug confirmed beyond the page.
const lookups = new Map<string, OrgLookup>([
  ...orgs.map((o) => [o.slug, { state: 'listed', row: o }] as [string, OrgLookup]),
  ['gone', { state: 'absent', evidence: "the CP's per-org route answers 404 for it" }],
  ['hazy', { state: 'unknown', reason: 'GET /cp/orgs/hazy/instance: timed out' }],
  ['far', { state: 'exists', row: null, evidence: "the CP's per-org route answers for it" }],
]);
const report = classifyOrphans({
  instances,
  lookups,
  listedIds: new Set(orgs.map((o) => o.id)),
  keys,
  now: new Date('2026-06-01T00:00:00Z'),
});
const input: InventoryInput = { instances, orphans: report, orgs, keys, region: 'us-east-2' };
const orphans = indexOrphans(report);
const orphanIds = orphanIdsOf(report);
const duplicates = findDuplicateTenants(input, orphanIds);

describe('inventory judges', () => {
  it.each([
    ['i-acme', 'pass', 'pass'],
    ['i-acme-ws', 'pass', 'pass'],
    ['i-gone', 'fail', 'pass'],
    ['i-reused', 'fail', 'pass'],
    ['i-beta', 'pass', 'fail'],
    ['i-beta-2', 'pass', 'fail'],
    ['i-bare', 'unknown', 'fail'],
    ['i-odd', 'pass', 'fail'],
    ['i-hazy', 'unknown', 'pass'],
    ['i-far', 'pass', 'pass'],
  ])('%s: orphan-instance %s, tag-mismatch %s', (id, orphan, tags) => {
    const instance = instances.find((i) => i.instanceId === id)!;
    expect(judgeOrphan(instance, input, orphans.get(id)).status).toBe(orphan);
    expect(judgeTags(instance, input, duplicates).status).toBe(tags);
  });

  it('names the terminate command for an orphan, as fleet orphans explains it', () => {
    const j = judgeOrphan(instances[2]!, input, orphans.get('i-gone'));
    // The slug is the instance's tag: marked as remote text inside the sentence.
    expect(stripRemoteMarks(j.detail)).toContain('the CP has no org "gone"');
    expect(j.fix).toBe(
      'aws ec2 terminate-instances --region us-east-2 --instance-ids i-gone  # after checking its tags and owner',
    );
  });

  it('judges running orgs by their live tenant instance', () => {
    expect(judgeOrgInstance(orgs[0]!, input, orphanIds).status).toBe('pass');
    expect(judgeOrgInstance(orgs[2]!, input, orphanIds)).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('molectl org show delta'),
    });
  });
});
