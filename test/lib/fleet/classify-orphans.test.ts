import { describe, expect, it } from 'vitest';
import type { InstanceSummary } from '../../../src/lib/aws/aws-types.js';
import { BUILT_IN_ENVIRONMENTS } from '../../../src/lib/config/environments.js';
import { classifyOrphans, commonFilterTags } from '../../../src/lib/fleet/classify-orphans.js';
import type { OrgLookup } from '../../../src/lib/fleet/org-directory.js';

const keys = BUILT_IN_ENVIRONMENTS.production!;
const now = new Date('2026-06-01T12:00:00Z');
const inst = (id: string, tags: Record<string, string>): InstanceSummary => ({
  instanceId: id,
  state: 'running',
  launchTime: new Date('2026-05-01T12:00:00Z'),
  tags: { ManagedBy: 'molecule-cp', ...tags },
  name: null,
  privateIp: null,
});

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
  const lookups = new Map<string, OrgLookup>([
    ['acme', { state: 'listed', row: { id: 'id-acme', slug: 'acme', instance_status: 'running', created_at: null } }],
    ['deleted-by-sql', { state: 'absent', evidence: 'the CP answers 404 for it' }],
  ]);
  const listedIds = new Set(['id-acme']);

  it('calls orphans only what the CP confirmed missing (or owned by another id), and sets apart the unattributable', () => {
    const report = classifyOrphans({ instances, lookups, listedIds, keys, now });
    expect(Object.fromEntries(report.orphans.map((o) => [o.instanceId, o.reason]))).toEqual({
      'i-gone': 'org-missing',
      'i-gone-ws': 'org-missing',
      'i-reused': 'org-id-mismatch',
    });
    expect(report.orphans.find((o) => o.instanceId === 'i-gone')).toMatchObject({
      role: 'tenant',
      orgSlug: 'deleted-by-sql',
      ageMs: 31 * 86_400_000,
      detail: expect.stringMatching(/404/),
    });
    expect(report.unattributed.map((u) => u.instanceId)).toEqual(['i-untagged']);
    expect(report.scanned).toBe(7);
  });

  it('an id-only tag missing from the listed page is unconfirmed, never an orphan (the CP has no per-id route)', () => {
    const report = classifyOrphans({ instances, lookups, listedIds, keys, now });
    expect(report.orphans.map((o) => o.instanceId)).not.toContain('i-id-only');
    expect(report.unconfirmed.map((u) => u.instanceId)).toEqual(['i-id-only']);
  });

  it('an org the CP could not judge leaves its instances unconfirmed; one confirmed without a row keeps its id unconfirmed', () => {
    const report = classifyOrphans({
      instances: [
        inst('i-a', { Role: 'tenant', OrgSlug: 'beta', OrgId: 'id-b' }),
        inst('i-b', { Role: 'tenant', OrgSlug: 'gamma', OrgId: 'id-g' }),
      ],
      lookups: new Map<string, OrgLookup>([
        ['beta', { state: 'unknown', reason: 'HTTP 503' }],
        ['gamma', { state: 'exists', row: null, evidence: 'per-org route answers' }],
      ]),
      listedIds: new Set(),
      keys,
      now,
    });
    expect(report.orphans).toEqual([]);
    expect(report.unconfirmed.map((u) => [u.instanceId, u.detail])).toEqual([
      ['i-a', expect.stringMatching(/unknown: HTTP 503/)],
    ]);
    expect(report.idUnconfirmed.map((u) => u.instanceId)).toEqual(['i-b']);
  });

  it('takes "managed by the CP" from the tags both filters share', () => {
    expect(commonFilterTags(keys)).toEqual({ ManagedBy: 'molecule-cp' });
  });
});
