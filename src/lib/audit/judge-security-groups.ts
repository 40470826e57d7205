import type { IngressRule, SecurityGroupSummary } from '../aws/aws-types.js';
import { fail, pass, unknown, type Judgement } from './audit-verdict.js';

/**
 * debug-port-open: an ingress rule from the whole internet (0.0.0.0/0 or ::/0) to a port outside
 * the expected set. Pure. ICMP rules carry types, not ports, and are left out; a rule for every
 * protocol or a port range reaching past the expected ports is a finding.
 */

const WORLD = new Set(['0.0.0.0/0', '::/0']);

export interface OpenRule {
  groupId: string;
  rule: IngressRule;
}

export function findWorldOpenRules(groups: SecurityGroupSummary[], expectedPorts: readonly number[]): OpenRule[] {
  const open: OpenRule[] = [];
  for (const group of groups) {
    for (const rule of group.ingress ?? []) {
      if (
        !WORLD.has(rule.source) ||
        rule.protocol === 'icmp' ||
        rule.protocol === 'icmpv6' ||
        rule.protocol === '1' ||
        rule.protocol === '58'
      )
        continue;
      if (rule.fromPort === null || rule.toPort === null || rule.fromPort < 0) {
        open.push({ groupId: group.groupId, rule });
        continue;
      }
      const onlyExpected =
        rule.toPort - rule.fromPort < 65536 && rangeWithin(rule.fromPort, rule.toPort, expectedPorts);
      if (!onlyExpected) open.push({ groupId: group.groupId, rule });
    }
  }
  return open;
}

function rangeWithin(from: number, to: number, expected: readonly number[]): boolean {
  if (to - from > expected.length) return false;
  for (let port = from; port <= to; port++) if (!expected.includes(port)) return false;
  return true;
}

export function describeRule(rule: IngressRule): string {
  const ports =
    rule.fromPort === null
      ? 'all ports'
      : rule.fromPort === rule.toPort
        ? String(rule.fromPort)
        : `${rule.fromPort}-${rule.toPort}`;
  return `${rule.protocol === '-1' ? 'all traffic' : `${rule.protocol} ${ports}`} from ${rule.source}`;
}

/** The revoke command for exactly this rule, in the AWS CLI's shorthand. */
export function revokeCommand(region: string, open: OpenRule): string {
  const { rule } = open;
  const range = rule.source.includes(':')
    ? `Ipv6Ranges=[{CidrIpv6=${rule.source}}]`
    : `IpRanges=[{CidrIp=${rule.source}}]`;
  const ports = rule.fromPort === null ? '' : `,FromPort=${rule.fromPort},ToPort=${rule.toPort}`;
  return `aws ec2 revoke-security-group-ingress --region ${region} --group-id ${open.groupId} --ip-permissions 'IpProtocol=${rule.protocol}${ports},${range}'`;
}

export function judgeSecurityGroups(input: {
  groupIds: string[] | undefined;
  groups: Map<string, SecurityGroupSummary> | { unavailable: string };
  expectedPorts: readonly number[];
  region: string;
}): Judgement {
  // EC2 gives every live instance at least one group: none named is an answer that left them out.
  if (!input.groupIds || input.groupIds.length === 0)
    return unknown('DescribeInstances gave no security groups for the instance');
  const byId = input.groups;
  if (!(byId instanceof Map)) return unknown(byId.unavailable);
  const missing = input.groupIds.filter((id) => !byId.has(id));
  const groups = input.groupIds.map((id) => byId.get(id)).filter((g): g is SecurityGroupSummary => g !== undefined);
  const open = findWorldOpenRules(groups, input.expectedPorts);
  if (open.length > 0) {
    return fail(
      `open to the internet: ${open.map((o) => describeRule(o.rule)).join('; ')}`,
      open.map((o) => `${o.groupId}: ${describeRule(o.rule)}`).join('; '),
      open.map((o) => revokeCommand(input.region, o)).join(' && '),
    );
  }
  if (missing.length > 0) return unknown(`DescribeSecurityGroups did not return ${missing.join(', ')}`);
  const unsaid = groups.filter((g) => g.ingress === null).map((g) => g.groupId);
  if (unsaid.length > 0)
    return unknown(`DescribeSecurityGroups gave no ingress rules (IpPermissions) for ${unsaid.join(', ')}`);
  return pass(
    `${input.groupIds.join(', ')}: no ingress from 0.0.0.0/0 or ::/0 beyond ports ${input.expectedPorts.join(', ')}`,
  );
}
