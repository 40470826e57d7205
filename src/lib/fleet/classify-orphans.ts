import type { InstanceSummary } from '../aws/aws-types.js';
import type { EnvironmentConfig } from '../config/environments.js';

export type OrphanReason = 'org-missing' | 'org-id-mismatch';

export interface OrphanRow {
  instanceId: string;
  /** tenant, workspace, or the Role tag's value when neither filter matches. */
  role: string;
  orgSlug: string | null;
  orgId: string | null;
  state: string;
  name: string | null;
  launchTime: string | null;
  ageMs: number | null;
  reason: OrphanReason;
  /** One line: why it is an orphan. */
  detail: string;
}

export interface OrphanReport {
  orphans: OrphanRow[];
  /** Managed instances that carry neither the org slug nor the org id tag: cannot be attributed. */
  unattributed: Array<Omit<OrphanRow, 'reason' | 'detail'>>;
  scanned: number;
}

/** What the CP knows: slug → org id (null when the org exists but its id was not listed). */
export type KnownOrgs = Map<string, string | null>;

export type OrphanKeys = Pick<EnvironmentConfig, 'tenantFilter' | 'workspaceFilter' | 'orgSlugTagKey' | 'orgIdTagKey'>;

/**
 * Pure. An instance is an orphan when the org its tags name is not on the CP (a raw-SQL delete
 * leaves exactly this), or when the CP has an org of that slug with another id (the slug was
 * reused after such a delete: the new org does not own the old instance).
 */
export function classifyOrphans(args: {
  instances: InstanceSummary[];
  known: KnownOrgs;
  /** True when `known` is the CP's whole org list (not one full page): only then can an id-only tag be judged. */
  listComplete: boolean;
  keys: OrphanKeys;
  now: Date;
}): OrphanReport {
  const idsKnown = new Set([...args.known.values()].filter((id): id is string => id !== null));
  const report: OrphanReport = { orphans: [], unattributed: [], scanned: args.instances.length };
  for (const instance of args.instances) {
    const orgSlug = instance.tags[args.keys.orgSlugTagKey] ?? null;
    const orgId = instance.tags[args.keys.orgIdTagKey] ?? null;
    const launched = instance.launchTime ? new Date(instance.launchTime) : null;
    const base = {
      instanceId: instance.instanceId,
      role: roleOf(instance.tags, args.keys),
      orgSlug,
      orgId,
      state: instance.state,
      name: instance.name,
      launchTime: launched ? launched.toISOString() : null,
      ageMs: launched ? Math.max(0, args.now.getTime() - launched.getTime()) : null,
    };
    if (orgSlug === null && orgId === null) {
      report.unattributed.push(base);
      continue;
    }
    if (orgSlug !== null) {
      if (!args.known.has(orgSlug)) {
        report.orphans.push({ ...base, reason: 'org-missing', detail: `the CP has no org "${orgSlug}"` });
        continue;
      }
      const knownId = args.known.get(orgSlug) ?? null;
      if (orgId !== null && knownId !== null && orgId !== knownId) {
        report.orphans.push({ ...base, reason: 'org-id-mismatch', detail: `org "${orgSlug}" on the CP has id ${knownId}, the instance is tagged ${orgId}` });
      }
      continue;
    }
    if (orgId !== null && args.listComplete && !idsKnown.has(orgId)) {
      report.orphans.push({ ...base, reason: 'org-missing', detail: `the CP has no org with id ${orgId}` });
    }
  }
  report.orphans.sort((a, b) => (b.ageMs ?? -1) - (a.ageMs ?? -1) || a.instanceId.localeCompare(b.instanceId));
  return report;
}

export function roleOf(tags: Record<string, string>, keys: Pick<EnvironmentConfig, 'tenantFilter' | 'workspaceFilter'>): string {
  const matches = (filter: Record<string, string>): boolean => Object.entries(filter).every(([k, v]) => tags[k] === v);
  if (matches(keys.tenantFilter.tags)) return 'tenant';
  if (matches(keys.workspaceFilter.tags)) return 'workspace';
  return tags.Role ?? 'unknown';
}

/** Tags both filters require with the same value: what "managed by the CP" means here. */
export function commonFilterTags(keys: Pick<EnvironmentConfig, 'tenantFilter' | 'workspaceFilter'>): Record<string, string> {
  const common: Record<string, string> = {};
  for (const [k, v] of Object.entries(keys.tenantFilter.tags)) if (keys.workspaceFilter.tags[k] === v) common[k] = v;
  return common;
}
