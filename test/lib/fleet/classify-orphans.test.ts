import { describe, expect, it } from 'vitest';
import type { InstanceSummary } from '../../../src/lib/aws/aws-types.js';
import { BUILT_IN_ENVIRONMENTS } from '../../../src/lib/config/environments.js';
import { classifyOrphans, commonFilterTags } from '../../../src/lib/fleet/classify-orphans.js';

const keys = BUILT_IN_ENVIRONMENTS.production!;
const now = new Date('2026-06-01T12:00:00Z');
const inst = (id: string, tags: Record<string, string>): InstanceSummary => ({ instanceId: id, state: 'running', launchTime: new Date('2026-05-01T12:00:00Z'), tags: { ManagedBy: 'molecule-cp', ...tags }, name: null, privateIp: null });

describe('classifyOrphans', () => {
  const instances = [
    inst('i-owned', { Role: 'tenant', OrgSlug: 'acme', OrgId: 'id-acme' }),
    inst('i-gone', { Role: 'tenant', OrgSlug: 'deleted-by-sql', OrgId: 'id-old' }),
    inst('i-gone-ws', { Role: 'workspace', OrgSlug: 'deleted-by-sql', OrgId: 'id-old' }),
    inst('i-reused', { Role: 'workspace', OrgSlug: 'acme', OrgId: 'id-previous-acme' }),
    inst('i-id-only', { Role: 'workspace', OrgId: 'id-nobody' }),
    inst('i-id-only-ok', { Role: 'workspace', OrgId: 'id-acme' }),
    inst('i-untagged', { Role: 'workspace' }),
  ];
  const known = new Map([['acme', 'id-acme']]);

  it('finds instances of missing orgs and of a reused slug, and sets apart the unattributable', () => {
    const report = classifyOrphans({ instances, known, listComplete: true, keys, now });
    expect(Object.fromEntries(report.orphans.map((o) => [o.instanceId, o.reason]))).toEqual({
      'i-gone': 'org-missing',
      'i-gone-ws': 'org-missing',
      'i-reused': 'org-id-mismatch',
      'i-id-only': 'org-missing',
    });
    expect(report.orphans.find((o) => o.instanceId === 'i-gone')).toMatchObject({ role: 'tenant', orgSlug: 'deleted-by-sql', ageMs: 31 * 86_400_000 });
    expect(report.unattributed.map((u) => u.instanceId)).toEqual(['i-untagged']);
    expect(report.scanned).toBe(7);
  });

  it('judges an id-only tag only when the org list is complete', () => {
    const report = classifyOrphans({ instances, known, listComplete: false, keys, now });
    expect(report.orphans.map((o) => o.instanceId)).not.toContain('i-id-only');
  });

  it('takes "managed by the CP" from the tags both filters share', () => {
    expect(commonFilterTags(keys)).toEqual({ ManagedBy: 'molecule-cp' });
  });
});
