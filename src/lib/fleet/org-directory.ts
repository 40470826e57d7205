import type { CpClient } from '../cp/cp-client.js';
import type { OrgPage } from '../cp/read-org-answers.js';
import type { OrgRow } from '../cp/cp-schemas.js';
import { remoteText } from '../output/remote-text.js';
import { NotFoundError, UsageError } from '../errors.js';
import { formatCount } from '../output/format-count.js';

/** What molectl asks the CP's list route for; the CP may answer fewer (or ignore it). */
export const ORG_LIST_LIMIT = 500;

/**
 * What the CP says about one slug. Only `listed`, `exists` and `absent` are verdicts, each on
 * an observation: the slug on the CP's list, the CP's per-org route answering for it, or the CP
 * answering "no such org" on a route proven to be mounted. `unknown` is everything else.
 */
export type OrgLookup =
  | { state: 'listed'; row: OrgRow }
  /**
   * The CP knows the org but gave no readable row for it: its id is unconfirmed. `edge` is what
   * the per-org route answered when the lookup asked it (its status, or 404: no routable
   * instance), so a caller that needs the status does not ask the same route again.
   */
  | { state: 'exists'; row: null; evidence: string; edge?: { status: string } | 'not-found' }
  | { state: 'absent'; evidence: string }
  | { state: 'unknown'; reason: string };

export type OrgDirectoryCp = Pick<
  CpClient,
  'listOrgs' | 'getOrgInstance' | 'getOrgAdminToken' | 'edgeRouteAnswered' | 'adminTokenRouteAnswered'
>;

/** How many per-slug confirmations run at once. */
const CONFIRM_CONCURRENCY = 20;

/**
 * The CP's orgs as one command sees them: one page of the list route, plus per-slug
 * confirmation for every slug the page does not hold. The contract says nothing of paging (a CP
 * may cap pages, ignore `limit`, or send odd rows), so absence from the page is never taken as
 * absence from the CP: it is confirmed on the per-org route, `GET /cp/orgs/:slug/instance`, and
 * its 404 counts only when the admin API's per-org route answers 404 for the slug too, each
 * route having been seen answering for a known org (else an unmounted route would make every
 * org look deleted).
 */
export class OrgDirectory {
  private readonly listedBySlug: Map<string, OrgRow>;
  private readonly unreadableSlugs: Set<string>;
  private readonly controls = new Map<string, Promise<string | null>>();

  private constructor(
    private readonly cp: OrgDirectoryCp,
    readonly page: OrgPage,
  ) {
    this.listedBySlug = new Map(page.rows.map((row) => [row.slug, row]));
    this.unreadableSlugs = new Set(page.unreadable.map((u) => u.slug).filter((s): s is string => s !== null));
  }

  /** One page of the list route, of `limit` rows (ORG_LIST_LIMIT unless a caller needs more). */
  static async read(cp: OrgDirectoryCp, limit = ORG_LIST_LIMIT): Promise<OrgDirectory> {
    return new OrgDirectory(cp, await cp.listOrgs({ limit }));
  }

  /** True when the CP gave as many rows as asked for (it honours `limit`, and may hold more), or said it holds more. */
  get pageFull(): boolean {
    return this.page.rows.length + this.page.unreadable.length >= this.page.limit || this.page.more !== null;
  }

  /** For callers that already hold the page. */
  static fromPage(cp: OrgDirectoryCp, page: OrgPage): OrgDirectory {
    return new OrgDirectory(cp, page);
  }

  get rows(): OrgRow[] {
    return this.page.rows;
  }

  /** Listed with a readable row: no call made. */
  listed(slug: string): OrgRow | undefined {
    return this.listedBySlug.get(slug);
  }

  async lookup(slug: string): Promise<OrgLookup> {
    const row = this.listedBySlug.get(slug);
    if (row) return { state: 'listed', row };
    if (this.unreadableSlugs.has(slug))
      return { state: 'exists', row: null, evidence: 'the CP lists it, but its row is unreadable' };
    return this.confirmBySlug(slug);
  }

  /** Lookups of many slugs, a bounded number at a time; `onProgress` gets done/total. */
  async lookupMany(
    slugs: Iterable<string>,
    onProgress?: (done: number, total: number) => void,
  ): Promise<Map<string, OrgLookup>> {
    const unique = [...new Set(slugs)];
    const results = new Map<string, OrgLookup>();
    for (let i = 0; i < unique.length; i += CONFIRM_CONCURRENCY) {
      const chunk = unique.slice(i, i + CONFIRM_CONCURRENCY);
      const answers = await Promise.all(chunk.map((slug) => this.lookup(slug)));
      chunk.forEach((slug, j) => results.set(slug, answers[j]!));
      onProgress?.(Math.min(i + CONFIRM_CONCURRENCY, unique.length), unique.length);
    }
    return results;
  }

  private async confirmBySlug(slug: string): Promise<OrgLookup> {
    try {
      const answer = await this.cp.getOrgInstance(slug);
      return {
        state: 'exists',
        row: null,
        evidence: `the CP's per-org route answers for it (not on the listed page of ${this.page.rows.length})`,
        edge: { status: answer.instance.status },
      };
    } catch (error) {
      // A tag value no CP route could name cannot be an org's slug either.
      if (error instanceof UsageError)
        return { state: 'absent', evidence: `"${remoteText(slug)}" is not a valid org slug` };
      if (!(error instanceof NotFoundError))
        return { state: 'unknown', reason: `GET /cp/orgs/${slug}/instance: ${(error as Error).message}` };
    }
    return this.confirmNotFound(slug);
  }

