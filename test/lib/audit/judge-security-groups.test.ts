import { describe, expect, it } from 'vitest';
import type { IngressRule, SecurityGroupSummary } from '../../../src/lib/aws/aws-types.js';
import {
  findWorldOpenRules,
  judgeSecurityGroups,
  revokeCommand,
} from '../../../src/lib/audit/judge-security-groups.js';

const rule = (protocol: string, fromPort: number | null, toPort: number | null, source: string): IngressRule => ({
  protocol,
  fromPort,
  toPort,
  source,
});
const group = (groupId: string, ...ingress: IngressRule[]): SecurityGroupSummary => ({
  groupId,
  groupName: groupId,
  ingress,
});
const EXPECTED = [8080, 3000];

describe('findWorldOpenRules', () => {
  it.each([
    ['the world to an expected port', rule('tcp', 8080, 8080, '0.0.0.0/0'), false],
    ['the VPC to any port', rule('tcp', 9999, 9999, '10.0.0.0/16'), false],
    ['another group', rule('tcp', 0, 65535, 'sg-0123'), false],
    ['the world to 9999', rule('tcp', 9999, 9999, '0.0.0.0/0'), true],
    ['IPv6 world to 22', rule('tcp', 22, 22, '::/0'), true],
    ['the world to every protocol', rule('-1', null, null, '0.0.0.0/0'), true],
    ['a range spanning an expected port', rule('tcp', 3000, 3001, '0.0.0.0/0'), true],
    ['udp to a stray port', rule('udp', 5353, 5353, '0.0.0.0/0'), true],
    ['ICMP from the world (types, not ports)', rule('icmp', 8, -1, '0.0.0.0/0'), false],
  ])('%s', (_name, r, open) => {
    expect(findWorldOpenRules([group('sg-1', r)], EXPECTED).length > 0).toBe(open);
  });
});

describe('judgeSecurityGroups', () => {
  const groups = new Map([
    ['sg-clean', group('sg-clean', rule('tcp', 8080, 8080, '10.0.0.0/16'))],
    ['sg-open', group('sg-open', rule('tcp', 9999, 9999, '0.0.0.0/0'))],
  ]);
  const judge = (groupIds: string[] | undefined, g: Parameters<typeof judgeSecurityGroups>[0]['groups'] = groups) =>
    judgeSecurityGroups({ groupIds, groups: g, expectedPorts: EXPECTED, region: 'us-east-2' });

  it('passes a group with no world ingress', () => {
    expect(judge(['sg-clean']).status).toBe('pass');
  });

  it('is unknown when DescribeInstances named no group (every live instance has one), never "nothing admits traffic"', () => {
    expect(judge(undefined)).toEqual({
      status: 'unknown',
      detail: 'DescribeInstances gave no security groups for the instance',
    });
    expect(judge([]).status).toBe('unknown');
  });

  it('is unknown when a group came back without its rules, but still fails on an open rule of another', () => {
    const unsaid = new Map([...groups, ['sg-unsaid', { groupId: 'sg-unsaid', groupName: null, ingress: null }]]);
    expect(judge(['sg-clean', 'sg-unsaid'], unsaid)).toEqual({
      status: 'unknown',
      detail: 'DescribeSecurityGroups gave no ingress rules (IpPermissions) for sg-unsaid',
    });
    expect(judge(['sg-open', 'sg-unsaid'], unsaid).status).toBe('fail');
  });

  it('fails a world-open group with the exact revoke command', () => {
    const j = judge(['sg-clean', 'sg-open']);
    expect(j.status).toBe('fail');
    expect(j.evidence).toBe('sg-open: tcp 9999 from 0.0.0.0/0');
    expect(j.fix).toBe(
      "aws ec2 revoke-security-group-ingress --region us-east-2 --group-id sg-open --ip-permissions 'IpProtocol=tcp,FromPort=9999,ToPort=9999,IpRanges=[{CidrIp=0.0.0.0/0}]'",
    );
  });

  it('is unknown when a group or the listing is missing', () => {
    expect(judge(['sg-gone']).status).toBe('unknown');
    expect(judge(undefined).status).toBe('unknown');
    expect(judge(['sg-clean'], { unavailable: 'AccessDenied' })).toEqual({ status: 'unknown', detail: 'AccessDenied' });
  });

  it('writes IPv6 and all-traffic revokes in the CLI shorthand', () => {
    expect(revokeCommand('eu-west-1', { groupId: 'sg-x', rule: rule('-1', null, null, '::/0') })).toBe(
      "aws ec2 revoke-security-group-ingress --region eu-west-1 --group-id sg-x --ip-permissions 'IpProtocol=-1,Ipv6Ranges=[{CidrIpv6=::/0}]'",
    );
  });
});
