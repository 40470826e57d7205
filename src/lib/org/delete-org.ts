import type { AwsApi } from '../aws/aws-types.js';
import type { Clock } from '../clock.js';
import type { CpClient } from '../cp/cp-client.js';
import type { Context } from '../context.js';
import { ExitCode, isMolectlError } from '../errors.js';
import type { FleetFilters } from './find-org-instances.js';
import type { OrgDirectoryCp } from '../fleet/org-directory.js';
import { runDeleteCascade, type CascadeAttempt } from './run-delete-cascade.js';
import { verifyOrgGone, type Leftover } from './verify-org-gone.js';
import { formatCount } from '../output/format-count.js';

export type DeleteStatus = 'deleted' | 'leftovers' | 'unverified' | 'failed';

export interface DeleteOutcome {
  slug: string;
  /**
   * deleted: verified gone (the CP confirms no such org, EC2 no live instance tagged with it);
   * leftovers: something is still there; unverified: the CP ended the cascade but its result
   * could not be judged (the CP's side unknown, or the verification could not run);
   * failed: the cascade did not finish.
   */
  status: DeleteStatus;
  /** DELETE calls sent (each sent once: the HTTP door never repeats it). */
  attempts: number;
  attemptLog: CascadeAttempt[];
  purgeIds: string[];
  /** The CP answered a DELETE with 404 (it did not know the slug at that moment). */
  cpAnswered404: boolean;
  leftovers: Leftover[];
  error?: { message: string; hint?: string };
  elapsedMs: number;
}

export interface DeleteOrgDeps {
  cp: Pick<CpClient, 'deleteTenant'> & OrgDirectoryCp;
  aws: Pick<AwsApi, 'listInstances'>;
  environment: FleetFilters;
  clock: Clock;
  signal: AbortSignal;
  region: string | null;
  envName: string;
  onProgress?: (text: string) => void;
  /** Each DELETE as it is answered (the ledger records them as they happen). */
  onAttempt?: (attempt: CascadeAttempt) => void | Promise<void>;
}

/**
 * One DELETE's timeout: the CP runs the whole cascade (EC2 terminations, tunnel, DNS) inside the
 * call, which the platform's runbooks say can take a minute or more.
 */
export const DEFAULT_CASCADE_CALL_TIMEOUT_MS = 3 * 60_000;

export interface DeleteOrgOptions {
  /** The cascade and the verification together. */
  timeoutMs: number;
  /** One DELETE call's timeout. */
  callTimeoutMs: number;
  orgId?: string | null;
}

/**
 * One org through the CP cascade and the verification after it, within one timeout. The
 * verdict comes from the verification, never from the last HTTP status. Per-org failures come
 * back as an outcome (gc keeps going past them); what would fail every org alike (rejected
 * credentials, bad input) and Ctrl-C are thrown.
 */
export async function deleteOrg(deps: DeleteOrgDeps, slug: string, options: DeleteOrgOptions): Promise<DeleteOutcome> {
  const started = deps.clock.now().getTime();
  const deadline = started + options.timeoutMs;
  const elapsed = (): number => deps.clock.now().getTime() - started;
  const attemptLog: CascadeAttempt[] = [];
  const base = (): Pick<DeleteOutcome, 'slug' | 'attempts' | 'attemptLog' | 'purgeIds' | 'cpAnswered404'> => ({
    slug,
    attempts: attemptLog.length,
    attemptLog,
    purgeIds: attemptLog.flatMap((a) => (a.purgeId ? [a.purgeId] : [])),
    cpAnswered404: attemptLog.some((a) => a.answer === 'HTTP 404'),
  });
  // The cascade and the verification fail differently: a cascade that did not end is "failed";
  // a verification that could not run after the CP ended the cascade says nothing either way
  // (the org may well be gone), so it is "unverified", never "failed".
  const describePerOrgFailure = (error: unknown): { message: string; hint?: string } => {
    if (deps.signal.aborted || !isMolectlError(error) || isFatalForEveryOrg(error.code)) throw error;
    return { message: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }) };
  };
  try {
    await runDeleteCascade(deps, slug, {
      deadline,
      callTimeoutMs: options.callTimeoutMs,
      onRetry: (attempt, reason) => deps.onProgress?.(`${slug}: ${reason}; attempt ${attempt} next`),
      onAttempt: async (attempt) => {
        attemptLog.push(attempt);
        await deps.onAttempt?.(attempt);
      },
    });
  } catch (error) {
    return { ...base(), status: 'failed', leftovers: [], error: describePerOrgFailure(error), elapsedMs: elapsed() };
  }
  try {
    deps.onProgress?.(`${slug}: the CP ended the delete; verifying that the org and its instances are gone`);
    const verified = await verifyOrgGone(deps, slug, {
      deadline,
      orgId: options.orgId ?? null,
      cpAnswered404: base().cpAnswered404,
      onWaiting: (live, cpRowGone) =>
        deps.onProgress?.(
          `${slug}: waiting for ${cpRowGone ? '' : 'the CP to confirm the org is gone and '}${formatCount(live.length, 'instance')} (${live.map((i) => `${i.instanceId} ${i.state}`).join(', ') || 'none'})`,
        ),
    });
    const status: DeleteStatus = verified.verdict === 'gone' ? 'deleted' : verified.verdict;
    const unknown = verified.unknownReason
      ? {
          error: {
            message: `could not verify that the CP removed org "${slug}": ${verified.unknownReason}`,
            hint: `check with \`molectl org show ${slug}\``,
          },
        }
      : {};
    return { ...base(), status, leftovers: verified.leftovers, ...unknown, elapsedMs: elapsed() };
  } catch (error) {
    const { message, hint } = describePerOrgFailure(error);
    return {
      ...base(),
      status: 'unverified',
      leftovers: [],
      error: {
        message: `the CP accepted the delete, but whether org "${slug}" and its instances are gone could not be checked: ${message}`,
        hint: `check with \`molectl org show ${slug}\`${hint ? `; ${hint}` : ''}`,
      },
      elapsedMs: elapsed(),
    };
  }
}

function isFatalForEveryOrg(code: number): boolean {
  return code === ExitCode.credentials || code === ExitCode.usage || code === ExitCode.interrupted;
}

/** The delete's dependencies from the command's context. */
export function createDeleteDeps(
  ctx: Context,
  region: string | null,
  hooks: Pick<DeleteOrgDeps, 'onProgress' | 'onAttempt'> = {},
): DeleteOrgDeps {
  return {
    cp: ctx.cp,
    aws: ctx.aws,
    environment: ctx.config.environment,
    clock: ctx.clock,
    signal: ctx.signal,
    region,
    envName: ctx.config.envName.value,
    ...hooks,
  };
}
