import { MAX_FLEET_CONCURRENCY } from '../lib/ssm/ssm-limits.js';
import type { Command } from 'commander';
import { z } from 'zod';
import { addExamples, type CommandDefinition } from '../lib/cli/command-definition.js';
import { confirmChange } from '../lib/cli/confirm-change.js';
import { orgListSchema } from '../lib/cli/org-list-option.js';
import { countOption } from '../lib/cli/count-option.js';
import { parseOptions } from '../lib/cli/parse-options.js';
import { LOCK_OPERATION, reportRun } from '../lib/cp-secret/run-apply.js';
import { parseWaveSpec } from '../lib/fleet/plan-waves.js';
import { runMutation } from '../lib/runs/run-lifecycle.js';
import { ROLLBACK_COMMAND, rollbackMigration, selectRollbackTargets } from '../lib/cp-secret/rollback-migration.js';
import { tenantScriptSha256 } from '../lib/cp-secret/tenant-script.js';
import { ExitCode } from '../lib/errors.js';
import { describeTarget, formatTarget, toRunEnvironment } from '../lib/cli/describe-target.js';

const optionsSchema = z.object({
  orgs: orgListSchema.optional(),
  waves: z.string().default('1,5,25%,100%'),
  maxErrors: countOption({ min: 0, max: 100_000 }).default(0),
  maxConcurrency: countOption({ min: 1, max: MAX_FLEET_CONCURRENCY, why: `at most ${MAX_FLEET_CONCURRENCY} hosts at once across the fleet` }).default(50),
  breakLock: z.boolean().default(false),
});

export const migrateCpSecretRollbackCommand: CommandDefinition = {
  confirmation: () => ({ kind: 'environment' }),
  declare(cmd: Command) {
    cmd
      .description('Undo an apply run on the tenants it migrated: restart the container it kept, restore the original auto-updater, remove the durable values. Recorded as a run of its own.')
      .argument('<run>', 'the apply run to undo')
      .option('--orgs <slugs>', 'only these orgs (comma-separated slugs)')
      .option('--waves <spec>', 'wave sizes: counts or cumulative percentages, as for apply', '1,5,25%,100%')
      .option('--max-errors <n>', 'abort when failures exceed this; later waves stay untouched', '0')
      .option('--max-concurrency <n>', `most hosts working at once across the fleet (1-${MAX_FLEET_CONCURRENCY}), as for apply`, '50')
      .option('--break-lock', 'take over an expired fleet lock left by a run on another host');
    addExamples(cmd, [
      ['molectl migrate cp-secret rollback 20261122T203000Z-migrate', 'undo the whole run (asks for the environment name)'],
      ['molectl --env production migrate cp-secret rollback 20261122T2030 --orgs acme --yes', 'undo one tenant, unattended'],
      ['molectl --env staging migrate cp-secret rollback 20261122T2030 --waves 10,100% --max-errors 2', 'in two waves, tolerating two failures'],
    ]);
  },

  async run(ctx, { args, options }) {
    const input = parseOptions(optionsSchema, options);
    const waves = parseWaveSpec(input.waves);
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
    await confirmChange(ctx, { kind: 'environment' }, `roll back ${targets.length} tenants`);
    const ledger = await ctx.runs.create({ command: ROLLBACK_COMMAND, environment: toRunEnvironment(target), inputs: { run: apply.id, orgs: input.orgs ?? null, waves: input.waves, maxErrors: input.maxErrors, maxConcurrency: input.maxConcurrency, scriptSha256: tenantScriptSha256() }, targets: targets.map((t) => t.slug) });
    ctx.out.info(`run ${ledger.id}: ledger ${ledger.path}`);
    // Under the same fleet lock as apply: a rollback beside an apply would fight over the same containers.
    const result = await runMutation(
      ctx,
      { ledger: { existing: ledger }, locks: [LOCK_OPERATION], fleet: true, breakLock: input.breakLock, resumeHint: () => `run the same rollback again: tenants already rolled back are skipped`, interruptNote: 'tenants already rolled back stay rolled back' },
      (run) => rollbackMigration(ctx, apply, targets, ledger, { waves, maxErrors: input.maxErrors, maxConcurrency: input.maxConcurrency }, run),
    );
    if (result.abortReason) ctx.out.error(ctx.out.style.fail(`aborted: ${result.abortReason}`));
    await reportRun(ctx, ledger);
    return result.abortReason ? ExitCode.failed : result.failed === 0 ? ExitCode.ok : result.failed === targets.length ? ExitCode.failed : ExitCode.partial;
  },
};
