import {
  breakLockFlag,
  canaryFlag,
  healthTimeoutFlag,
  maxConcurrencyFlag,
  maxErrorsFlag,
  onlyOrgsFlag,
  soakFlag,
  summaryMdFlag,
  wavesFlag,
} from '../lib/cli/shared-flags.js';
import { defineCommand } from '../lib/cli/command-definition.js';
import { choiceFlag, textFlag } from '../lib/cli/flags.js';
import { confirmChange, showBeforeConfirming } from '../lib/prompt/confirm-change.js';
import { createApplyLedger } from '../lib/tenant-secret-delivery/apply-ledger.js';
import { checkCanary, type ApplySettings } from '../lib/tenant-secret-delivery/apply-migration.js';
import {
  actionableTargets,
  unseenTenants,
  unseenWarning,
  type MigrationPlan,
} from '../lib/tenant-secret-delivery/migration-plan.js';
import type { Context } from '../lib/context.js';
import { ExitCode, UsageError } from '../lib/errors.js';
import { assertNoDrift, findPlanDrift, narrowPlan, readPlanFile } from '../lib/cp-secret-migration/plan-file.js';
import { planMigration } from '../lib/cp-secret-migration/plan-migration.js';
import { deliveryLocks, runApply } from '../lib/tenant-secret-delivery/run-apply.js';
import { checkLocksFree } from '../lib/runs/run-lifecycle.js';
import { hostScriptTimeoutSeconds } from '../lib/tenant-secret-delivery/tenant-script.js';
import { MAX_FLEET_CONCURRENCY } from '../lib/ssm/fleet-concurrency.js';
import { parseWaveSpec } from '../lib/fleet/plan-waves.js';
import { formatEnvironment } from '../lib/config/run-environment.js';
import { formatCount } from '../lib/output/format-count.js';

/**
 * Flags that contradict each other are bad input found from the command line alone, before the
 * fleet is discovered and probed: a canary outside --orgs would otherwise be refused only once
 * the plan exists.
 */
function checkFlagsAgree(input: { canary?: string | undefined; orgs?: string[] | undefined }): void {
  if (input.canary !== undefined && input.orgs && !input.orgs.includes(input.canary))
    throw new UsageError(
      `--canary ${input.canary} is not one of --orgs ${input.orgs.join(',')}; nothing was changed`,
      'pick the canary among --orgs, or add it to them',
    );
}

