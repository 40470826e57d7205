import type { InstanceSummary } from '../aws/aws-types.js';
import type { OrgRow } from '../cp/cp-schemas.js';

/**
 * Joins the CP's org list with the EC2 instances that carry the tenant tags. Pure. The platform
 * does not document tenant tags, so mismatches are reported rather than guessed away: an
 * instance whose org the CP does not know, and a running org with no instance found.
 */

export interface Tenant {
  slug: string;
  orgId: string;
  /** True when the id comes from the instance's tag because the CP gave no readable row. */
  orgIdUnconfirmed?: true;
  instanceId: string;
  launchTime: string | null;
}

export interface TenantJoin {
  tenants: Tenant[];
  instanceWithoutOrg: Array<{ instanceId: string; slugTag: string | null }>;
  orgWithoutInstance: Array<{ slug: string; instanceStatus: string }>;
  /** Orgs with more than one running tenant instance: ambiguous, left out of the fleet. */
  duplicateInstances: Array<{ slug: string; instanceIds: string[] }>;
}

export function joinTenants(args: {
  instances: InstanceSummary[];
  orgs: OrgRow[];
  slugTagKey: string;
  orgIdTagKey: string;
}): TenantJoin {
  const bySlug = new Map(args.orgs.map((o) => [o.slug, o]));
  const byId = new Map(args.orgs.map((o) => [o.id, o]));
  const found = new Map<string, InstanceSummary[]>();
  const instanceWithoutOrg: TenantJoin['instanceWithoutOrg'] = [];
  for (const instance of args.instances) {
    const slugTag = instance.tags[args.slugTagKey] ?? null;
    const idTag = instance.tags[args.orgIdTagKey];
    const org = (slugTag && bySlug.get(slugTag)) || byId.get(idTag ?? '');
    // A slug can be reused after a delete: an instance whose OrgId names another (gone) org
    // belongs to no live org, whatever its slug tag says. It must never receive the secret.
    if (!org || (idTag !== undefined && idTag !== org.id)) {
      instanceWithoutOrg.push({ instanceId: instance.instanceId, slugTag });
      continue;
    }
    found.set(org.slug, [...(found.get(org.slug) ?? []), instance]);
  }
  const tenants: Tenant[] = [];
  const duplicateInstances: TenantJoin['duplicateInstances'] = [];
  for (const [slug, instances] of found) {
    if (instances.length > 1) {
      duplicateInstances.push({ slug, instanceIds: instances.map((i) => i.instanceId) });
      continue;
    }
    const instance = instances[0]!;
    const org = bySlug.get(slug)!;
    tenants.push({
      slug,
      orgId: org.id,
      ...(org.idUnconfirmed === true ? { orgIdUnconfirmed: true as const } : {}),
      instanceId: instance.instanceId,
      launchTime: instance.launchTime?.toISOString() ?? null,
    });
  }
  const orgWithoutInstance = args.orgs
    .filter((o) => o.instance_status === 'running' && !found.has(o.slug))
    .map((o) => ({ slug: o.slug, instanceStatus: o.instance_status }));
  tenants.sort((a, b) => a.slug.localeCompare(b.slug));
  return { tenants, instanceWithoutOrg, orgWithoutInstance, duplicateInstances };
}
