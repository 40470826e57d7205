import type { AwsApi, InstanceSummary } from '../aws/aws-types.js';
import type { EnvironmentConfig } from '../config/environments.js';
import { roleOf } from '../fleet/classify-orphans.js';

/** tenant, workspace, or the Role tag's value (or `unknown`) when neither filter matches. */
export type InstanceRole = string;

/** One EC2 instance of an org, as `org show`, the delete preview and its verification list it. */
export interface OrgInstanceRow {
  instanceId: string;
  role: InstanceRole;
  state: string;
  name: string | null;
  launchTime: string | null;
  ageMs: number | null;
}

export type FleetFilters = Pick<
  EnvironmentConfig,
  'tenantFilter' | 'workspaceFilter' | 'orgSlugTagKey' | 'orgIdTagKey'
>;

/** Instance states that still exist (and may cost money); `terminated` is the only end. */
export function isLive(state: string): boolean {
  return state !== 'terminated';
}

/**
 * Every instance tagged with the org (its slug tag, and its id tag when known), whatever its
 * role: a delete is verified only when none is left, and an instance the tenant and workspace
 * filters do not describe (a bastion, a one-off debug box) is still the org's and still costs
 * money. Tag-based on purpose: it sees what EC2 has, whatever the CP believes.
 */
export async function findOrgInstances(
  aws: Pick<AwsApi, 'listInstances'>,
  environment: FleetFilters,
  slug: string,
  now: Date,
  /** When known, instances tagged with the org's id are found too (the platform does not document which org tags workspaces carry). */
  orgId?: string | null,
): Promise<OrgInstanceRow[]> {
  const orgTags: Array<Record<string, string>> = [{ [environment.orgSlugTagKey]: slug }];
  if (orgId) orgTags.push({ [environment.orgIdTagKey]: orgId });
  const seen = new Map<string, OrgInstanceRow>();
  const answers = await Promise.all(orgTags.map((tags) => aws.listInstances({ tags })));
  for (const instance of answers.flat())
    if (!seen.has(instance.instanceId))
      seen.set(instance.instanceId, toRow(instance, roleOf(instance.tags, environment), now));
  return [...seen.values()].sort(
    (a, b) => roleOrder(a.role) - roleOrder(b.role) || a.instanceId.localeCompare(b.instanceId),
  );
}

export function toRow(instance: InstanceSummary, role: InstanceRole, now: Date): OrgInstanceRow {
  const launched = instance.launchTime ? new Date(instance.launchTime) : null;
  return {
    instanceId: instance.instanceId,
    role,
    state: instance.state,
    name: instance.name,
    launchTime: launched ? launched.toISOString() : null,
    ageMs: launched ? Math.max(0, now.getTime() - launched.getTime()) : null,
  };
}

function roleOrder(role: InstanceRole): number {
  return role === 'tenant' ? 0 : role === 'workspace' ? 1 : 2;
}
