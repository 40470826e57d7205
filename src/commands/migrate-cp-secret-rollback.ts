import type { Command } from 'commander';
import { z } from 'zod';
import { addExamples, type CommandDefinition } from '../lib/cli/command-definition.js';
import { confirmEnvironment } from '../lib/cli/confirm-environment.js';
import { orgListSchema } from '../lib/cli/org-list-option.js';
import { parseOptions } from '../lib/cli/parse-options.js';
import { reportRun } from '../lib/cp-secret/run-apply.js';
import { ROLLBACK_COMMAND, rollbackMigration, selectRollbackTargets } from '../lib/cp-secret/rollback-migration.js';
import { ExitCode } from '../lib/errors.js';
import { describeTarget, formatTarget, toRunEnvironment } from '../lib/cli/describe-target.js';

const optionsSchema = z.object({ orgs: orgListSchema.optional() });

export const migrateCpSecretRollbackCommand: CommandDefinition = {
  declare(cmd: Command) {
    cmd
      .description('Undo an apply run on the tenants it migrated: restart the container it kept, restore the original auto-updater, remove the durable values. Recorded as a run of its own.')
      .argument('<run>', 'the apply run to undo')
      .option('--orgs <slugs>', 'only these orgs (comma-separated slugs)');
    addExamples(cmd, [
      ['molectl migrate cp-secret rollback 20261122T203000Z-migrate', 'undo the whole run (asks for the environment name)'],
      ['molectl --env production migrate cp-secret rollback 20261122T2030 --orgs acme --yes', 'undo one tenant, unattended'],
    ]);
  },

  async run(ctx, { args, options }) {
    const input = parseOptions(optionsSchema, options);
    const apply = await ctx.runs.load(args[0]!);
    const targets = selectRollbackTargets(apply, input.orgs);
    if (targets.length === 0) {
      ctx.out.info(`run ${apply.id} migrated no tenant: nothing to roll back`);
      await ctx.out.result({ run: null, status: 'nothing-to-do' }, () => 'nothing to roll back');
      return 0;
    }
    const target = await describeTarget(ctx.config, ctx.aws);
    ctx.out.info(formatTarget(target));
    ctx.out.info(`will roll back ${targets.length} tenant${targets.length === 1 ? '' : 's'} migrated by ${apply.id}: ${targets.map((t) => t.slug).join(', ')}`);
    await confirmEnvironment(ctx, `roll back ${targets.length} tenants`);
    const ledger = await ctx.runs.create({ command: ROLLBACK_COMMAND, environment: toRunEnvironment(target), inputs: { run: apply.id, orgs: input.orgs ?? null }, targets: targets.map((t) => t.slug) });
    const failed = await rollbackMigration(ctx, apply, targets, ledger);
    await reportRun(ctx, ledger);
    return failed === 0 ? ExitCode.ok : failed === targets.length ? ExitCode.failed : ExitCode.partial;
  },
};
