import type { Command } from 'commander';
import { z } from 'zod';
import { addExamples, type CommandDefinition } from '../lib/cli/command-definition.js';
import { parseOptions } from '../lib/cli/parse-options.js';
import { durationOption } from '../lib/cli/duration-option.js';
import { findManagedSecret } from '../lib/secrets/managed-secret.js';
import { prepareRotation } from '../lib/secrets/prepare-rotation.js';
import { renderRotationResult } from '../lib/secrets/render-rotation-result.js';
import { warnStaleAdminToken } from '../lib/secrets/warn-stale-admin-token.js';
import { consumerOptionsShape, declareConsumerOptions, toApplySettings } from '../lib/secrets/rotation-options.js';
import { runRotation } from '../lib/secrets/run-rotation.js';

const optionsSchema = z.object({
  ...consumerOptionsShape,
  resume: z.boolean().default(false),
  abortPending: z.boolean().default(false),
  overlap: durationOption({ minMs: 0, maxMs: 30 * 86_400_000 }).default(3_600_000),
});

export const secretsRotateCommand: CommandDefinition = {
  confirmation: () => ({ kind: 'environment' }),
  declare(cmd: Command) {
    cmd
      .description(
        'Rotate a secret the way Secrets Manager\'s rotation protocol does: create a new value as AWSPENDING (ClientRequestToken = run id), ' +
          'set each consumer in the configured order and test it, then finish (AWSCURRENT moves, the old value becomes AWSPREVIOUS). ' +
          'A failure before finish puts every touched consumer back and removes AWSPENDING. The plan and the impact window are shown before a typed confirmation.',
      )
      .argument('<name>', 'secret name from `molectl secrets list`')
      .option('--resume', 'continue the rotation whose AWSPENDING version exists (same ClientRequestToken)')
      .option('--abort-pending', 'undo the rotation whose AWSPENDING version exists: consumers back on AWSCURRENT, AWSPENDING removed')
      .option('--overlap <duration>', 'for consumers that accept two values: how long the old one stays valid after finish', '1h');
    declareConsumerOptions(cmd);
    addExamples(cmd, [
      ['molectl secrets rotate cp-shared-secret', 'shows the plan, asks for the environment name, rotates'],
      ['molectl --env production --yes secrets rotate cp-admin-api-token', 'unattended'],
      ['molectl secrets rotate cp-shared-secret --resume', 'continue an interrupted rotation'],
      ['molectl secrets rotate cp-shared-secret --abort-pending', 'give up an interrupted rotation and put everything back'],
    ]);
  },

  async run(ctx, { args, options }) {
    const secret = findManagedSecret(ctx, args[0]!);
    const input = parseOptions(optionsSchema, options);
    const prepared = await prepareRotation(ctx, {
      secret,
      requested: 'rotate',
      resume: input.resume,
      abortPending: input.abortPending,
      overlapMs: input.overlap,
      settings: { apply: toApplySettings(input), waveSpec: input.waves, deployTimeoutMs: input.deployTimeout, acceptUnreachable: input.acceptUnreachable },
      breakLock: input.breakLock,
    });
    const result = await runRotation(ctx, prepared.run, prepared.ledger);
    await ctx.out.result({ ...result, plan: prepared.plan }, (r, style) => renderRotationResult(r, style));
    warnStaleAdminToken(ctx, secret, result);
    return result.exitCode;
  },
};