export const migrateCpSecretApplyCommand = defineCommand({
  confirmation: () => ({ kind: 'environment' }),
  writesState: () => 'run-ledger',
  description:
    'Put the CP shared secret into the tenants that need it, over SSM: canary first, a soak that checks its /health and its CP authentication, then waves. Hosts fetch the value themselves; it is never part of a command. Recorded in a run ledger; Ctrl-C saves it for `resume`.',
  flags: {
    plan: textFlag('--plan <file>', 'apply a plan saved by `plan --out` (refused if the fleet or the secret drifted)'),
    orgs: onlyOrgsFlag(),
    secretId: textFlag(
      '--secret-id <id>',
      'Secrets Manager id of the CP shared secret (default: from the environment)',
    ),
    canary: canaryFlag('the tenant changed first and soaked (default: the first in the plan)'),
    waves: wavesFlag('wave sizes after the canary: counts or cumulative percentages'),
    maxErrors: maxErrorsFlag('abort when failures exceed this'),
    soak: soakFlag('how long to watch the canary before the waves'),
    delivery: choiceFlag(
      '--delivery <how>',
      'how hosts read the value: secrets-manager (pinned version) or parameter (run-scoped SecureString)',
      ['secrets-manager', 'parameter'],
      { default: 'secrets-manager' },
    ),
    maxConcurrency: maxConcurrencyFlag(
      `most hosts working at once across the fleet (1-${MAX_FLEET_CONCURRENCY}); above 50, several SSM commands run at once`,
    ),
    healthTimeout: healthTimeoutFlag("how long a host waits for its new container's /health"),
    summaryMd: summaryMdFlag('also write a Markdown summary (for a CI step summary)'),
    breakLock: breakLockFlag('take over an expired fleet lock left by a dead run'),
  },
  examples: [
    ['molectl migrate cp-secret plan --out plan.json', 'first: review what will change'],
    ['molectl migrate cp-secret apply --plan plan.json', 'apply it; asks you to type the environment name'],
    [
      'molectl --env production migrate cp-secret apply --canary acme --soak 5m --yes',
      'unattended, with a chosen canary and a longer soak',
    ],
    [
      'molectl --env staging migrate cp-secret apply --waves 10,50%,100% --max-errors 2',
      'tolerate two failures before aborting',
    ],
    [
      'molectl --env production migrate cp-secret apply --plan plan.json --max-concurrency 500',
      'a large fleet: 500 hosts at once, ten SSM commands in flight',
    ],
  ],

  async run(ctx, { options }) {
    const input = options;
    const waves = parseWaveSpec(input.waves);
    checkFlagsAgree(input);
    // Everything local first (the plan file, its agreement with the flags): bad input is exit 2
    // with no remote request at all, not even the lock read.
    const savedFile = input.plan ? await readPlanFile(input.plan) : null;
    if (savedFile && input.secretId !== undefined && input.secretId !== savedFile.secret.secretId)
      throw new UsageError(
        `--secret-id ${input.secretId} contradicts the plan, which pins ${savedFile.secret.secretId}; nothing was changed`,
        'leave --secret-id out to apply the plan, or make a new plan with that --secret-id',
      );
    const saved = savedFile ? narrowPlan(savedFile, input.orgs) : null;
    // Another run holding the fleet is found before the probe and the question, not after.
    await checkLocksFree(ctx, deliveryLocks(input.breakLock));
    // A saved plan was probed when it was made; checking it for drift needs no second probe.
    const fresh = await planMigration(ctx, {
      secretId: saved?.secret.secretId ?? input.secretId,
      orgs: input.orgs,
      skipProbe: saved !== null,
      ...(savedFile ? { expectedTenants: savedFile.targets.length } : {}),
    });
    const plan = saved ?? fresh;
    if (saved) assertNoDrift(findPlanDrift(saved, fresh), input.plan!);

    checkCanary(plan, input.canary);
    const changes = actionableTargets(plan);
    if (changes.length === 0) return reportNothingToChange(ctx, plan);
    // The fresh plan's: described moments ago, beside its discovery (one STS call, not two in a row).
    const environment = fresh.environment;
    const how = { kind: 'environment' } as const;
    showBeforeConfirming(ctx, how, formatEnvironment(environment, ctx.out.style));
    showBeforeConfirming(
      ctx,
      how,
      `will change ${formatCount(changes.length, 'tenant')} to ${plan.secret.fingerprint} (${plan.secret.secretId} ${plan.secret.versionId}), canary ${input.canary ?? changes[0]!.slug}, waves ${input.waves}, abort when failures > ${input.maxErrors}`,
    );
    await confirmChange(ctx, how, `change ${formatCount(changes.length, 'tenant')}`);

    const settings: ApplySettings = {
      ...(input.canary ? { canary: input.canary } : {}),
      waves,
      maxErrors: input.maxErrors,
      soakMs: input.soak,
      delivery: input.delivery,
      maxConcurrency: input.maxConcurrency,
      healthTimeoutSeconds: Math.ceil(input.healthTimeout / 1000),
      hostTimeoutSeconds: hostScriptTimeoutSeconds(Math.ceil(input.healthTimeout / 1000)),
    };
    const ledger = await createApplyLedger(ctx, plan, settings, input.waves, environment);
    return runApply(ctx, plan, settings, ledger, { breakLock: input.breakLock, summaryMd: input.summaryMd });
  },
});

/**
 * No tenant to change. That is "nothing to do" only when every tenant was seen: tenants whose
 * probe failed or whose agent is offline may still need the secret (exit 5, named).
 */
async function reportNothingToChange(ctx: Context, plan: MigrationPlan): Promise<number> {
  const unseen = unseenTenants(plan);
  const notChangeable =
    plan.summary.total -
    plan.summary.current -
    unseen.filter((u) => plan.targets.some((t) => t.slug === u.name)).length;
  const status = unseen.length === 0 ? 'nothing-to-do' : 'nothing-reachable-to-do';
  if (unseen.length > 0)
    ctx.out.warn(unseenWarning(unseen, ['could not be judged', 'could not be judged'], { why: true }));
  await ctx.out.result({ run: null, status, summary: plan.summary, unseen }, () =>
    unseen.length === 0
      ? `nothing to do: ${plan.summary.current} current, ${notChangeable} not changeable`
      : `nothing changed: ${plan.summary.current} current, ${notChangeable} not changeable, ${unseen.length} not judged (probe failed, agent offline or org unconfirmed)`,
  );
  if (notChangeable > 0) ctx.out.info('`molectl migrate cp-secret plan` shows why each is not changeable');
  return unseen.length === 0 ? ExitCode.ok : ExitCode.partial;
}
