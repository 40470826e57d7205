import type { Command } from 'commander';
import { z } from 'zod';
import { addExamples, type CommandDefinition } from '../lib/cli/command-definition.js';
import { confirmEnvironment } from '../lib/cli/confirm-environment.js';
import { orgListSchema } from '../lib/cli/org-list-option.js';
import { parseOptions } from '../lib/cli/parse-options.js';
import { createApplyLedger } from '../lib/cp-secret/apply-ledger.js';
import { checkCanary, type ApplySettings } from '../lib/cp-secret/apply-migration.js';
import { actionableTargets } from '../lib/cp-secret/migration-plan.js';
import { assertNoDrift, findPlanDrift, narrowPlan, readPlanFile } from '../lib/cp-secret/plan-file.js';
import { planMigration } from '../lib/cp-secret/plan-migration.js';
import { runApply } from '../lib/cp-secret/run-apply.js';
import { MAX_FLEET_CONCURRENCY } from '../lib/ssm/ssm-limits.js';
import { parseWaveSpec } from '../lib/fleet/plan-waves.js';
import { describeTarget, formatTarget } from '../lib/cli/describe-target.js';
import { durationOption } from '../lib/cli/duration-option.js';

const optionsSchema = z.object({
  plan: z.string().min(1).optional(),
  orgs: orgListSchema.optional(),
  secretId: z.string().min(1).optional(),
  canary: z.string().regex(/^[a-z][a-z0-9-]{1,31}$/, 'must be an org slug').optional(),
  waves: z.string().default('1,5,25%,100%'),
  maxErrors: z.coerce.number().int().min(0, 'must be 0 or more').default(0),
  soak: durationOption({ minMs: 0 }).default(60_000),
  delivery: z.enum(['secrets-manager', 'parameter']).default('secrets-manager'),
  maxConcurrency: z.coerce.number().int().min(1).max(MAX_FLEET_CONCURRENCY, `at most ${MAX_FLEET_CONCURRENCY} hosts at once`).default(50),
  healthTimeout: durationOption({ minMs: 1000 }).default(90_000),
  summaryMd: z.string().min(1).optional(),
  breakLock: z.boolean().default(false),
});

export const migrateCpSecretApplyCommand: CommandDefinition = {
  declare(cmd: Command) {
    cmd
      .description(
        'Put the CP shared secret into the tenants that need it, over SSM: canary first, a soak that checks its /health and its CP authentication, then waves. Hosts fetch the value themselves; it is never part of a command. Recorded in a run ledger; Ctrl-C saves it for `resume`.',
      )
      .option('--plan <file>', 'apply a plan saved by `plan --out` (refused if the fleet or the secret drifted)')
      .option('--orgs <slugs>', 'only these orgs (comma-separated slugs)')
      .option('--secret-id <id>', 'Secrets Manager id of the CP shared secret (default: from the environment)')
      .option('--canary <slug>', 'the tenant changed first and soaked (default: the first in the plan)')
      .option('--waves <spec>', 'wave sizes after the canary: counts or cumulative percentages', '1,5,25%,100%')
      .option('--max-errors <n>', 'abort when failures exceed this', '0')
      .option('--soak <duration>', 'how long to watch the canary before the waves', '60s')
      .option('--delivery <how>', 'how hosts read the value: secrets-manager (pinned version) or parameter (run-scoped SecureString)', 'secrets-manager')
      .option('--max-concurrency <n>', `most hosts working at once across the fleet (1-${MAX_FLEET_CONCURRENCY}); above 50, several SSM commands run at once`, '50')
      .option('--health-timeout <duration>', 'how long a host waits for its new container\'s /health', '90s')
      .option('--summary-md <file>', 'also write a Markdown summary (for a CI step summary)')
      .option('--break-lock', 'take over an expired fleet lock left by a dead run');
    addExamples(cmd, [
      ['molectl migrate cp-secret plan --out plan.json', 'first: review what will change'],
      ['molectl migrate cp-secret apply --plan plan.json', 'apply it; asks you to type the environment name'],
      ['molectl --env production migrate cp-secret apply --canary acme --soak 5m --yes', 'unattended, with a chosen canary and a longer soak'],
      ['molectl --env staging migrate cp-secret apply --waves 10,50%,100% --max-errors 2', 'tolerate two failures before aborting'],
      ['molectl --env production migrate cp-secret apply --plan plan.json --max-concurrency 500', 'a large fleet: 500 hosts at once, ten SSM commands in flight'],
    ]);
  },

  async run(ctx, { options }) {
    const input = parseOptions(optionsSchema, options);
    const waves = parseWaveSpec(input.waves);
    // A saved plan was probed when it was made; checking it for drift needs no second probe.
    const saved = input.plan ? narrowPlan(await readPlanFile(input.plan), input.orgs) : null;
    const fresh = await planMigration(ctx, { secretId: saved?.secret.secretId ?? input.secretId, orgs: input.orgs, skipProbe: saved !== null });
    const plan = saved ?? fresh;
    if (saved) assertNoDrift(findPlanDrift(saved, fresh), input.plan!);

    checkCanary(plan, input.canary);
    const changes = actionableTargets(plan);
    if (changes.length === 0) {
      ctx.out.info(`nothing to do: all ${plan.summary.total} tenants are current or cannot be changed (see \`molectl migrate cp-secret plan\`)`);
      await ctx.out.result({ run: null, status: 'nothing-to-do', summary: plan.summary }, () => `nothing to do: ${plan.summary.current} current, ${plan.summary.total - plan.summary.current} not changeable`);
      return 0;
    }
    const target = await describeTarget(ctx.config, ctx.aws);
    ctx.out.info(formatTarget(target));
    ctx.out.info(`will change ${changes.length} tenant${changes.length === 1 ? '' : 's'} to ${plan.secret.fingerprint} (${plan.secret.secretId} ${plan.secret.versionId}), canary ${input.canary ?? changes[0]!.slug}, waves ${input.waves}, abort when failures > ${input.maxErrors}`);
    await confirmEnvironment(ctx, `change ${changes.length} tenants`);

    const settings: ApplySettings = {
      ...(input.canary ? { canary: input.canary } : {}),
      waves,
      maxErrors: input.maxErrors,
      soakMs: input.soak,
      delivery: input.delivery,
      maxConcurrency: input.maxConcurrency,
      healthTimeoutSeconds: Math.ceil(input.healthTimeout / 1000),
      hostTimeoutSeconds: Math.ceil(input.healthTimeout / 1000) + 240,
    };
    const ledger = await createApplyLedger(ctx, plan, settings, input.waves, target);
    return runApply(ctx, plan, settings, ledger, { breakLock: input.breakLock, summaryMd: input.summaryMd });
  },
};
