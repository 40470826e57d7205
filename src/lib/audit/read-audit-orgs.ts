import type { OrgPage } from '../cp/read-org-answers.js';
import { NotFoundError } from '../errors.js';
import { OrgDirectory, type OrgDirectoryCp } from '../fleet/org-directory.js';
import { describeOrgListGap } from './org-coverage.js';

/**
 * The audit's reading of the CP's orgs: one door over the CP client that findOrphans, --orgs and
 * the org checks share, so every answer is asked once and kept (the list page, each /instance
 * answer, which slugs the CP confirmed), and what that reading could not see.
 */

export interface AuditOrgDoor {
  cp: OrgDirectoryCp;
  /** Every /instance answer read, by slug: admin-token-exposed judges them. */
  answers: Map<string, { body: unknown } | { unavailable: string }>;
  /** Slugs a per-org route of the CP answered for. */
  confirmedBySlug: Set<string>;
  /** The list page read (findOrphans reads it first). */
  page(): OrgPage;
}

export function createAuditOrgDoor(client: OrgDirectoryCp): AuditOrgDoor {
  let listed: OrgPage | null = null;
  const answers: AuditOrgDoor['answers'] = new Map();
  const confirmedBySlug = new Set<string>();
  const cp: OrgDirectoryCp = {
    listOrgs: async (options) => {
      listed = await client.listOrgs(options);
      return listed;
    },
    // findOrphans confirms every slug the page lacks on the edge route: the very answer
    // admin-token-exposed judges, so it is kept rather than asked for again.
    getOrgInstance: async (slug) => {
      const answer = await client.getOrgInstance(slug);
      answers.set(slug, { body: answer.instance as unknown });
      confirmedBySlug.add(slug);
      return answer;
    },
    getOrgAdminToken: async (slug) => {
      const token = await client.getOrgAdminToken(slug);
      confirmedBySlug.add(slug);
      return token;
    },
    get edgeRouteAnswered() {
      return client.edgeRouteAnswered;
    },
    get adminTokenRouteAnswered() {
      return client.adminTokenRouteAnswered;
    },
  };
  return {
    cp,
    answers,
    confirmedBySlug,
    page() {
      if (listed === null) throw new Error("fleet audit: the CP's org list was not read");
      return listed;
    },
  };
}

/**
 * The orgs in scope the CP knows without a readable row on its page (each with why its status is
 * unknown), and, for the whole fleet, why orgs beyond the page may exist unseen. An org named by
 * --orgs that neither the page nor an instance names is asked of the CP by slug before it is
 * called unknown (exit 4): a short page is not the CP's word that it does not exist.
 */
export async function readOrgCoverage(input: {
  cp: OrgDirectoryCp;
  page: OrgPage;
  requested: string[] | null;
  confirmedBySlug: ReadonlySet<string>;
  instanceSlugs: ReadonlySet<string>;
}): Promise<{ unlisted: Map<string, string>; gap: string | null }> {
  const { page, requested } = input;
  const inScope = (slug: string): boolean => requested === null || requested.includes(slug);
  const listed = new Set(page.rows.map((row) => row.slug));
  const unreadable = new Set(page.unreadable.map((row) => row.slug).filter((slug) => slug !== null));
  const unlisted = new Map<string, string>();
  for (const row of page.unreadable)
    if (row.slug !== null && !listed.has(row.slug) && inScope(row.slug))
      unlisted.set(row.slug, `the CP's row for it could not be read (${row.problem})`);
  const beyond = [...input.confirmedBySlug].filter((slug) => !listed.has(slug) && !unreadable.has(slug));
  for (const slug of beyond) if (inScope(slug)) unlisted.set(slug, 'the CP confirmed it by slug but did not list it');
  if (requested === null) return { unlisted, gap: describeOrgListGap(page, beyond) };
  const directory = OrgDirectory.fromPage(input.cp, page);
  const missing: string[] = [];
  for (const slug of requested) {
    if (listed.has(slug) || unlisted.has(slug) || input.instanceSlugs.has(slug)) continue;
    const lookup = await directory.lookup(slug);
    if (lookup.state === 'absent') missing.push(slug);
    else if (lookup.state === 'unknown') unlisted.set(slug, `whether the CP has it is unknown: ${lookup.reason}`);
    else unlisted.set(slug, 'the CP confirmed it by slug but did not list it');
  }
  if (missing.length > 0) {
    throw new NotFoundError(
      `no org and no managed instance for ${missing.join(', ')}`,
      'run `molectl org list` to see the org slugs, or drop --orgs to audit the whole fleet',
    );
  }
  return { unlisted, gap: null };
}
