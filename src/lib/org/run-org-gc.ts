import { deleteOrg, type DeleteOrgDeps, type DeleteOutcome } from './delete-org.js';
import type { OrgGcPlan } from './plan-org-gc.js';

/** Deletes run side by side, a few at a time: each mostly waits on the CP and on EC2. */
export const GC_CONCURRENCY = 4;

export interface OrgGcProgress {
  done: number;
  total: number;
  failed: number;
  last: DeleteOutcome;
}

/**
 * Executes a gc plan: every candidate through the same cascade-and-verify as `org delete`.
 * It keeps going past an org that fails; a failure every org would share (credentials,
 * Ctrl-C) stops it, and dispatch stops at once on Ctrl-C (in-flight deletes end with it).
 */
export async function runOrgGc(
  deps: DeleteOrgDeps,
  plan: OrgGcPlan,
  options: { timeoutMs: number; callTimeoutMs: number; onOutcome?: (progress: OrgGcProgress) => void | Promise<void> },
): Promise<DeleteOutcome[]> {
  if (plan.refused) throw new Error('runOrgGc called with a refused plan');
  const outcomes: DeleteOutcome[] = new Array<DeleteOutcome>(plan.candidates.length);
  let next = 0;
  let done = 0;
  let failed = 0;
  let stopped = false;
  const worker = async (): Promise<void> => {
    while (next < plan.candidates.length && !stopped && !deps.signal.aborted) {
      const index = next++;
      let outcome: DeleteOutcome;
      try {
        outcome = await deleteOrg(deps, plan.candidates[index]!.slug, {
          timeoutMs: options.timeoutMs,
          callTimeoutMs: options.callTimeoutMs,
          orgId: plan.candidates[index]!.id,
        });
      } catch (error) {
        stopped = true; // no new org is started once one failure would repeat for all
        throw error;
      }
      outcomes[index] = outcome;
      done++;
      if (outcome.status !== 'deleted') failed++;
      await options.onOutcome?.({ done, total: plan.candidates.length, failed, last: outcome });
    }
  };
  await Promise.all(Array.from({ length: Math.min(GC_CONCURRENCY, plan.candidates.length) }, () => worker()));
  return outcomes.filter((o): o is DeleteOutcome => o !== undefined);
}
