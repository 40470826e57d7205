import { MAX_FLEET_CONCURRENCY } from '../lib/ssm/fleet-concurrency.js';
import { breakLockFlag, maxConcurrencyFlag, maxErrorsFlag, onlyOrgsFlag, wavesFlag } from '../lib/cli/shared-flags.js';
import { defineCommand } from '../lib/cli/command-definition.js';
import { argument } from '../lib/cli/flag-declaration.js';
import { confirmChange, showBeforeConfirming } from '../lib/prompt/confirm-change.js';
import { deliveryLocks, reportRun } from '../lib/tenant-secret-delivery/run-apply.js';
import { parseWaveSpec } from '../lib/fleet/plan-waves.js';
import { checkRunEnvironment } from '../lib/runs/check-run-environment.js';
import { checkLocksFree, runMutation } from '../lib/runs/run-lifecycle.js';
import {
  ROLLBACK_COMMAND,
  rollbackMigration,
  selectRollbackTargets,
} from '../lib/tenant-secret-delivery/rollback-migration.js';
import { adoptKilledRollbacks } from '../lib/tenant-secret-delivery/adopt-killed-rollbacks.js';
import { tenantScriptSha256 } from '../lib/tenant-secret-delivery/tenant-script.js';
import { ExitCode } from '../lib/errors.js';
import { configuredEnvironment, describeEnvironment, formatEnvironment } from '../lib/config/run-environment.js';
import { formatCount } from '../lib/output/format-count.js';

export const migrateCpSecretRollbackCommand = defineCommand({
  confirmation: () => ({ kind: 'environment' }),
  writesState: () => 'run-ledger',
  description:
    'Undo an apply run on the tenants it migrated: restart the container it kept, restore the original auto-updater, remove the durable values. Recorded as a run of its own.',
  args: [argument('run', 'the apply run to undo')],
  flags: {
    orgs: onlyOrgsFlag(),
    waves: wavesFlag('wave sizes: counts or cumulative percentages, as for apply'),
    maxErrors: maxErrorsFlag('abort when failures exceed this; later waves stay untouched'),
    maxConcurrency: maxConcurrencyFlag(
      `most hosts working at once across the fleet (1-${MAX_FLEET_CONCURRENCY}), as for apply`,
    ),
    breakLock: breakLockFlag('take over an expired fleet lock left by a run on another host'),
  },
  examples: [
    [
      'molectl migrate cp-secret rollback 20261122T203000Z-migrate',
      'undo the whole run (asks for the environment name)',
    ],
    [
      'molectl --env production migrate cp-secret rollback 20261122T2030 --orgs acme --yes',
      'undo one tenant, unattended',
    ],
    [
      'molectl --env staging migrate cp-secret rollback 20261122T2030 --waves 10,100% --max-errors 2',
      'in two waves, tolerating two failures',
    ],
  ],

  async run(ctx, { args, options }) {
    const input = options;
    const waves = parseWaveSpec(input.waves);
    const apply = await ctx.runs.load(args[0]!);
    // The ledger's instance ids are the apply's environment's hosts: never undone from another.
    checkRunEnvironment(apply.document, configuredEnvironment(ctx.config), 'roll it back');
    // A rollback of this run killed before recording its hosts' results: record them first
    // (read-only remotely), so that what it rolled back is not sent the script again.
    await adoptKilledRollbacks(ctx, apply);
    const targets = selectRollbackTargets(apply, input.orgs);
    if (targets.length === 0) {
      const undone = Object.values(apply.document.targets).filter((t) => t.detail.rolledBackBy).length;
      ctx.out.info(
        undone > 0
          ? undone === 1
            ? `the one tenant run ${apply.id} migrated was rolled back already: nothing to roll back`
            : `the ${undone} tenants run ${apply.id} migrated were all rolled back already: nothing to roll back`
          : `run ${apply.id} migrated no tenant: nothing to roll back`,
      );
      await ctx.out.result({ run: null, status: 'nothing-to-do' }, () => 'nothing to roll back');
      return 0;
    }
    await checkLocksFree(ctx, deliveryLocks(input.breakLock));
    const environment = await describeEnvironment(ctx.config, ctx.aws);
    showBeforeConfirming(ctx, { kind: 'environment' }, formatEnvironment(environment, ctx.out.style));
    showBeforeConfirming(
      ctx,
      { kind: 'environment' },
      `will roll back ${formatCount(targets.length, 'tenant')} migrated by ${apply.id}: ${targets.map((t) => t.slug).join(', ')}`,
    );
    await confirmChange(ctx, { kind: 'environment' }, `roll back ${formatCount(targets.length, 'tenant')}`);
    const ledger = await ctx.runs.create({
      command: ROLLBACK_COMMAND,
      environment,
      inputs: {
        run: apply.id,
        orgs: input.orgs ?? null,
        waves: input.waves,
        maxErrors: input.maxErrors,
        maxConcurrency: input.maxConcurrency,
        scriptSha256: tenantScriptSha256(),
      },
      targets: targets.map((t) => t.slug),
    });
    ctx.out.info(`run ${ledger.id}: ledger ${ledger.path}`);
    // Under the same fleet lock as apply: a rollback beside an apply would fight over the same containers.
    const result = await runMutation(
      ctx,
      {
        ledger: { existing: ledger },
        ...deliveryLocks(input.breakLock),
        resumeHint: () => `run the same rollback again: tenants already rolled back are skipped`,
        interruptNote: 'tenants already rolled back stay rolled back',
      },
      (run) =>
        rollbackMigration(
          ctx,
          apply,
          targets,
          ledger,
          { waves, maxErrors: input.maxErrors, maxConcurrency: input.maxConcurrency },
          run,
        ),
    );
    if (result.abortReason) ctx.out.error(ctx.out.style.fail(`aborted: ${result.abortReason}`));
    await reportRun(ctx, ledger);
    return result.abortReason
      ? ExitCode.failed
      : result.failed === 0
        ? ExitCode.ok
        : result.failed === targets.length
          ? ExitCode.failed
          : ExitCode.partial;
  },
});
