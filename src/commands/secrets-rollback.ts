import { defineCommand } from '../lib/cli/command-definition.js';
import { argument } from '../lib/cli/flag-declaration.js';
import { changeSecret } from '../lib/secrets/change-secret.js';
import { consumerFlags } from '../lib/secrets/rotation-options.js';

export const secretsRollbackCommand = defineCommand({
  confirmation: () => ({ kind: 'environment' }),
  writesState: () => 'run-ledger',
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

  run: (ctx, { args, options }) => changeSecret(ctx, args[0]!, 'rollback', options),
});
