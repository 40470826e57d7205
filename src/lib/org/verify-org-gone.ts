import type { AwsApi } from '../aws/aws-types.js';
import type { Clock } from '../cli/clock.js';
import { findOrgInstances, isLive, type FleetFilters, type OrgInstanceRow } from './find-org-instances.js';
import { lookupOrg, type OrgLookupCp } from '../fleet/lookup-org.js';

/** Something the cascade should have removed and did not, with what to do about it. */
export interface Leftover {
  kind: 'cp-row' | 'instance';
  /** The slug for the CP row, the instance id for an instance. */
  id: string;
  role?: OrgInstanceRow['role'];
  state?: string;
  fix: string;
}

export interface VerifyResult {
  gone: boolean;
  leftovers: Leftover[];
  /** Polls made until gone or the deadline. */
  checks: number;
}

export interface VerifyDeps {
  cp: OrgLookupCp;
  aws: Pick<AwsApi, 'listInstances'>;
  environment: FleetFilters;
  clock: Clock;
  signal: AbortSignal;
  /** The AWS region, for the copy-pasteable fix of a leaked instance. */
  region: string | null;
}

/**
 * The proof that the cascade did its job, read from both sides: the CP no longer lists the
 * slug, and EC2 has no instance tagged with it in any state but terminated. Instances that are
 * shutting down are waited for, up to the deadline; whatever is left then is a leftover.
 */
export async function verifyOrgGone(
  deps: VerifyDeps,
  slug: string,
  options: { deadline: number; orgId?: string | null; pollMs?: number; onWaiting?: (live: OrgInstanceRow[], cpRowGone: boolean) => void },
): Promise<VerifyResult> {
  let pollMs = options.pollMs ?? 500;
  for (let checks = 1; ; checks++) {
    const lookup = await lookupOrg(deps.cp, slug);
    const live = (await findOrgInstances(deps.aws, deps.environment, slug, deps.clock.now(), options.orgId)).filter((i) => isLive(i.state));
    if (!lookup.found && live.length === 0) return { gone: true, leftovers: [], checks };
    const remaining = options.deadline - deps.clock.now().getTime();
    if (remaining <= 0) return { gone: false, leftovers: describeLeftovers(slug, lookup.found, live, deps.region), checks };
    options.onWaiting?.(live, !lookup.found);
    await deps.clock.sleep(Math.min(pollMs, remaining), deps.signal);
    pollMs = Math.min(10_000, Math.round(pollMs * 1.5));
  }
}

/** Pure: the leftovers, each with the next step an operator should take. */
export function describeLeftovers(slug: string, cpRowPresent: boolean, live: OrgInstanceRow[], region: string | null): Leftover[] {
  const leftovers: Leftover[] = [];
  if (cpRowPresent) {
    leftovers.push({ kind: 'cp-row', id: slug, fix: `the CP still lists the org: run \`molectl org delete ${slug} --confirm ${slug}\` again (the cascade resumes)` });
  }
  const regionFlag = region ? ` --region ${region}` : '';
  for (const instance of live) {
    const fix =
      instance.state === 'shutting-down'
        ? `still shutting down at the timeout: check again in a few minutes with \`molectl org show ${slug}\``
        : `the cascade left it ${instance.state}: confirm its tags name org ${slug}, then \`aws ec2 terminate-instances${regionFlag} --instance-ids ${instance.instanceId}\``;
    leftovers.push({ kind: 'instance', id: instance.instanceId, role: instance.role, state: instance.state, fix });
  }
  return leftovers;
}
