import type { OrgRow } from '../cp/cp-schemas.js';
import { filterOrgs, type OrgSummary } from './summarize-orgs.js';

export interface OrgGcOptions {
  prefix: string;
  olderThanMs: number;
  max: number;
}

export interface OrgGcPlan {
  prefix: string;
  olderThanMs: number;
  max: number;
  /** Orgs to delete, oldest first. */
  candidates: OrgSummary[];
  /** Orgs with the prefix that are too young: kept. */
  keptYoung: number;
  /** Orgs with the prefix whose created_at could not be read: kept (never deleted on a guess). */
  keptAgeUnknown: number;
  /** Their slugs: an org kept for want of an age is named, so someone can look at it. */
  ageUnknown: string[];
  /** True when there are more candidates than max: nothing may be deleted. */
  refused: boolean;
}

/**
 * Pure. The sweeper's selection: slug starts with the prefix AND age is known and above the
 * threshold. An org whose slug lacks the prefix cannot enter the plan whatever else is true;
 * an empty prefix is refused by the command before this runs.
 */
export function planOrgGc(rows: OrgRow[], options: OrgGcOptions, now: Date): OrgGcPlan {
  const withPrefix = filterOrgs(rows, { prefix: options.prefix }, now);
  const candidates = filterOrgs(rows, { prefix: options.prefix, olderThanMs: options.olderThanMs }, now);
  return {
    prefix: options.prefix,
    olderThanMs: options.olderThanMs,
    max: options.max,
    candidates,
    keptYoung: withPrefix.filter((o) => o.ageMs !== null).length - candidates.length,
    keptAgeUnknown: withPrefix.filter((o) => o.ageMs === null).length,
    ageUnknown: withPrefix.filter((o) => o.ageMs === null).map((o) => o.slug),
    refused: candidates.length > options.max,
  };
}
