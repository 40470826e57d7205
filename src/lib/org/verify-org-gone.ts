import type { AwsApi } from '../aws/aws-types.js';
import type { Clock } from '../clock.js';
import { findOrgInstances, isLive, type FleetFilters, type OrgInstanceRow } from './find-org-instances.js';
import { lookupOrg, type OrgDirectoryCp, type OrgLookup } from '../fleet/org-directory.js';
import { deleteAgainCommand } from './delete-again-command.js';

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
  /** gone: the CP confirmed the org absent and EC2 shows no live instance tagged with it. */
  verdict: 'gone' | 'leftovers' | 'unverified';
  leftovers: Leftover[];
  /** Why the CP side could not be judged (verdict unverified). */
  unknownReason?: string;
  /** Polls made until gone or the deadline. */
  checks: number;
}

export interface VerifyDeps {
  cp: OrgDirectoryCp;
  aws: Pick<AwsApi, 'listInstances'>;
  environment: FleetFilters;
  clock: Clock;
  signal: AbortSignal;
  /** The AWS region, for the copy-pasteable fix of a leaked instance. */
  region: string | null;
  /** The environment's name, for the copy-pasteable delete that resumes the cascade (deleteAgainCommand). */
  envName: string;
}

/** Where the leftovers are: what their copy-pasteable fixes name. */
export type LeftoverTarget = Pick<VerifyDeps, 'region' | 'envName'>;

/**
 * The proof that the cascade did its job, read from both sides: the CP confirms it has no such
 * org (see OrgDirectory: absence from a list page is not enough), and EC2 has no instance
 * tagged with it in any state but terminated. Instances that are shutting down are waited for,
 * up to the deadline; whatever is left then is a leftover. When the CP's answer cannot be
 * judged at the deadline, the verdict is `unverified`, never `gone`.
 */
export async function verifyOrgGone(
  deps: VerifyDeps,
  slug: string,
  options: {
    deadline: number;
    orgId?: string | null;
    pollMs?: number;
    cpAnswered404?: boolean;
    onWaiting?: (live: OrgInstanceRow[], cpRowGone: boolean) => void;
  },
): Promise<VerifyResult> {
  let pollMs = options.pollMs ?? 500;
  for (let checks = 1; ; checks++) {
    const lookup = await lookupOrg(deps.cp, slug).catch((error: unknown): OrgLookup => ({
      state: 'unknown',
      reason: (error as Error).message,
    }));
    const live = (await findOrgInstances(deps.aws, deps.environment, slug, deps.clock.now(), options.orgId)).filter(
      (i) => isLive(i.state),
    );
    if (lookup.state === 'absent' && live.length === 0) return { verdict: 'gone', leftovers: [], checks };
    const remaining = options.deadline - deps.clock.now().getTime();
    if (remaining <= 0) {
      if (lookup.state === 'unknown')
        return {
          verdict: 'unverified',
          leftovers: describeLeftovers(slug, 'unknown', live, deps, options.cpAnswered404 ?? false),
          unknownReason: lookup.reason,
          checks,
        };
      return {
        verdict: 'leftovers',
        leftovers: describeLeftovers(
          slug,
          lookup.state === 'absent' ? 'absent' : 'present',
          live,
          deps,
          options.cpAnswered404 ?? false,
        ),
        checks,
      };
    }
    options.onWaiting?.(live, lookup.state === 'absent');
    await deps.clock.sleep(Math.min(pollMs, remaining), deps.signal);
    pollMs = Math.min(10_000, Math.round(pollMs * 1.5));
  }
}

/**
 * Pure: the leftovers, each with the next step an operator should take. Terminating an
 * instance by hand is advised only when the CP has confirmed the org is gone: while the CP
 * still has the org (or cannot say), the cascade is the way, and a hand-made termination would
 * be exactly the out-of-band change that left instances running in the first place.
 */
export function describeLeftovers(
  slug: string,
  cpRow: 'present' | 'absent' | 'unknown',
  live: OrgInstanceRow[],
  target: LeftoverTarget,
  cpAnswered404 = false,
): Leftover[] {
  const leftovers: Leftover[] = [];
  const again = `run \`${deleteAgainCommand(target.envName, slug)}\` again (the cascade resumes)`;
  if (cpRow === 'present') {
    leftovers.push({
      kind: 'cp-row',
      id: slug,
      fix: cpAnswered404
        ? 'the CP answered 404 to the delete but still has the org: a contradiction to report to the CP owners (with the run id); do not terminate its instances by hand'
        : `the CP still has the org: ${again}`,
    });
  }
  const regionFlag = target.region ? ` --region ${target.region}` : '';
  for (const instance of live) {
    let fix: string;
    if (instance.state === 'shutting-down')
      fix = `still shutting down at the timeout: check again in a few minutes with \`molectl org show ${slug}\``;
    else if (cpRow !== 'absent')
      fix = `the CP ${cpRow === 'present' ? 'still has' : 'could not confirm the removal of'} org ${slug}, so this is still its instance: ${again}, never terminate it by hand`;
    else
      fix = `the CP confirms org ${slug} is gone but the cascade left this ${instance.state}: confirm its tags name org ${slug}, then \`aws ec2 terminate-instances${regionFlag} --instance-ids ${instance.instanceId}\``;
    leftovers.push({ kind: 'instance', id: instance.instanceId, role: instance.role, state: instance.state, fix });
  }
  return leftovers;
}
