import { describe, expect, it } from 'vitest';
import type { InstanceSummary } from '../../../src/lib/aws/aws-types.js';
import { contradictionOf } from '../../../src/lib/aws/ec2-calls.js';

function instance(over: Partial<InstanceSummary>): InstanceSummary {
  return {
    instanceId: 'i-0aaa',
    state: 'running',
    launchTime: null,
    tags: { ManagedBy: 'molecule-cp', Role: 'tenant' },
    name: null,
    privateIp: null,
    imageId: null,
    metadataOptions: null,
    securityGroupIds: [],
    ...over,
  };
}

describe('contradictionOf: rows an endpoint that ignores filters would let through', () => {
  it.each([
    ['matching row', instance({}), { tags: { Role: 'tenant' }, states: ['running'] }, false],
    ['another tag value', instance({}), { tags: { Role: 'workspace' } }, true],
    ['a missing tag on a tagged instance', instance({}), { tags: { OrgSlug: 'acme' } }, true],
    ['no tags at all: EC2 left them unsaid', instance({ tags: {} }), { tags: { Role: 'tenant' } }, false],
    ['a known state not asked for', instance({ state: 'terminated' }), { states: ['running'] }, true],
    ['no state: unsaid', instance({ state: 'unknown' }), { states: ['running'] }, false],
    ['an id not asked for', instance({}), { instanceIds: ['i-0bbb'] }, true],
    ['a wildcard value', instance({}), { tags: { ManagedBy: 'molecule-*' } }, false],
    ['a wildcard that does not match', instance({}), { tags: { ManagedBy: 'other-?' } }, true],
    ['an escaped * is a literal *', instance({ tags: { Name: 'ws-*' } }), { tags: { Name: 'ws-\\*' } }, false],
    ['an escaped * matches no other text', instance({ tags: { Name: 'ws-a1' } }), { tags: { Name: 'ws-\\*' } }, true],
    ['a required key missing', instance({}), { tagKeys: ['OrgId'] }, true],
  ])('%s', (_what, row, query, expected) => {
    expect(contradictionOf(query)(row)).toBe(expected);
  });
});
