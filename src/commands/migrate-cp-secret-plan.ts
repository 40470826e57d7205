import type { Command } from 'commander';
import { z } from 'zod';
import { addExamples, type CommandDefinition } from '../lib/cli/command-definition.js';
import { parseOptions } from '../lib/cli/parse-options.js';
import { planMigration } from '../lib/cp-secret/plan-migration.js';
import { writePlanFile } from '../lib/cp-secret/plan-file.js';
import { renderPlan } from '../lib/cp-secret/render-plan.js';
import { orgListSchema } from '../lib/cli/org-list-option.js';

const optionsSchema = z.object({
  orgs: orgListSchema.optional(),
  out: z.string().min(1).optional(),
  secretId: z.string().min(1).optional(),
});

export const migrateCpSecretPlanCommand: CommandDefinition = {
  declare(cmd: Command) {
    cmd
      .description('Read-only: find pre-cutover tenants, probe each over SSM, and classify what the migration would do. Only fingerprints of the secret are shown.')
      .option('--orgs <slugs>', 'only these orgs (comma-separated slugs)')
      .option('--out <file>', 'write the plan to a file that `apply --plan` takes')
      .option('--secret-id <id>', 'Secrets Manager id of the CP shared secret (default: from the environment)');
    addExamples(cmd, [
      ['molectl migrate cp-secret plan', 'classify the whole production fleet'],
      ['molectl migrate cp-secret plan --out plan.json', 'save the plan for review and `apply --plan`'],
      ['molectl --env staging migrate cp-secret plan --orgs acme,beta -o json', 'two staging orgs, as JSON'],
    ]);
  },

  async run(ctx, { options }) {
    const input = parseOptions(optionsSchema, options);
    const plan = await planMigration(ctx, { secretId: input.secretId, orgs: input.orgs });
    if (input.out) {
      await writePlanFile(input.out, plan, ctx.redactor);
      ctx.out.info(`plan written to ${input.out}; apply it with: molectl migrate cp-secret apply --plan ${input.out}`);
    }
    await ctx.out.result(plan, renderPlan);
    return 0;
  },
};
