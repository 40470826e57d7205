import { createDetachedDoor } from '../aws/detached-door.js';
import type { Context } from '../context.js';
import type { PinnedSecret } from './migration-plan.js';

/**
 * `--delivery parameter`: the pinned value is copied into a SecureString parameter scoped to the
 * run, which hosts read with their role. The parameter must not outlive the run: it is deleted
 * when the run ends, fails or is interrupted, and again by `resume` (which re-creates it).
 */

export function runParameterName(parameterPrefix: string, runId: string): string {
  return `${parameterPrefix.replace(/\/+$/, '')}/runs/${runId}/cp-shared-secret`;
}

export async function putRunParameter(ctx: Context, secret: PinnedSecret, name: string): Promise<void> {
  // The value is registered with the redactor by getSecretValue before it reaches this frame.
  const value = await ctx.aws.getSecretValue(secret.arn, { versionId: secret.versionId });
  await ctx.aws.putParameter({
    name,
    value: value.value,
    secure: true,
    overwrite: true,
    description: 'molectl migrate cp-secret: run-scoped copy, deleted when the run ends',
  });
}

/**
 * Deletes the run's parameter. Runs after Ctrl-C too, when ctx.aws refuses new calls (its signal
 * is aborted), so it uses a door of its own, bounded by a short timeout instead.
 */
export async function deleteRunParameter(ctx: Context, name: string): Promise<boolean> {
  return createDetachedDoor(ctx.aws).deleteParameter(name);
}
