import { MolectlError, NotFoundError } from '../errors.js';
import type { Environment } from '../config/run-environment.js';
import { isLive, type OrgInstanceRow } from './find-org-instances.js';
import type { OrgLookup } from '../fleet/org-directory.js';
import { summarizeOrg, type OrgSummary } from './summarize-orgs.js';
import { formatCount } from '../output/format-count.js';

/** What `org delete` will ask the CP to remove, shown before the typed confirmation. */
export interface OrgDeletePlan {
  slug: string;
  environment: Environment;
  /** The CP row; null when the CP knows the org but gave no readable row for it (id unconfirmed). */
  org: OrgSummary | null;
  /** Instances the cascade must terminate (every state but terminated). */
  instances: OrgInstanceRow[];
  /** Instances already terminated: EC2 keeps showing them for about an hour. */
  alreadyTerminated: number;
  /** Parts of the cascade molectl cannot see, so cannot verify afterwards. */
  unverifiable: string[];
}

/** The cascade's steps that leave no trace molectl can read (../shared/platform.md). */
export const UNVERIFIABLE_CASCADE_PARTS = [
  'the security group',
  'the Cloudflare tunnel',
  'the DNS record (known to leak)',
];

/**
 * Pure: what the CP and EC2 said, in; the preview, out. An org the CP does not know is exit 4,
 * even when instances carry its tag: the cascade cannot remove those (it has no row to start
 * from), and `fleet orphans` is the tool for them.
 */
export function planOrgDelete(args: {
  slug: string;
  lookup: OrgLookup;
  instances: OrgInstanceRow[];
  environment: Environment;
  now: Date;
}): OrgDeletePlan {
  const live = args.instances.filter((i) => isLive(i.state));
  if (args.lookup.state === 'unknown') {
    throw new MolectlError(
      `cannot tell whether the CP at ${args.environment.cpUrl} has org "${args.slug}": ${args.lookup.reason}; nothing was deleted`,
      {
        hint: `check the CP with \`molectl doctor\` and \`molectl org show ${args.slug}\`, then try again`,
      },
    );
  }
  if (args.lookup.state === 'absent') {
    const leftovers =
      live.length > 0
        ? `; ${formatCount(live.length, 'instance')} tagged with it ${live.length === 1 ? 'is' : 'are'} still there: see \`molectl fleet orphans\``
        : '';
    throw new NotFoundError(
      `org "${args.slug}" not found on the CP at ${args.environment.cpUrl}${leftovers}`,
      live.length > 0
        ? 'the CP cascade cannot remove instances of an org it no longer has; `molectl fleet orphans` lists them with what to do'
        : 'run `molectl org list` to see the org slugs, and check --env',
    );
  }
  return {
    slug: args.slug,
    environment: args.environment,
    org: args.lookup.state === 'listed' ? summarizeOrg(args.lookup.row, args.now) : null,
    instances: live,
    alreadyTerminated: args.instances.length - live.length,
    unverifiable: [...UNVERIFIABLE_CASCADE_PARTS],
  };
}
