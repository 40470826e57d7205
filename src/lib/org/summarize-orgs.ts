import type { OrgRow } from '../cp/cp-schemas.js';
import { parseCpTimestamp } from '../cp/cp-timestamp.js';

/** An org as molectl shows it: the CP row's facts plus its age at the time of asking. */
export interface OrgSummary {
  id: string;
  slug: string;
  instanceStatus: string;
  /** As the CP sent it; null when it sent none. */
  createdAt: string | null;
  /** Null when the CP's created_at is absent or not RFC 3339 with a zone: such an org is never "older than" anything. */
  ageMs: number | null;
}

export interface OrgFilter {
  status?: string;
  olderThanMs?: number;
  prefix?: string;
}

export function summarizeOrg(row: OrgRow, now: Date): OrgSummary {
  const created = parseCpTimestamp(row.created_at);
  return {
    id: row.id,
    slug: row.slug,
    instanceStatus: row.instance_status,
    createdAt: row.created_at,
    ageMs: Number.isNaN(created) ? null : Math.max(0, now.getTime() - created),
  };
}

/**
 * Pure: rows in, the matching summaries out, oldest first. An age filter excludes orgs whose
 * age is unknown: a bulk delete must never act on an org it cannot prove is old.
 */
export function filterOrgs(rows: OrgRow[], filter: OrgFilter, now: Date): OrgSummary[] {
  return rows
    .map((row) => summarizeOrg(row, now))
    .filter((org) => filter.status === undefined || org.instanceStatus === filter.status)
    .filter((org) => filter.prefix === undefined || org.slug.startsWith(filter.prefix))
    .filter((org) => filter.olderThanMs === undefined || (org.ageMs !== null && org.ageMs > filter.olderThanMs))
    .sort((a, b) => (b.ageMs ?? -1) - (a.ageMs ?? -1) || a.slug.localeCompare(b.slug));
}
