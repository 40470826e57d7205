import type { Clock } from '../clock.js';
import type { CpClient } from '../cp/cp-client.js';
import { TenantPurgeIncompleteError } from '../cp/tenant-purge-incomplete-error.js';
import { HttpError, MolectlError, NotFoundError } from '../errors.js';
import { lookupOrg, type OrgDirectoryCp } from '../fleet/org-directory.js';
import { deleteAgainCommand } from './delete-again-command.js';
import { NoAnswerError } from '../http/no-answer-error.js';
import { formatCount } from '../output/format-count.js';

/** One DELETE sent, and what came back: the ledger's truthful record of the cascade. */
export interface CascadeAttempt {
  /** ISO time the call was sent. */
  at: string;
  /** `HTTP 200`, `HTTP 500 purge p-1`, `HTTP 404`, `no answer (timeout after 180000 ms)`. */
  answer: string;
  purgeId?: string;
}

export interface CascadeResult {
  attempts: CascadeAttempt[];
  /** purge_ids the CP reported for cascades that stopped part way, in order. */
  purgeIds: string[];
  /**
   * How the sending ended: `done` (2xx), `not-found` (404: the CP does not know the slug; only
   * the verification can say whether that is success or a contradiction), `gone-while-waiting`
   * (a call got no answer and the org then disappeared: the cascade finished without telling us).
   */
  ending: 'done' | 'not-found' | 'gone-while-waiting';
}

export interface CascadeDeps {
  cp: Pick<CpClient, 'deleteTenant'> & OrgDirectoryCp;
  clock: Clock;
  signal: AbortSignal;
  /** The environment's name, for the hint that resumes the cascade (deleteAgainCommand). */
  envName: string;
}

export interface CascadeOptions {
  /** Nothing is sent after this (the whole delete's --timeout). */
  deadline: number;
  /** Timeout of one DELETE call: a cascade can take minutes. */
  callTimeoutMs: number;
  onRetry?: (attempt: number, reason: string) => void;
  onAttempt?: (attempt: CascadeAttempt) => void | Promise<void>;
}

/** How many DELETE calls one run makes before it gives up and says how to resume. */
export const MAX_CASCADE_ATTEMPTS = 6;
/** How often the CP is looked at while a DELETE that got no answer may still be running. */
const WATCH_POLL_MS = 2_000;
/**
 * How long a DELETE without an answer is watched before another is sent: twice the call timeout
 * (its cascade got a whole timeout already and may need as long again), never under this.
 */
const MIN_WATCH_MS = 30_000;

/**
 * DELETE /cp/admin/tenants/:slug until the CP says done. Calls never overlap: each is sent once
 * (the door does not repeat it), and the next is sent only when the previous one has ended.
 * A call that the CP answered has ended: a 500 with purge_id (the cascade stopped part way) and
 * any 5xx the CP itself sent are repeated after a growing pause, since the CP resumes from the
 * last finished step. A call with no answer (timeout, dropped connection, a gateway's 502/504)
 * may still be running on the CP: molectl watches the org for twice the call timeout (at least
 * 30 s) before sending again, and stops sending if the org disappears meanwhile; a 409 (another
 * delete of it in progress) is watched the same way. A 404 ends the sending; the
 * verification afterwards decides what it meant.
 */
