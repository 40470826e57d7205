import type { CpClient } from '../cp/cp-client.js';
import type { OrgRow } from '../cp/cp-schemas.js';
import { HttpError, MolectlError } from '../errors.js';
import { lookupOrg } from '../fleet/lookup-org.js';

export interface CreateOrgInput {
  slug: string;
  name: string;
  ownerUserId: string;
  /** A taken slug is then the existing org (exit 0), not an error. */
  ifNotExists: boolean;
}

export interface CreateOrgResult {
  /** False when --if-not-exists found the org already there. */
  created: boolean;
  id: string;
  /** The CP row of an existing org (null when it is beyond the listed page). */
  existing: OrgRow | null;
}

/**
 * POST /cp/admin/orgs. A taken slug (409) is exit 1 with a clear message, or the existing org
 * under --if-not-exists. The POST is never retried by the HTTP door (not idempotent): if its
 * outcome is unknown the error says to look with `org list` before trying again.
 */
export async function createOrg(cp: Pick<CpClient, 'createOrg' | 'listOrgs' | 'getOrgInstance' | 'baseUrl'>, input: CreateOrgInput): Promise<CreateOrgResult> {
  try {
    const created = await cp.createOrg({ slug: input.slug, name: input.name, ownerUserId: input.ownerUserId });
    return { created: true, id: created.id, existing: null };
  } catch (error) {
    if (!(error instanceof HttpError && error.status === 409)) throw error;
    if (!input.ifNotExists) {
      throw new MolectlError(`org slug "${input.slug}" is already taken on the CP at ${cp.baseUrl}`, {
        hint: `pick another slug, see the existing org with \`molectl org show ${input.slug}\`, or pass --if-not-exists to accept it`,
      });
    }
    const lookup = await lookupOrg(cp, input.slug);
    if (!lookup.found) {
      // 409 but not listed: a delete may be running right now. Never pretend it exists.
      throw new MolectlError(`the CP says org slug "${input.slug}" is taken, but does not list the org`, {
        hint: `a delete of "${input.slug}" may be in progress; check with \`molectl org show ${input.slug}\` and try again`,
      });
    }
    return { created: false, id: lookup.row?.id ?? 'unknown', existing: lookup.row };
  }
}
