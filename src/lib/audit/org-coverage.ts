import type { InstanceSummary } from '../aws/aws-types.js';
import type { OrgPage } from '../cp/read-org-answers.js';
import { roleOf, type OrphanKeys } from '../fleet/classify-orphans.js';
import { moreOrgsThanPage } from '../fleet/org-directory.js';
import { pass, unknown, type Judgement } from './audit-verdict.js';
import { formatCount } from '../output/format-count.js';

/**
 * What the audit could not see of the CP's orgs. It reads one page of the CP's org list (the
 * contract names no cursor), and the org checks judge what that page shows: an org beyond it
 * that has no instance at all is exactly the org `org-without-instance` looks for, and nothing
 * else would name it. So a page that is, or is proven to be, short makes those orgs unknown,
 * never a clean pass by omission. Pure.
 */

/** The subject of the verdicts about orgs the audit never saw (no slug names them). */
export const UNLISTED_ORGS = '(orgs the CP did not list)';

/**
 * Why the CP may hold orgs its page did not show, or null when the page is whole as far as
 * molectl can tell: the CP said it holds more, the page is as long as the limit asked, some
 * rows could not be read (without a slug to name them by), or the CP confirmed orgs by slug that
 * its list left out (a page capped below the limit, silently).
 */
export function describeOrgListGap(
  page: Pick<OrgPage, 'rows' | 'unreadable' | 'more' | 'limit'>,
  confirmedBeyondPage: readonly string[],
): string | null {
  const returned = page.rows.length + page.unreadable.length;
  const reasons: string[] = [];
  const beyondPage = moreOrgsThanPage(page);
  if (beyondPage !== null) reasons.push(beyondPage);
  if (confirmedBeyondPage.length > 0) {
    const shown = confirmedBeyondPage.slice(0, 5).join(', ');
    const more = confirmedBeyondPage.length > 5 ? `, and ${confirmedBeyondPage.length - 5} more` : '';
    reasons.push(
      `the CP confirmed ${formatCount(confirmedBeyondPage.length, 'org')} its list of ${returned} left out (${shown}${more}), so the list is short`,
    );
  }
  const nameless = page.unreadable.filter((row) => row.slug === null).length;
  if (nameless > 0) reasons.push(`${formatCount(nameless, 'org row')} could not be read, not even their slug`);
  return reasons.length > 0 ? reasons.join('; ') : null;
}

/** The verdict on the orgs nobody saw: unknown, with the reason and how to see them. */
export function judgeOrgListGap(gap: string): Judgement {
  return unknown(
    `${gap}: orgs beyond what was read were not audited (an org without any instance would not show); audit them by name with --orgs <slugs>, or leave these checks out with --skip admin-token-exposed,org-without-instance`,
  );
}

/**
 * org-without-instance for an org the CP knows but did not list with a readable row: without its
 * instance_status only a running tenant instance settles it (the finding cannot hold then).
 */
export function judgeUnlistedOrgInstance(
  slug: string,
  why: string,
  instances: InstanceSummary[],
  keys: OrphanKeys,
  orphanIds: Set<string>,
): Judgement {
  const tenant = instances.find(
    (i) =>
      i.tags[keys.orgSlugTagKey] === slug &&
      i.state === 'running' &&
      !orphanIds.has(i.instanceId) &&
      roleOf(i.tags, keys) === 'tenant',
  );
  if (tenant) return pass(`tenant ${tenant.instanceId} is running`);
  return unknown(`${why}: its instance_status is unknown, and no running tenant instance carries its tags`);
}

/** The subject of the verdicts of an audit that found nothing at all to judge. */
export const WHOLE_FLEET = '(the whole fleet)';

/**
 * An audit that found no org and no instance has judged nothing: "0 failed" of nothing is not a
 * clean fleet (a wrong region, tag filter or CP answers exactly this), so each check is unknown.
 */
export function judgeEmptyFleet(region: string): Judgement {
  return unknown(
    `nothing to audit: the CP lists no org and DescribeInstances found no CP-managed instance in ${region}; check --env, the region and the fleet's tag filters (molectl config show)`,
  );
}
