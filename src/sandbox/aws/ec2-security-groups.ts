import { createHash } from 'node:crypto';
import { openIngressPorts } from '../posture-faults.js';
import type { SandboxState, SimInstance } from '../state.js';
import { SANDBOX_TAGS } from '../state.js';
import { AwsApiError } from './aws-api-error.js';
import { xmlItemSet, xmlNode, xmlText } from './aws-wire.js';

/**
 * Security groups as the simulated CP would make them: one per org and role (`molecule-tenant-
 * <slug>`, `molecule-workspace-<slug>`), existing while an instance that uses it is not
 * terminated (the cascade delete removes "the security group" with the instances). Ids are derived,
 * so nothing is stored: a tenant group admits tcp 8080 from the VPC only, a workspace group admits
 * nothing; the `sg-open` fault adds a 0.0.0.0/0 rule to the group of the hosts it names.
 */

export const SANDBOX_VPC_ID = 'vpc-0a11b22c33d44e55f';
export const SANDBOX_VPC_CIDR = '10.0.0.0/16';

export interface SimIngressRule {
  protocol: string;
  fromPort: number;
  toPort: number;
  cidrs: string[];
  ipv6Cidrs: string[];
  description: string;
}

export interface SimSecurityGroup {
  groupId: string;
  groupName: string;
  description: string;
  role: string;
  slug: string;
  ingress: SimIngressRule[];
}

/** The id of the group an instance's interface carries. */
export function securityGroupIdOf(state: SandboxState, instance: SimInstance): string {
  return `sg-0${createHash('sha256')
    .update(`${state.seed}:${groupKeyOf(instance)}`)
    .digest('hex')
    .slice(0, 16)}`;
}

export function securityGroupNameOf(instance: SimInstance): string {
  const [role, slug] = groupKeyOf(instance).split(':') as [string, string];
  return `molecule-${role}-${slug}`;
}

function groupKeyOf(instance: SimInstance): string {
  const tag = (key: string): string | undefined => instance.tags.find((t) => t.Key === key)?.Value;
  return `${tag(SANDBOX_TAGS.roleKey) ?? 'instance'}:${tag(SANDBOX_TAGS.orgSlugKey) ?? instance.instanceId}`;
}

/** Every group some live instance uses, with its rules (faults included), in launch order. */
export function listSecurityGroups(state: SandboxState): SimSecurityGroup[] {
  const groups = new Map<string, SimSecurityGroup>();
  for (const instance of state.instances.values()) {
    if (instance.state === 'terminated') continue;
    const groupId = securityGroupIdOf(state, instance);
    let group = groups.get(groupId);
    if (!group) {
      const [role, slug] = groupKeyOf(instance).split(':') as [string, string];
      group = {
        groupId,
        groupName: securityGroupNameOf(instance),
        description: `Molecule ${role} instances of ${slug}`,
        role,
        slug,
        ingress:
          role === 'tenant'
            ? [
                {
                  protocol: 'tcp',
                  fromPort: 8080,
                  toPort: 8080,
                  cidrs: [SANDBOX_VPC_CIDR],
                  ipv6Cidrs: [],
                  description: 'workspaces to the tenant API',
                },
              ]
            : [],
      };
      groups.set(groupId, group);
    }
    for (const port of openIngressPorts(state.faults, instance)) {
      if (group.ingress.some((r) => r.fromPort === port && r.cidrs.includes('0.0.0.0/0'))) continue;
      group.ingress.push({
        protocol: 'tcp',
        fromPort: port,
        toPort: port,
        cidrs: ['0.0.0.0/0'],
        ipv6Cidrs: [],
        description: 'debug',
      });
    }
  }
  return [...groups.values()];
}

/** DescribeSecurityGroups' filters the sandbox knows; values OR together, filters AND. */
export function filterSecurityGroups(
  groups: SimSecurityGroup[],
  filters: Array<{ name: string; values: string[] }>,
): SimSecurityGroup[] {
  const predicates = filters.map(({ name, values }): ((g: SimSecurityGroup) => boolean) => {
    switch (name) {
      case 'group-id':
        return (g) => values.includes(g.groupId);
      case 'group-name':
        return (g) => values.includes(g.groupName);
      case 'vpc-id':
        return () => values.includes(SANDBOX_VPC_ID);
      case 'ip-permission.cidr':
        return (g) => g.ingress.some((r) => r.cidrs.some((c) => values.includes(c)));
      case 'ip-permission.ipv6-cidr':
        return (g) => g.ingress.some((r) => r.ipv6Cidrs.some((c) => values.includes(c)));
      case 'ip-permission.from-port':
        return (g) => g.ingress.some((r) => values.includes(String(r.fromPort)));
      case 'ip-permission.to-port':
        return (g) => g.ingress.some((r) => values.includes(String(r.toPort)));
      default:
        throw new AwsApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
    }
  });
  return groups.filter((g) => predicates.every((p) => p(g)));
}

export function renderSecurityGroup(state: SandboxState, group: SimSecurityGroup): string {
  return [
    xmlText('ownerId', state.accountId),
    xmlText('groupId', group.groupId),
    xmlText('groupName', group.groupName),
    xmlText('groupDescription', group.description),
    xmlText('vpcId', SANDBOX_VPC_ID),
    xmlText('securityGroupArn', `arn:aws:ec2:${state.region}:${state.accountId}:security-group/${group.groupId}`),
    // ec2-omit=ipPermissions: an emulator that does not model the rules leaves them out.
    state.faults.ec2OmittedFields?.includes('ipPermissions')
      ? ''
      : xmlItemSet('ipPermissions', group.ingress.map(renderIngress)),
    xmlItemSet('ipPermissionsEgress', [
      [
        xmlText('ipProtocol', '-1'),
        xmlNode('groups', ''),
        xmlItemSet('ipRanges', [xmlText('cidrIp', '0.0.0.0/0')]),
        xmlNode('ipv6Ranges', ''),
        xmlNode('prefixListIds', ''),
      ].join(''),
    ]),
    xmlItemSet('tagSet', [
      xmlText('key', 'ManagedBy') + xmlText('value', 'molecule-cp'),
      xmlText('key', 'OrgSlug') + xmlText('value', group.slug),
    ]),
  ].join('');
}

function renderIngress(rule: SimIngressRule): string {
  return [
    xmlText('ipProtocol', rule.protocol),
    xmlText('fromPort', rule.fromPort),
    xmlText('toPort', rule.toPort),
    xmlNode('groups', ''),
    xmlItemSet(
      'ipRanges',
      rule.cidrs.map((c) => xmlText('cidrIp', c) + xmlText('description', rule.description)),
    ),
    xmlItemSet(
      'ipv6Ranges',
      rule.ipv6Cidrs.map((c) => xmlText('cidrIpv6', c) + xmlText('description', rule.description)),
    ),
    xmlNode('prefixListIds', ''),
  ].join('');
}

/** Explicit GroupId.N values must all exist, as in EC2. */
export function requireSecurityGroups(groups: SimSecurityGroup[], ids: string[]): void {
  const known = new Set(groups.map((g) => g.groupId));
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length > 0)
    throw new AwsApiError('InvalidGroup.NotFound', `The security group '${missing[0]}' does not exist`);
}
