import type { Clock } from '../cli/clock.js';
import type { CpClient } from '../cp/cp-client.js';
import { TenantPurgeIncompleteError } from '../cp/tenant-purge-incomplete-error.js';
import { HttpError, MolectlError, NotFoundError } from '../errors.js';

export interface CascadeResult {
  /** DELETE calls sent (the HTTP door's own retries of 502/503/504 not counted). */
  attempts: number;
  /** purge_ids the CP reported for cascades that stopped part way, in order. */
  purgeIds: string[];
  /**
   * True when the CP answered 404: an earlier call of ours (whose answer was lost) or someone
   * else's delete finished it. Either way the goal stands; the verification that follows decides.
   */
  finishedEarlier: boolean;
}

export interface CascadeDeps {
  cp: Pick<CpClient, 'deleteTenant'>;
  clock: Clock;
  signal: AbortSignal;
}

/** How many DELETE calls one run makes before it gives up and says how to resume. */
export const MAX_CASCADE_ATTEMPTS = 6;

/**
 * DELETE /cp/admin/tenants/:slug until the CP says done. A 500 with purge_id (the cascade
 * stopped part way) and any other 5xx are retried with a growing pause: the CP resumes from
 * the last finished step, so repeating is both safe and the documented way to finish.
 * A 404 means the org is already gone (callers checked it existed just before): not an error
 * here, because what counts is the verification afterwards.
 */
export async function runDeleteCascade(deps: CascadeDeps, slug: string, options: { deadline: number; onRetry?: (attempt: number, reason: string) => void }): Promise<CascadeResult> {
  const purgeIds: string[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.cp.deleteTenant(slug);
      return { attempts: attempt, purgeIds, finishedEarlier: false };
    } catch (error) {
      if (error instanceof NotFoundError) return { attempts: attempt, purgeIds, finishedEarlier: true };
      const reason = retryReason(error);
      if (reason === null) throw error;
      if (error instanceof TenantPurgeIncompleteError) purgeIds.push(error.purgeId);
      const pauseMs = Math.min(15_000, 1_000 * 2 ** (attempt - 1));
      if (attempt >= MAX_CASCADE_ATTEMPTS || deps.clock.now().getTime() + pauseMs > options.deadline) {
        throw new MolectlError(`the CP did not finish deleting org "${slug}" after ${attempt} attempt(s): ${reason}`, {
          hint: `the cascade resumes where it stopped: run \`molectl org delete ${slug} --confirm ${slug}\` again`,
          cause: error,
        });
      }
      options.onRetry?.(attempt + 1, reason);
      await deps.clock.sleep(pauseMs, deps.signal);
    }
  }
}

function retryReason(error: unknown): string | null {
  if (error instanceof TenantPurgeIncompleteError) return `the cascade stopped part way (purge ${error.purgeId})`;
  if (error instanceof HttpError && error.status >= 500) return `HTTP ${error.status}${error.remoteError ? `: ${error.remoteError}` : ''}`;
  return null;
}
