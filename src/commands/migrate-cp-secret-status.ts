import { defineCommand } from '../lib/cli/command-definition.js';
import { argument } from '../lib/cli/flag-declaration.js';
import { reportRun } from '../lib/tenant-secret-delivery/run-apply.js';
import { UsageError } from '../lib/errors.js';

export const migrateCpSecretStatusCommand = defineCommand({
  description:
    'Show where an apply or rollback run stands, per tenant, from its ledger. Read-only; works while the run is going.',
  args: [argument('run', 'run id (or a unique prefix of it)')],
  flags: {},
  examples: [
    ['molectl migrate cp-secret status 20261122T203000Z-migrate', 'the per-tenant table'],
    ['molectl migrate cp-secret status 20261122T2030 -o json', 'the same as JSON'],
  ],

  async run(ctx, { args }) {
    const ledger = await ctx.runs.load(args[0]!);
    if (!ledger.document.command.startsWith('migrate cp-secret')) {
      throw new UsageError(
        `run ${ledger.id} is a "${ledger.document.command}" run`,
        'use `molectl runs show` for other runs',
      );
    }
    await reportRun(ctx, ledger);
    return 0;
  },
});
