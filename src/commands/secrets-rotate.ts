import { defineCommand } from '../lib/cli/command-definition.js';
import { argument } from '../lib/cli/flag-declaration.js';
import { durationFlag, switchFlag } from '../lib/cli/flags.js';
import { changeSecret } from '../lib/secrets/change-secret.js';
import { consumerFlags } from '../lib/secrets/rotation-options.js';

export const secretsRotateCommand = defineCommand({
  confirmation: () => ({ kind: 'environment' }),
  writesState: () => 'run-ledger',
  description:
    "Rotate a secret the way Secrets Manager's rotation protocol does: create a new value as AWSPENDING (ClientRequestToken = run id), " +
    'set each consumer in the configured order and test it, then finish (AWSCURRENT moves, the old value becomes AWSPREVIOUS). ' +
    'A failure before finish puts every touched consumer back and removes AWSPENDING. The plan and the impact window are shown before a typed confirmation.',
  args: [argument('name', 'secret name from `molectl secrets list`')],
  flags: {
    ...consumerFlags,
    resume: switchFlag('--resume', 'continue the rotation whose AWSPENDING version exists (same ClientRequestToken)'),
    abortPending: switchFlag(
      '--abort-pending',
      'undo the rotation whose AWSPENDING version exists: consumers back on AWSCURRENT, AWSPENDING removed',
    ),
    overlap: durationFlag(
      '--overlap <duration>',
      'for consumers that accept two values: how long the old one stays valid after finish',
      { minMs: 0, maxMs: 30 * 86_400_000, default: '1h' },
    ),
  },
  examples: [
    ['molectl secrets rotate cp-shared-secret', 'shows the plan, asks for the environment name, rotates'],
    ['molectl --env production --yes secrets rotate cp-admin-api-token', 'unattended'],
    ['molectl secrets rotate cp-shared-secret --resume', 'continue an interrupted rotation'],
    [
      'molectl secrets rotate cp-shared-secret --abort-pending',
      'give up an interrupted rotation and put everything back',
    ],
  ],

  run: (ctx, { args, options }) =>
    changeSecret(ctx, args[0]!, 'rotate', options, {
      resume: options.resume,
      abortPending: options.abortPending,
      overlapMs: options.overlap,
    }),
});
