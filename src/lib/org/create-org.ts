import { parseCpTimestamp } from '../cp/cp-timestamp.js';
import type { Clock } from '../clock.js';
import type { CpClient } from '../cp/cp-client.js';
import type { OrgRow } from '../cp/cp-schemas.js';
import { HttpError, MolectlError } from '../errors.js';
import { lookupOrg, OrgDirectory, orgExists, type OrgDirectoryCp, type OrgLookup } from '../fleet/org-directory.js';

export interface CreateOrgInput {
  slug: string;
  name: string;
  ownerUserId: string;
  /** A taken slug is then the existing org (exit 0), not an error. */
  ifNotExists: boolean;
}

export interface CreateOrgResult {
  /** False when the org was there before this call (--if-not-exists). */
  created: boolean;
  /** Null when neither the CP's answer nor its list gave one (the org is known by slug only). */
  id: string | null;
  /** What the id rests on. */
  idSource: 'create answer' | 'org list' | 'unconfirmed';
  /** The CP row of an existing org (null when the CP gave no readable row). */
  existing: OrgRow | null;
}

export type CreateOrgCp = Pick<CpClient, 'createOrg' | 'baseUrl'> & OrgDirectoryCp;

/** A 200 whose org is older than this before the request is an org that existed already. */
const EXISTED_BEFORE_MS = 60_000;
/** Lookups of a just-created org that the CP's answer did not identify. */
const FIND_ATTEMPTS = 3;

/**
 * The read before any create, made before the run is recorded: it proves the CP token (a token
 * the CP rejects is exit 3 with no create sent and no ledger written, not a 401 on the POST) and
 * finds a slug the CP lists already, so that no create is sent for it: exit 1 as for a 409, or,
 * under --if-not-exists, the existing org (looked up on the per-org routes too). Null when the
 * slug looks free.
 */
export async function lookBeforeCreate(cp: CreateOrgCp, input: CreateOrgInput): Promise<CreateOrgResult | null> {
  if (input.ifNotExists) {
    const before = await lookupOrg(cp, input.slug);
    return orgExists(before) ? existingResult(before) : null;
  }
  if ((await OrgDirectory.read(cp)).listed(input.slug)) throw takenError(cp, input.slug);
  return null;
}

/**
 * POST /cp/admin/orgs, after lookBeforeCreate (whose answer is `before`). Any 2xx means created
 * (the contract); when the answer carries no id the org is found by slug. A taken slug (409, or a
 * 200 that hands back an org created before this call) is exit 1 with a clear message, or the
 * existing org under --if-not-exists. The POST is never retried blindly (not idempotent): if its
 * outcome is unknown the error says to look before trying again.
 */
export async function createOrg(
  deps: { cp: CreateOrgCp; clock: Clock; signal: AbortSignal },
  input: CreateOrgInput,
  before: CreateOrgResult | null,
): Promise<CreateOrgResult> {
  const { cp } = deps;
  if (before) return before;
  const startedAt = deps.clock.now().getTime();
  let answer;
  try {
    answer = await cp.createOrg({ slug: input.slug, name: input.name, ownerUserId: input.ownerUserId });
  } catch (error) {
    if (!(error instanceof HttpError && error.status === 409)) throw error;
    return takenSlug(cp, input);
  }
  const createdAt = parseCpTimestamp(answer.createdAt);
  // Judged by the CP's own clock when it says what time it is: this machine's may be off (or set
  // back since the request), and an org just created read as "existed before" is an org the
  // operator abandons for another slug. (The header is cut to whole seconds: earlier, never later.)
  const reference = answer.answeredAt?.getTime() ?? startedAt;
  if (answer.httpStatus === 200 && createdAt < reference - EXISTED_BEFORE_MS) {
    // Some CPs answer a create for a taken slug with the existing org instead of 409.
    if (!input.ifNotExists) throw takenError(cp, input.slug);
    return { created: false, id: answer.id, idSource: answer.id ? 'create answer' : 'unconfirmed', existing: null };
  }
  if (answer.id) return { created: true, id: answer.id, idSource: 'create answer', existing: null };
  return { created: true, ...(await findCreatedOrgId(deps, input.slug)), existing: null };
}

/** The create answered 2xx without an id: the org list should show it within moments. */
async function findCreatedOrgId(
  deps: { cp: CreateOrgCp; clock: Clock; signal: AbortSignal },
  slug: string,
): Promise<Pick<CreateOrgResult, 'id' | 'idSource'>> {
  for (let attempt = 1; attempt <= FIND_ATTEMPTS; attempt++) {
    const lookup = await lookupOrg(deps.cp, slug).catch(() => null);
    if (lookup?.state === 'listed') return { id: lookup.row.id, idSource: 'org list' };
    if (attempt < FIND_ATTEMPTS) await deps.clock.sleep(1000 * attempt, deps.signal);
  }
  return { id: null, idSource: 'unconfirmed' };
}

async function takenSlug(cp: CreateOrgCp, input: CreateOrgInput): Promise<CreateOrgResult> {
  if (!input.ifNotExists) throw takenError(cp, input.slug);
  const lookup = await lookupOrg(cp, input.slug);
  if (!orgExists(lookup)) {
    // 409 but not found: a delete may be running right now. Never pretend it exists.
    throw new MolectlError(`the CP says org slug "${input.slug}" is taken, but does not list the org`, {
      hint: `a delete of "${input.slug}" may be in progress; check with \`molectl org show ${input.slug}\` and try again`,
    });
  }
  return existingResult(lookup);
}

function existingResult(lookup: Extract<OrgLookup, { state: 'listed' | 'exists' }>): CreateOrgResult {
  return lookup.state === 'listed'
    ? { created: false, id: lookup.row.id, idSource: 'org list', existing: lookup.row }
    : { created: false, id: null, idSource: 'unconfirmed', existing: null };
}

/** The slug is an org on the CP already (exit 1): the command may know why (its own earlier run). */
export class SlugTakenError extends MolectlError {
  constructor(
    readonly slug: string,
    readonly cpUrl: string,
    /** Why it is taken, when the command knows: added to the message, and the hint it implies. */
    because?: { reason: string; hint: string },
  ) {
    super(`org slug "${slug}" is already taken on the CP at ${cpUrl}${because ? `, ${because.reason}` : ''}`, {
      hint:
        because?.hint ??
        `pick another slug, see the existing org with \`molectl org show ${slug}\`, or pass --if-not-exists to accept it`,
    });
    this.name = 'SlugTakenError';
  }
}

function takenError(cp: CreateOrgCp, slug: string): MolectlError {
  return new SlugTakenError(slug, cp.baseUrl);
}
