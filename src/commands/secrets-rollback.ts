import { defineCommand } from '../lib/cli/command-definition.js';
import { argument } from '../lib/cli/flag-declaration.js';
import { findManagedSecret } from '../lib/secrets/managed-secret.js';
import { prepareRotation } from '../lib/secrets/prepare-rotation.js';
import { renderRotationResult } from '../lib/secrets/render-rotation-result.js';
import { warnStaleAdminToken } from '../lib/secrets/warn-stale-admin-token.js';
import { consumerFlags, toApplySettings } from '../lib/secrets/rotation-options.js';
import { runRotation } from '../lib/secrets/run-rotation.js';

export const secretsRollbackCommand = defineCommand({
  confirmation: () => ({ kind: 'environment' }),
  description:
    'Roll a secret back: set every consumer, in the configured order, to the AWSPREVIOUS value and test it, then move AWSCURRENT back to that version. ' +
    'A failure before the move puts the touched consumers back on AWSCURRENT. Refused while a rotation is pending.',
  args: [argument('name', 'secret name from `molectl secrets list`')],
  flags: {
    ...consumerFlags,
  },
  examples: [
    ['molectl secrets rollback cp-shared-secret', 'shows the plan, asks for the environment name, rolls back'],
    ['molectl --env staging --yes secrets rollback cp-admin-api-token', 'unattended'],
  ],

  async run(ctx, { args, options }) {
    const secret = findManagedSecret(ctx, args[0]!);
    const input = options;
    const prepared = await prepareRotation(ctx, {
      secret,
      requested: 'rollback',
      resume: false,
      abortPending: false,
      overlapMs: 0,
      settings: {
        apply: toApplySettings(input),
        waveSpec: input.waves,
        deployTimeoutMs: input.deployTimeout,
        acceptUnreachable: input.acceptUnreachable,
      },
      breakLock: input.breakLock,
    });
    const result = await runRotation(ctx, prepared.run, prepared.ledger);
    await ctx.out.result({ ...result, plan: prepared.plan }, (r, style) => renderRotationResult(r, style));
    warnStaleAdminToken(ctx, secret, result);
    return result.exitCode;
  },
});
