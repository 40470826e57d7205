import type { Context } from '../context.js';
import { findManagedSecret } from './managed-secret.js';
import { prepareRotation } from './prepare-rotation.js';
import { renderRotationResult } from './render-rotation-result.js';
import { toApplySettings, type ConsumerOptions } from './rotation-options.js';
import { runRotation } from './run-rotation.js';
import { warnStaleAdminToken } from './warn-stale-admin-token.js';

/** How an interrupted rotation is taken up again; only `secrets rotate` offers these. */
export interface PendingChoice {
  resume: boolean;
  abortPending: boolean;
  overlapMs: number;
}

const NO_PENDING_CHOICE: PendingChoice = { resume: false, abortPending: false, overlapMs: 0 };

/**
 * What `secrets rotate` and `secrets rollback` do once their flags are read: everything before the
 * first change (prepareRotation), the staged run, the result, and the reminder that an operator's
 * own admin token is stale. Returns the exit code.
 */
export async function changeSecret(
  ctx: Context,
  name: string,
  requested: 'rotate' | 'rollback',
  options: ConsumerOptions,
  pending: PendingChoice = NO_PENDING_CHOICE,
): Promise<number> {
  const secret = findManagedSecret(ctx, name);
  const prepared = await prepareRotation(ctx, {
    secret,
    requested,
    ...pending,
    settings: {
      apply: toApplySettings(options),
      waveSpec: options.waves,
      deployTimeoutMs: options.deployTimeout,
      acceptUnreachable: options.acceptUnreachable,
    },
    breakLock: options.breakLock,
  });
  const result = await runRotation(ctx, prepared.run, prepared.ledger);
  await ctx.out.result({ ...result, plan: prepared.plan }, (r, style) => renderRotationResult(r, style));
  warnStaleAdminToken(ctx, secret, result);
  return result.exitCode;
}
