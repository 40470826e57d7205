import type { CpClient } from '../cp/cp-client.js';
import type { OrgRow } from '../cp/cp-schemas.js';
import { NotFoundError } from '../errors.js';

/** The CP list route answers one page; 500 is what the runbooks ask for. */
export const ORG_LIST_LIMIT = 500;

export type OrgLookup =
  | { found: true; row: OrgRow }
  /** The CP knows the org (its edge route answers) but it is beyond the listed page: no row. */
  | { found: true; row: null }
  | { found: false };

export type OrgLookupCp = Pick<CpClient, 'listOrgs' | 'getOrgInstance'>;

/**
 * Finds one org on the CP. The admin list has no per-org route and is one page of at most
 * ORG_LIST_LIMIT rows, so absence from a full page proves nothing: then the edge's per-org
 * route decides (a 404 there means the CP has no such org).
 */
export async function lookupOrg(cp: OrgLookupCp, slug: string, rows?: OrgRow[]): Promise<OrgLookup> {
  const page = rows ?? (await cp.listOrgs({ limit: ORG_LIST_LIMIT }));
  const row = page.find((r) => r.slug === slug);
  if (row) return { found: true, row };
  if (page.length < ORG_LIST_LIMIT) return { found: false };
  try {
    await cp.getOrgInstance(slug);
    return { found: true, row: null };
  } catch (error) {
    if (error instanceof NotFoundError) return { found: false };
    throw error;
  }
}
