import type { InstanceSummary } from '../aws/aws-types.js';
import type { EnvironmentConfig } from '../config/environments.js';
import { remoteText } from '../output/remote-text.js';
import type { OrgLookup } from './org-directory.js';

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

export type OrphanBase = Omit<OrphanRow, 'reason' | 'detail'>;

export interface OrphanReport {
  orphans: OrphanRow[];
  /** Managed instances that carry neither the org slug nor the org id tag: cannot be attributed. */
  unattributed: OrphanBase[];
  /** Instances whose org the CP could neither confirm nor deny: not orphans, not cleared. */
  unconfirmed: Array<OrphanBase & { detail: string }>;
  /** The CP confirmed the org by slug without a readable row: its OrgId tag could not be cross-checked. */
  idUnconfirmed: OrphanBase[];
  scanned: number;
}

export type OrphanKeys = Pick<EnvironmentConfig, 'tenantFilter' | 'workspaceFilter' | 'orgSlugTagKey' | 'orgIdTagKey'>;

/**
 * Pure. An instance is an orphan only on an observation: the CP confirmed, for the slug its
 * tags name, that no such org exists (a raw-SQL delete leaves exactly this), or the CP lists an
 * org of that slug with another id (the slug was reused after such a delete: the new org does
 * not own the old instance). Anything the CP could not confirm either way is `unconfirmed`.
 */
export function classifyOrphans(args: {
  instances: InstanceSummary[];
  /** The CP's answer for every slug the instances name (OrgDirectory.lookupMany). */
  lookups: ReadonlyMap<string, OrgLookup>;
  /** Org ids on the CP's listed page: an id-only tag can only be cleared by these. */
  listedIds: ReadonlySet<string>;
  keys: OrphanKeys;
  now: Date;
}): OrphanReport {
  const report: OrphanReport = {
    orphans: [],
    unattributed: [],
    unconfirmed: [],
    idUnconfirmed: [],
    scanned: args.instances.length,
  };
  for (const instance of args.instances) {
    const orgSlug = instance.tags[args.keys.orgSlugTagKey] ?? null;
    const orgId = instance.tags[args.keys.orgIdTagKey] ?? null;
    const launched = instance.launchTime ? new Date(instance.launchTime) : null;
    const base: OrphanBase = {
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
    if (orgSlug === null) {
      // The CP has no per-id route: an id missing from the listed page proves nothing.
      if (!args.listedIds.has(orgId!))
        report.unconfirmed.push({
          ...base,
          detail: `tagged only with org id ${remoteText(orgId ?? '-')}, which the CP did not list (it has no route to look an id up)`,
        });
      continue;
    }
    const lookup = args.lookups.get(orgSlug) ?? { state: 'unknown' as const, reason: 'not looked up' };
    if (lookup.state === 'absent')
      report.orphans.push({
        ...base,
        reason: 'org-missing',
        detail: `the CP has no org "${remoteText(orgSlug)}" (${lookup.evidence})`,
      });
    else if (lookup.state === 'unknown')
      report.unconfirmed.push({
        ...base,
        detail: `whether the CP has org "${remoteText(orgSlug)}" is unknown: ${lookup.reason}`,
      });
    else if (lookup.state === 'exists') {
      if (orgId !== null) report.idUnconfirmed.push(base);
    } else if (orgId !== null && orgId !== lookup.row.id) {
      report.orphans.push({
        ...base,
        reason: 'org-id-mismatch',
        // Tags and the CP's row: remote text inside molectl's sentence.
        detail: `org "${remoteText(orgSlug)}" on the CP has id ${remoteText(lookup.row.id)}, the instance is tagged ${remoteText(orgId ?? '-')}`,
      });
    }
  }
  report.orphans.sort((a, b) => (b.ageMs ?? -1) - (a.ageMs ?? -1) || a.instanceId.localeCompare(b.instanceId));
  return report;
}

export function roleOf(
  tags: Record<string, string>,
  keys: Pick<EnvironmentConfig, 'tenantFilter' | 'workspaceFilter'>,
): string {
  const matches = (filter: Record<string, string>): boolean => Object.entries(filter).every(([k, v]) => tags[k] === v);
  if (matches(keys.tenantFilter.tags)) return 'tenant';
  if (matches(keys.workspaceFilter.tags)) return 'workspace';
  return tags.Role ?? 'unknown';
}

/** Tags both filters require with the same value: what "managed by the CP" means here. */
export function commonFilterTags(
  keys: Pick<EnvironmentConfig, 'tenantFilter' | 'workspaceFilter'>,
): Record<string, string> {
  const common: Record<string, string> = {};
  for (const [k, v] of Object.entries(keys.tenantFilter.tags)) if (keys.workspaceFilter.tags[k] === v) common[k] = v;
  return common;
}
