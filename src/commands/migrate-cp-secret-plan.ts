import { onlyOrgsFlag } from '../lib/cli/shared-flags.js';
import { defineCommand } from '../lib/cli/command-definition.js';
import { outputFileFlag, textFlag } from '../lib/cli/flags.js';
import { planMigration } from '../lib/cp-secret-migration/plan-migration.js';
import { writePlanFile } from '../lib/cp-secret-migration/plan-file.js';
import { renderPlan } from '../lib/cp-secret-migration/render-plan.js';
import { unseenTenants, unseenWarning } from '../lib/tenant-secret-delivery/migration-plan.js';
import { ExitCode } from '../lib/errors.js';

export const migrateCpSecretPlanCommand = defineCommand({
  description:
    'Read-only: find pre-cutover tenants, probe each over SSM, and classify what the migration would do. Only fingerprints of the secret are shown. Exit 5 when some tenants could not be judged (probe failed, SSM agent not online, org unconfirmed).',
  flags: {
    orgs: onlyOrgsFlag(),
    out: outputFileFlag('--out <file>', 'write the plan to a file that `apply --plan` takes'),
    secretId: textFlag(
      '--secret-id <id>',
      'Secrets Manager id of the CP shared secret (default: from the environment)',
    ),
  },
  examples: [
    ['molectl migrate cp-secret plan', 'classify the whole production fleet'],
    ['molectl migrate cp-secret plan --out plan.json', 'save the plan for review and `apply --plan`'],
    ['molectl --env staging migrate cp-secret plan --orgs acme,beta -o json', 'two staging orgs, as JSON'],
  ],

  async run(ctx, { options }) {
    const input = options;
    const plan = await planMigration(ctx, { secretId: input.secretId, orgs: input.orgs });
    if (input.out) {
      await writePlanFile(input.out, plan, ctx.redactor);
      ctx.out.info(`plan written to ${input.out}; apply it with: molectl migrate cp-secret apply --plan ${input.out}`);
    }
    await ctx.out.result(plan, renderPlan);
    // A plan is a verdict on every tenant; the ones it could not see make it incomplete.
    const unseen = unseenTenants(plan);
    if (unseen.length === 0) return ExitCode.ok;
    ctx.out.warn(unseenWarning(unseen, ['could not be judged', 'could not be judged'], { why: false, max: 10 }));
    return ExitCode.partial;
  },
});