  /**
   * The edge route said 404. That route serves the edge, which routes to an instance: a CP may
   * answer 404 there for an org it has but that has no routable instance (provisioning, failed),
   * so its 404 alone never makes an org absent. The admin API is asked about the same slug, and
   * the org is absent only when both routes answer 404 and each is seen answering for an org the
   * CP lists (else an unmounted or renamed route would make every org look deleted). With no
   * listed org to compare with, the two routes' 404s are taken together.
   */
  private async confirmNotFound(slug: string): Promise<OrgLookup> {
    const others = this.page.rows.filter((row) => row.slug !== slug);
    // A running org is the control most likely to have a routable instance.
    const control = others.find((row) => row.instance_status === 'running') ?? others[0];
    if (control && !this.cp.edgeRouteAnswered) {
      const why = await this.controlAnswers('edge', control.slug);
      if (why !== null)
        return { state: 'unknown', reason: `the CP's per-org route answered 404 for "${slug}", but ${why}` };
    }
    // The admin API's answer for a live org is a secret, which the client registers with the
    // redactor and nothing here keeps.
    try {
      await this.cp.getOrgAdminToken(slug);
      return {
        state: 'exists',
        row: null,
        evidence: 'the admin API knows it (its per-org edge route answered 404: no routable instance)',
        edge: 'not-found',
      };
    } catch (error) {
      if (!(error instanceof NotFoundError))
        return {
          state: 'unknown',
          reason: `the CP's per-org route answered 404 for "${slug}", and the admin API could not confirm: ${(error as Error).message}`,
        };
    }
    if (control && !this.cp.adminTokenRouteAnswered) {
      const why = await this.controlAnswers('admin', control.slug);
      if (why !== null)
        return {
          state: 'unknown',
          reason: `the CP's per-org route and its admin API answered 404 for "${slug}", but ${why}`,
        };
    }
    return {
      state: 'absent',
      evidence: control
        ? "the CP's per-org route and its admin API both answer 404 for it, and answer for known orgs"
        : "the CP's per-org route and its admin API both answer 404 for it",
    };
  }

  /**
   * Null when `route` answers for the listed org `slug`, else why its 404s cannot be believed.
   * Asked once per directory and route, however many slugs need it.
   */
  private controlAnswers(route: 'edge' | 'admin', slug: string): Promise<string | null> {
    const key = `${route} ${slug}`;
    let answer = this.controls.get(key);
    if (!answer) {
      const ask = route === 'edge' ? this.cp.getOrgInstance(slug) : this.cp.getOrgAdminToken(slug);
      const name = route === 'edge' ? 'the per-org route' : 'the admin API';
      answer = ask.then(
        () => null,
        (error: unknown) =>
          error instanceof NotFoundError
            ? `${name} answers 404 for the listed org ${slug} too (route not mounted?)`
            : `${name} could not answer for the listed org ${slug}: ${(error as Error).message}`,
      );
      this.controls.set(key, answer);
    }
    return answer;
  }
}

/** One lookup with a fresh page: for commands about a single org. */
export async function lookupOrg(cp: OrgDirectoryCp, slug: string): Promise<OrgLookup> {
  return (await OrgDirectory.read(cp)).lookup(slug);
}

/** True for the two verdicts that say the CP has the org. */
export function orgExists(lookup: OrgLookup): lookup is Extract<OrgLookup, { state: 'listed' | 'exists' }> {
  return lookup.state === 'listed' || lookup.state === 'exists';
}

/**
 * Everything a command must say about the one page of orgs it read before using it: that the CP
 * holds more (it said so, or the page is full), that a smaller page was read, that rows were left
 * out. `consequence` says what the shortfall means for this command; the facts are worded once.
 */
export function warnPageShortfalls(
  out: { warn(text: string): void },
  page: Pick<OrgPage, 'rows' | 'unreadable' | 'more' | 'limit' | 'limitRefused'>,
  consequence: string,
): void {
  const more = moreOrgsThanPage(page);
  if (more !== null) out.warn(`${more}: ${consequence}`);
  warnRefusedLimit(out, page);
  warnUnreadableRows(out, page);
}

/**
 * Why the CP may hold orgs beyond the page, by its own word (a `more` field) or because the page
 * is as long as the limit asked; null when neither. The fact only: callers add what it means.
 */
export function moreOrgsThanPage(page: Pick<OrgPage, 'rows' | 'unreadable' | 'more' | 'limit'>): string | null {
  const returned = page.rows.length + page.unreadable.length;
  if (page.more !== null) return `the CP says it has more orgs than the ${returned} it returned (${page.more})`;
  if (returned >= page.limit) return `the CP returned ${returned} orgs, its page limit, and may hold more`;
  return null;
}

/** One warning when the CP refused the page size asked for and a smaller page was read instead. */
export function warnRefusedLimit(
  out: { warn(text: string): void },
  page: Pick<OrgPage, 'limit' | 'limitRefused'>,
): void {
  if (page.limitRefused === null) return;
  out.warn(
    `the CP refused limit=${page.limitRefused.limit} (${page.limitRefused.answer}); molectl read a page of at most ${page.limit} instead`,
  );
}

/**
 * One warning for the rows of a page that could not be read: counted and named, left out of
 * what the command does, never fatal (issue 12: one odd row must not stop a fleet-wide command).
 */
export function warnUnreadableRows(out: { warn(text: string): void }, page: Pick<OrgPage, 'unreadable'>): void {
  const rows = page.unreadable;
  if (rows.length === 0) return;
  const shown = rows.slice(0, 5).map((r) => `${r.slug ?? `row ${r.index + 1}`} (${r.problem})`);
  const more = rows.length > 5 ? `, and ${rows.length - 5} more` : '';
  out.warn(
    `${formatCount(rows.length, 'org row')} from the CP could not be read and ${rows.length === 1 ? 'is' : 'are'} left out: ${shown.join(', ')}${more}`,
  );
}
