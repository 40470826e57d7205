import type { AwsApi } from '../aws/aws-types.js';
import type { Clock } from '../cli/clock.js';
import type { CpClient } from '../cp/cp-client.js';
import type { Context } from '../context.js';
import { ExitCode, isMolectlError } from '../errors.js';
import type { FleetFilters } from './find-org-instances.js';
import { runDeleteCascade } from './run-delete-cascade.js';
import { verifyOrgGone, type Leftover } from './verify-org-gone.js';

export type DeleteStatus = 'deleted' | 'leftovers' | 'failed';

export interface DeleteOutcome {
  slug: string;
  /** deleted: verified gone; leftovers: the cascade ran but something is still there; failed: it did not finish. */
  status: DeleteStatus;
  attempts: number;
  purgeIds: string[];
  leftovers: Leftover[];
  error?: { message: string; hint?: string };
  elapsedMs: number;
}

export interface DeleteOrgDeps {
  cp: Pick<CpClient, 'deleteTenant' | 'listOrgs' | 'getOrgInstance'>;
  aws: Pick<AwsApi, 'listInstances'>;
  environment: FleetFilters;
  clock: Clock;
  signal: AbortSignal;
  region: string | null;
  onProgress?: (text: string) => void;
}

/**
 * One org through the CP cascade and the verification after it, within one timeout. Per-org
 * failures come back as an outcome (gc keeps going past them); what would fail every org alike
 * (rejected credentials, bad input) and Ctrl-C are thrown.
 */
export async function deleteOrg(deps: DeleteOrgDeps, slug: string, options: { timeoutMs: number; orgId?: string | null }): Promise<DeleteOutcome> {
  const started = deps.clock.now().getTime();
  const deadline = started + options.timeoutMs;
  const elapsed = (): number => deps.clock.now().getTime() - started;
  let attempts = 0;
  let purgeIds: string[] = [];
  try {
    const cascade = await runDeleteCascade(deps, slug, {
      deadline,
      onRetry: (attempt, reason) => deps.onProgress?.(`${slug}: ${reason}; sending the delete again (attempt ${attempt})`),
    });
    attempts = cascade.attempts;
    purgeIds = cascade.purgeIds;
    deps.onProgress?.(`${slug}: the CP accepted the delete; verifying that the org and its instances are gone`);
    const verified = await verifyOrgGone(deps, slug, {
      deadline,
      orgId: options.orgId ?? null,
      onWaiting: (live, cpRowGone) => deps.onProgress?.(`${slug}: waiting for ${cpRowGone ? '' : 'the CP row and '}${live.length} instance(s) (${live.map((i) => `${i.instanceId} ${i.state}`).join(', ') || 'none'})`),
    });
    return { slug, status: verified.gone ? 'deleted' : 'leftovers', attempts, purgeIds, leftovers: verified.leftovers, elapsedMs: elapsed() };
  } catch (error) {
    if (deps.signal.aborted || !isMolectlError(error) || isFatalForEveryOrg(error.code)) throw error;
    const hint = error.hint === undefined ? {} : { hint: error.hint };
    return { slug, status: 'failed', attempts, purgeIds, leftovers: [], error: { message: error.message, ...hint }, elapsedMs: elapsed() };
  }
}

function isFatalForEveryOrg(code: number): boolean {
  return code === ExitCode.credentials || code === ExitCode.usage || code === ExitCode.interrupted;
}

/** The delete's dependencies from the command's context. */
export function createDeleteDeps(ctx: Context, region: string | null, onProgress?: (text: string) => void): DeleteOrgDeps {
  return { cp: ctx.cp, aws: ctx.aws, environment: ctx.config.environment, clock: ctx.clock, signal: ctx.signal, region, ...(onProgress ? { onProgress } : {}) };
}
