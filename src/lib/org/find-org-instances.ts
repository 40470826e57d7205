import type { AwsApi, InstanceSummary } from '../aws/aws-types.js';
import type { EnvironmentConfig } from '../config/environments.js';

export type InstanceRole = 'tenant' | 'workspace';

/** One EC2 instance of an org, as `org show`, the delete preview and its verification list it. */
export interface OrgInstanceRow {
  instanceId: string;
  role: InstanceRole;
  state: string;
  name: string | null;
  launchTime: string | null;
  ageMs: number | null;
}

export type FleetFilters = Pick<EnvironmentConfig, 'tenantFilter' | 'workspaceFilter' | 'orgSlugTagKey' | 'orgIdTagKey'>;

/** Instance states that still exist (and may cost money); `terminated` is the only end. */
export function isLive(state: string): boolean {
  return state !== 'terminated';
}

/**
 * The org's instances found by tag, through both filters of the environment (tenant and
 * workspace), each narrowed to the org's slug tag. Tag-based on purpose: it sees what EC2 has,
 * whatever the CP believes, which is what proves a cascade removed everything.
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
  const queries: Array<[InstanceRole, Record<string, string>]> = [];
  for (const orgTag of orgTags) {
    queries.push(['tenant', { ...environment.tenantFilter.tags, ...orgTag }], ['workspace', { ...environment.workspaceFilter.tags, ...orgTag }]);
  }
  const seen = new Map<string, OrgInstanceRow>();
  const answers = await Promise.all(queries.map(async ([role, tags]) => ({ role, instances: await aws.listInstances({ tags }) })));
  for (const { role, instances } of answers) {
    for (const instance of instances) if (!seen.has(instance.instanceId)) seen.set(instance.instanceId, toRow(instance, role, now));
  }
  return [...seen.values()].sort((a, b) => roleOrder(a.role) - roleOrder(b.role) || a.instanceId.localeCompare(b.instanceId));
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
  return role === 'tenant' ? 0 : 1;
}
