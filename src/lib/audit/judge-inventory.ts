import type { InstanceSummary } from '../aws/aws-types.js';
import type { OrgRow } from '../cp/cp-schemas.js';
import { roleOf, type OrphanKeys, type OrphanReport, type OrphanRow } from '../fleet/classify-orphans.js';
import { fail, pass, unknown, type Judgement } from './audit-verdict.js';

/**
 * orphan-instance, tag-mismatch and org-without-instance: the cross-checks of `fleet orphans`,
 * judged per instance and per org. Pure: the orphan report comes from findOrphans, which already
 * confirmed every absence with the CP, so an orphan here is one `fleet orphans` would name too.
 */

export interface InventoryInput {
  instances: InstanceSummary[];
  orphans: OrphanReport;
  orgs: OrgRow[];
  keys: OrphanKeys;
  region: string;
}

/** What fleet orphans concluded about one instance; absent means its org is confirmed. */
export type OrphanStatus =
  { kind: 'orphan'; row: OrphanRow } | { kind: 'unconfirmed'; detail: string } | { kind: 'id-unconfirmed' };

export function judgeOrphan(
  instance: InstanceSummary,
  input: InventoryInput,
  status: OrphanStatus | undefined,
): Judgement {
  const slug = instance.tags[input.keys.orgSlugTagKey];
  const orgId = instance.tags[input.keys.orgIdTagKey];
  if (status?.kind === 'unconfirmed')
    return unknown(`${status.detail} (not an orphan, not cleared: do not terminate it)`);
  if (status?.kind === 'id-unconfirmed')
    return pass(
      `the CP confirmed org ${slug} by slug beyond its listed page; the ${input.keys.orgIdTagKey} tag ${orgId} could not be cross-checked`,
    );
  if (status?.kind === 'orphan') {
    const orphan = status.row;
    return fail(
      `${orphan.detail}: the instance runs outside the CP's knowledge (the cascade delete cannot reach it)`,
      `tags ${input.keys.orgSlugTagKey}=${orphan.orgSlug ?? '-'} ${input.keys.orgIdTagKey}=${orphan.orgId ?? '-'}, state ${orphan.state}`,
      `aws ec2 terminate-instances --region ${input.region} --instance-ids ${instance.instanceId}  # after checking its tags and owner`,
    );
  }
  if (slug === undefined && orgId === undefined)
    return unknown(
      `carries neither ${input.keys.orgSlugTagKey} nor ${input.keys.orgIdTagKey}: no org to check it against`,
    );
  return pass(`org ${slug ?? orgId} is on the CP`);
}

/** Slugs with more than one running tenant instance that is not an orphan: the tenant is ambiguous. */
export function findDuplicateTenants(input: InventoryInput, orphanIds: Set<string>): Map<string, string[]> {
  const bySlug = new Map<string, string[]>();
  for (const instance of input.instances) {
    const slug = instance.tags[input.keys.orgSlugTagKey];
    if (
      slug === undefined ||
      instance.state !== 'running' ||
      orphanIds.has(instance.instanceId) ||
      roleOf(instance.tags, input.keys) !== 'tenant'
    )
      continue;
    bySlug.set(slug, [...(bySlug.get(slug) ?? []), instance.instanceId]);
  }
  return new Map([...bySlug].filter(([, ids]) => ids.length > 1));
}

export function judgeTags(
  instance: InstanceSummary,
  input: InventoryInput,
  duplicates: Map<string, string[]>,
): Judgement {
  const { orgSlugTagKey, orgIdTagKey } = input.keys;
  const slug = instance.tags[orgSlugTagKey];
  const orgId = instance.tags[orgIdTagKey];
  const role = roleOf(instance.tags, input.keys);
  const tagCommand = `aws ec2 create-tags --region ${input.region} --resources ${instance.instanceId} --tags Key=${orgSlugTagKey},Value=<slug> Key=${orgIdTagKey},Value=<org id>`;
  if (slug === undefined && orgId === undefined) {
    return fail(
      `carries neither ${orgSlugTagKey} nor ${orgIdTagKey}`,
      `tags: ${describeTags(instance.tags)}`,
      `find its org (its user-data or console names it: molectl console ${instance.instanceId}), then ${tagCommand}`,
    );
  }
  if (role !== 'tenant' && role !== 'workspace') {
    return fail(
      `Role ${role} matches neither the tenant nor the workspace filter`,
      `tags: ${describeTags(instance.tags)}`,
      `aws ec2 create-tags --region ${input.region} --resources ${instance.instanceId} --tags Key=Role,Value=<tenant|workspace>`,
    );
  }
  const twins = slug !== undefined ? duplicates.get(slug) : undefined;
  if (twins?.includes(instance.instanceId)) {
    return fail(
      `one of ${twins.length} running tenant instances tagged for ${slug}: ${twins.join(', ')}`,
      `tags ${orgSlugTagKey}=${slug} on ${twins.join(', ')}`,
      `molectl org show ${slug}  # keep the one the CP serves; terminate the other after checking it`,
    );
  }
  return pass(`${role} of ${slug ?? orgId}`);
}

export function judgeOrgInstance(org: OrgRow, input: InventoryInput, orphanIds: Set<string>): Judgement {
  const tenant = input.instances.find(
    (i) =>
      i.tags[input.keys.orgSlugTagKey] === org.slug &&
      i.state === 'running' &&
      !orphanIds.has(i.instanceId) &&
      roleOf(i.tags, input.keys) === 'tenant',
  );
  if (tenant) return pass(`tenant ${tenant.instanceId} is running`);
  return fail(
    `the CP says ${org.slug} is running, but no running tenant instance carries its tags`,
    `GET /cp/admin/orgs: instance_status ${org.instance_status}; DescribeInstances: no running instance tagged ${input.keys.orgSlugTagKey}=${org.slug}`,
    `molectl org show ${org.slug}  # then, if the tenant is gone, molectl org delete ${org.slug} (the CP cascade) and create it again`,
  );
}

function describeTags(tags: Record<string, string>): string {
  const entries = Object.entries(tags).map(([k, v]) => `${k}=${v}`);
  return entries.length ? entries.join(' ') : '(none)';
}

export function indexOrphans(report: OrphanReport): Map<string, OrphanStatus> {
  const index = new Map<string, OrphanStatus>();
  for (const row of report.orphans) index.set(row.instanceId, { kind: 'orphan', row });
  for (const row of report.unconfirmed) index.set(row.instanceId, { kind: 'unconfirmed', detail: row.detail });
  for (const row of report.idUnconfirmed) index.set(row.instanceId, { kind: 'id-unconfirmed' });
  return index;
}

/** Instances fleet orphans calls orphans: left out of the tenant checks and of an org's tenants. */
export function orphanIdsOf(report: OrphanReport): Set<string> {
  return new Set(report.orphans.map((o) => o.instanceId));
}
