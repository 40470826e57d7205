import type { Clock } from '../clock.js';
import type { OrgRow } from '../cp/cp-schemas.js';
import { ExitCode, InterruptedError, isMolectlError, MolectlError, NotFoundError } from '../errors.js';
import { remoteText } from '../output/remote-text.js';
import { formatDuration } from '../output/table.js';
import { lookupOrg, type OrgDirectoryCp } from '../fleet/org-directory.js';
import type { HealthProbe } from '../fleet/probe-tenant-health.js';

export type WaitPhase = 'provisioning' | 'health';

export interface WaitProgress {
  phase: WaitPhase;
  /** The CP's instance_status, or `not listed yet`. */
  instanceStatus: string;
  /** The last health probe's detail, in the health phase. */
  health?: string;
  elapsedMs: number;
}

export type WaitOutcome =
  | { kind: 'ready'; instanceStatus: string; healthChecked: boolean; elapsedMs: number; row: OrgRow | null }
  | { kind: 'failed'; instanceStatus: string; elapsedMs: number; row: OrgRow | null }
  | { kind: 'timeout'; phase: WaitPhase; instanceStatus: string; health?: string; elapsedMs: number };

export interface WaitDeps {
  cp: OrgDirectoryCp;
  clock: Clock;
  signal: AbortSignal;
  probeHealth: () => Promise<HealthProbe>;
}

export interface WaitOptions {
  slug: string;
  /** Counted from startedAt, across both phases. */
  timeoutMs: number;
  startedAt: Date;
  checkHealth: boolean;
  onProgress?: (progress: WaitProgress) => void;
  /** First poll gap; it grows by half each poll up to maxPollMs. */
  firstPollMs?: number;
  maxPollMs?: number;
}

/** Transient CP trouble is waited through; this many failed polls in a row end the wait. */
const MAX_CONSECUTIVE_POLL_FAILURES = 5;

/**
 * Waits for a new org: instance_status `running` (12 to 20 minutes in production), then the
 * tenant's public /health (up to 15 more). Read-only by construction: nothing in here can
 * change the org, so stopping (Ctrl-C, timeout) always leaves it provisioning on the CP.
 */
export async function waitForOrg(deps: WaitDeps, options: WaitOptions): Promise<WaitOutcome> {
  const start = options.startedAt.getTime();
  const elapsed = (): number => deps.clock.now().getTime() - start;
  const firstPoll = options.firstPollMs ?? 500;
  const maxPoll = options.maxPollMs ?? 10_000;
  let pollMs = firstPoll;
  let failures = 0;
  let phase: WaitPhase = 'provisioning';
  let instanceStatus = 'not listed yet';
  let row: OrgRow | null = null;
  let health: string | undefined;

  try {
    for (;;) {
      try {
        if (phase === 'provisioning') {
          const read = await readStatus(deps.cp, options.slug);
          instanceStatus = read.status;
          row = read.row;
          if (instanceStatus === 'failed') return { kind: 'failed', instanceStatus, elapsedMs: elapsed(), row };
          if (instanceStatus === 'running') {
            if (!options.checkHealth)
              return { kind: 'ready', instanceStatus, healthChecked: false, elapsedMs: elapsed(), row };
            phase = 'health';
            pollMs = firstPoll;
          }
        }
        if (phase === 'health') {
          const probe = await deps.probeHealth();
          health = probe.detail;
          if (probe.healthy) return { kind: 'ready', instanceStatus, healthChecked: true, elapsedMs: elapsed(), row };
        }
        failures = 0;
      } catch (error) {
        if (deps.signal.aborted || !isTransient(error) || ++failures >= MAX_CONSECUTIVE_POLL_FAILURES) throw error;
      }
      options.onProgress?.({
        phase,
        instanceStatus,
        ...(health === undefined ? {} : { health }),
        elapsedMs: elapsed(),
      });
      const remaining = options.timeoutMs - elapsed();
      if (remaining <= 0)
        return {
          kind: 'timeout',
          phase,
          instanceStatus,
          ...(health === undefined ? {} : { health }),
          elapsedMs: elapsed(),
        };
      await deps.clock.sleep(Math.min(pollMs, remaining), deps.signal);
      pollMs = Math.min(maxPoll, Math.round(pollMs * 1.5));
    }
  } catch (error) {
    if (deps.signal.aborted)
      throw new UnfinishedWaitInterrupt(options.slug, {
        phase,
        instanceStatus,
        ...(health === undefined ? {} : { health }),
        elapsedMs: elapsed(),
      });
    throw error;
  }
}

/** Ctrl-C while waiting: the org is left alone, and the message says what was seen of it. Exit 130. */
export class UnfinishedWaitInterrupt extends InterruptedError {
  constructor(
    slug: string,
    /** The last thing the wait saw: what the run ledger records of the org, and no more. */
    readonly seen: WaitProgress,
  ) {
    super(
      `stopped waiting for org "${slug}" after ${formatDuration(seen.elapsedMs)}, nothing was deleted: ${describeUnfinishedWait(seen)}`,
      checkProvisioningHint(slug),
    );
  }
}

/**
 * What a wait that did not end knows about the org, and no more: "keeps provisioning" was said
 * of an org the CP already reported running, whose /health alone had not been seen, so a reader
 * could not tell "not built yet" from "built, but not answering".
 */
export function describeUnfinishedWait(seen: Pick<WaitProgress, 'phase' | 'instanceStatus' | 'health'>): string {
  if (seen.phase === 'health')
    return `the CP reports it running, but its public /health has not answered ok yet (last: ${seen.health === undefined ? 'not asked yet' : remoteText(seen.health)}): healthy is unverified`;
  return `its instance_status was ${remoteText(seen.instanceStatus)} at the last look; running and healthy are unverified (the CP goes on provisioning it)`;
}

export function checkProvisioningHint(slug: string): string {
  return `check it with \`molectl org show ${slug}\` (or \`molectl org list --prefix ${slug}\`); if it ends up failed, \`molectl console ${slug}\` shows why`;
}

async function readStatus(cp: OrgDirectoryCp, slug: string): Promise<{ status: string; row: OrgRow | null }> {
  const lookup = await lookupOrg(cp, slug);
  if (lookup.state === 'listed') return { status: lookup.row.instance_status, row: lookup.row };
  // Known to the CP without a readable row: the edge route carries a status too, once the org
  // has a routable instance (a CP may answer 404 there until then: the admin API knows the org).
  if (lookup.state === 'exists') {
    // The lookup may have asked the edge route already (an org off the list page): once per poll.
    if (lookup.edge === 'not-found') return { status: 'not routable yet', row: null };
    if (lookup.edge) return { status: lookup.edge.status, row: null };
    try {
      return { status: (await cp.getOrgInstance(slug)).instance.status, row: null };
    } catch (error) {
      if (error instanceof NotFoundError) return { status: 'not routable yet', row: null };
      throw error;
    }
  }
  if (lookup.state === 'absent') return { status: 'not listed yet', row: null };
  throw new MolectlError(`cannot tell whether org "${slug}" exists yet: ${lookup.reason}`);
}

/** A failed poll worth retrying: a CP 5xx or an unreachable network, not a rejected token. */
function isTransient(error: unknown): boolean {
  return isMolectlError(error) && error.code === ExitCode.failed;
}