export async function runDeleteCascade(
  deps: CascadeDeps,
  slug: string,
  options: CascadeOptions,
): Promise<CascadeResult> {
  const purgeIds: string[] = [];
  const attempts: CascadeAttempt[] = [];
  const record = async (attempt: CascadeAttempt): Promise<void> => {
    attempts.push(attempt);
    await options.onAttempt?.(attempt);
  };
  for (let n = 1; ; n++) {
    const at = deps.clock.now().toISOString();
    let reason: string;
    let answered: boolean;
    try {
      const result = await deps.cp.deleteTenant(slug, {
        timeoutMs: Math.max(1, Math.min(options.callTimeoutMs, options.deadline - deps.clock.now().getTime())),
      });
      await record({ at, answer: `HTTP ${result.httpStatus}` });
      return { attempts, purgeIds, ending: 'done' };
    } catch (error) {
      if (deps.signal.aborted) throw error;
      if (error instanceof NotFoundError) {
        await record({ at, answer: 'HTTP 404' });
        return { attempts, purgeIds, ending: 'not-found' };
      }
      const judged = judgeFailedCall(error);
      if (judged === null) {
        await record({ at, answer: `error: ${(error as Error).message}` });
        throw error;
      }
      reason = judged.reason;
      answered = judged.answered;
      if (error instanceof TenantPurgeIncompleteError) purgeIds.push(error.purgeId);
      await record({
        at,
        answer: reason,
        ...(error instanceof TenantPurgeIncompleteError ? { purgeId: error.purgeId } : {}),
      });
    }
    const giveUp = (why: string): MolectlError =>
      new MolectlError(`the CP did not finish deleting org "${slug}" after ${formatCount(n, 'attempt')}: ${why}`, {
        hint: `the cascade resumes where it stopped: run \`${deleteAgainCommand(deps.envName, slug)}\` again`,
      });
    if (!answered) {
      // The call may still be running on the CP: never send another beside it.
      const watchUntil = Math.min(
        options.deadline,
        deps.clock.now().getTime() + Math.max(2 * options.callTimeoutMs, MIN_WATCH_MS),
      );
      options.onRetry?.(n + 1, `${reason}; the cascade may still be running: watching the org before sending again`);
      if (await watchUntilGone(deps, slug, watchUntil)) return { attempts, purgeIds, ending: 'gone-while-waiting' };
      if (n >= MAX_CASCADE_ATTEMPTS || deps.clock.now().getTime() >= options.deadline) throw giveUp(reason);
      continue;
    }
    const pauseMs = Math.min(15_000, 1_000 * 2 ** (n - 1));
    if (n >= MAX_CASCADE_ATTEMPTS || deps.clock.now().getTime() + pauseMs > options.deadline) throw giveUp(reason);
    options.onRetry?.(n + 1, reason);
    await deps.clock.sleep(pauseMs, deps.signal);
  }
}

/** Null: not a failure repeating can fix. `answered`: the CP replied, so the call has ended. */
function judgeFailedCall(error: unknown): { reason: string; answered: boolean } | null {
  if (error instanceof TenantPurgeIncompleteError)
    return { reason: `HTTP 500: the cascade stopped part way (purge ${error.purgeId})`, answered: true };
  if (error instanceof HttpError && (error.status === 502 || error.status === 504)) {
    return { reason: `HTTP ${error.status} from a gateway (the CP behind it may still be working)`, answered: false };
  }
  // A conflict on a delete is another delete of the same tenant in progress (a second operator,
  // the CP's own retry): its cascade is watched like one of ours that got no answer, never raced.
  if (error instanceof HttpError && error.status === 409) {
    return {
      reason: `HTTP 409${error.remoteError ? `: ${error.remoteError}` : ''} (another delete of it may be running)`,
      answered: false,
    };
  }
  if (error instanceof HttpError && error.status >= 500)
    return { reason: `HTTP ${error.status}${error.remoteError ? `: ${error.remoteError}` : ''}`, answered: true };
  if (error instanceof NoAnswerError) return { reason: `no answer (${error.message})`, answered: !error.mayHaveActed };
  return null;
}

/** True as soon as the CP confirms the org is gone; false at `until`. Unknown answers keep watching. */
async function watchUntilGone(deps: CascadeDeps, slug: string, until: number): Promise<boolean> {
  for (;;) {
    const lookup = await lookupOrg(deps.cp, slug).catch(() => null);
    if (lookup?.state === 'absent') return true;
    const left = until - deps.clock.now().getTime();
    if (left <= 0) return false;
    await deps.clock.sleep(Math.min(WATCH_POLL_MS, left), deps.signal);
  }
}
