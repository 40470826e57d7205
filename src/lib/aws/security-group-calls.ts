import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import type { IngressRule, SecurityGroupSummary } from './aws-types.js';
import type { AwsInvoker } from './aws-invoker.js';
import { chunkIds, collectPages } from './collect-pages.js';

/** EC2 takes at most 200 values in one filter; 1,000 groups is the largest page it returns. */
const GROUP_IDS_PER_FILTER = 200;
const GROUPS_PER_PAGE = 1000;

/**
 * DescribeSecurityGroups for the given ids, every page. The ids go in a `group-id` filter rather
 * than `GroupIds`, so that MaxResults can page the answer: calls grow with pages of groups, not
 * with the instances that share them. Ids that no longer exist are simply absent from the answer.
 */
export async function describeSecurityGroups(aws: AwsInvoker, groupIds: string[]): Promise<SecurityGroupSummary[]> {
  const unique = [...new Set(groupIds)];
  if (unique.length === 0) return [];
  return aws.invoke('ec2', 'DescribeSecurityGroups', async ({ client, sdk, sendOptions }) => {
    const groups: SecurityGroup[] = [];
    for (const chunk of chunkIds(unique, GROUP_IDS_PER_FILTER)) {
      groups.push(
        ...(await collectPages(
          (token) =>
            client.send(
              new sdk.DescribeSecurityGroupsCommand({
                Filters: [{ Name: 'group-id', Values: chunk }],
                MaxResults: GROUPS_PER_PAGE,
                ...(token ? { NextToken: token } : {}),
              }),
              sendOptions,
            ),
          (page) => ({ items: page.SecurityGroups, nextToken: page.NextToken }),
        )),
      );
    }
    return groups.map(toSecurityGroupSummary);
  });
}

function toSecurityGroupSummary(group: SecurityGroup): SecurityGroupSummary {
  return {
    groupId: group.GroupId ?? '',
    groupName: group.GroupName ?? null,
    // EC2 sends an empty set for a group that admits nothing; an answer without the field said nothing.
    ingress: group.IpPermissions ? group.IpPermissions.flatMap(flattenPermission) : null,
  };
}

/** One row per source: an IpPermission can list several CIDRs, groups and prefix lists at once. */
export function flattenPermission(permission: IpPermission): IngressRule[] {
  const protocol = permission.IpProtocol ?? '-1';
  const all = protocol === '-1';
  const base = {
    protocol,
    fromPort: all ? null : (permission.FromPort ?? null),
    toPort: all ? null : (permission.ToPort ?? null),
  };
  return [
    ...(permission.IpRanges ?? []).map((r) => ({ ...base, source: r.CidrIp ?? '' })),
    ...(permission.Ipv6Ranges ?? []).map((r) => ({ ...base, source: r.CidrIpv6 ?? '' })),
    ...(permission.UserIdGroupPairs ?? []).map((g) => ({ ...base, source: g.GroupId ?? '' })),
    ...(permission.PrefixListIds ?? []).map((p) => ({ ...base, source: p.PrefixListId ?? '' })),
  ].filter((rule) => rule.source !== '');
}
