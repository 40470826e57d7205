import { cascadeTimeoutFlag } from '../lib/cli/shared-flags.js';
import { defineCommand } from '../lib/cli/command-definition.js';
import { durationFlag, switchFlag } from '../lib/cli/flags.js';
import { orgSlugArgument, orgSlugFlag } from '../lib/cli/list-flags.js';
import type { Context } from '../lib/context.js';
import { ExitCode, MolectlError } from '../lib/errors.js';
import { confirmChange, showBeforeConfirming } from '../lib/prompt/confirm-change.js';
import { checkLocksFree, runMutation, type RunLockSpec } from '../lib/runs/run-lifecycle.js';
import { LOCKS } from '../lib/runs/lock-names.js';
import { createDeleteDeps, deleteOrg, type DeleteOutcome } from '../lib/org/delete-org.js';
import { deleteAgainCommand } from '../lib/org/delete-again-command.js';
import { describeEnvironment } from '../lib/config/run-environment.js';
import { findOrgInstances } from '../lib/org/find-org-instances.js';
import { lookupOrg } from '../lib/fleet/org-directory.js';
import { planOrgDelete, type OrgDeletePlan } from '../lib/org/plan-org-delete.js';
import { recordDeleteOutcome } from '../lib/org/record-delete-outcome.js';
import { renderDeleteOutcomes, renderDeletePreview } from '../lib/org/render-org-delete.js';
import { formatCount } from '../lib/output/format-count.js';

export const orgDeleteCommand = defineCommand({
  confirmation: ({ args, options }) =>
    options.dryRun
      ? null
      : {
          kind: 'slug',
          slug: args[0] ?? '',
          confirmFlag: typeof options.confirm === 'string' ? options.confirm : undefined,
        },
  writesState: ({ options }) => (options.dryRun ? false : 'run-ledger'),
  description:
    'Delete an org through the CP cascade (tenant and workspace instances, secret, tunnel, DNS, rows), then verify: the slug is gone from the CP and no instance tagged with it is left. Shows what will go first and asks for the slug to be typed; without a terminal, --confirm <slug> is required (--yes is not enough). Exit 5 when something was left behind.',
  args: [orgSlugArgument('the org to delete')],
  flags: {
    dryRun: switchFlag('--dry-run', 'show what the cascade would remove, change nothing'),
    confirm: orgSlugFlag('--confirm <slug>', 'confirm without a prompt: must equal the org slug'),
    timeout: durationFlag('--timeout <duration>', 'how long the cascade and the verification may take', {
      minMs: 1,
      maxMs: 24 * 3600_000,
      default: '10m',
    }),
    cascadeTimeout: cascadeTimeoutFlag(
      'how long one DELETE call may take before molectl stops waiting for its answer (the cascade may take minutes)',
    ),
  },
  examples: [
    ['molectl org delete acme-test --dry-run', 'preview what the cascade removes'],
    ['molectl org delete acme-test', 'preview, type the slug, delete, verify'],
    ['molectl --env staging org delete e2e-1234 --confirm e2e-1234', 'non-interactive (CI)'],
    ['molectl org delete acme-test --confirm acme-test -o json', 'machine-readable outcome'],
  ],

  async run(ctx, input) {
    const slug = input.args[0]!;
    const options = input.options;
    const how = { kind: 'slug', slug, confirmFlag: options.confirm } as const;

    const plan = await previewDelete(ctx, slug);
    if (options.dryRun) {
      await ctx.out.result({ dryRun: true, ...plan }, (p, style) => renderDeletePreview(p, style));
      ctx.out.info('dry run: nothing was deleted');
      return ExitCode.ok;
    }
    await checkLocksFree(ctx, deleteLocks(slug));
    if (ctx.out.format === 'text') showBeforeConfirming(ctx, how, renderDeletePreview(plan, ctx.out.style));
    await confirmChange(ctx, how, `delete org ${slug}`);

    const { outcome, runId } = await executeDelete(ctx, plan, {
      timeoutMs: options.timeout,
      callTimeoutMs: options.cascadeTimeout,
    });
    if (outcome.status === 'failed') {
      throw new MolectlError(outcome.error?.message ?? `deleting org "${slug}" failed`, {
        hint: outcome.error?.hint ?? `run \`${deleteAgainCommand(ctx.config.envName.value, slug)}\` again`,
      });
    }
    await ctx.out.result({ runId, environment: plan.environment, ...outcome }, (o, style) =>
      renderDeleteOutcomes([o], style),
    );
    return outcome.status === 'deleted'
      ? ExitCode.ok
      : outcome.status === 'leftovers'
        ? ExitCode.partial
        : ExitCode.failed;
  },
});

/** Two deletes of one org from this machine would race each other's DELETEs. */
function deleteLocks(slug: string): RunLockSpec {
  return { locks: [LOCKS.orgDelete(slug)], fleet: false, breakLock: false };
}

async function previewDelete(ctx: Context, slug: string): Promise<OrgDeletePlan> {
  const [environment, lookup] = await Promise.all([describeEnvironment(ctx.config, ctx.aws), lookupOrg(ctx.cp, slug)]);
  const orgId = lookup.state === 'listed' ? lookup.row.id : undefined;
  const instances = await findOrgInstances(ctx.aws, ctx.config.environment, slug, ctx.clock.now(), orgId);
  return planOrgDelete({ slug, lookup, instances, environment, now: ctx.clock.now() });
}

/** The cascade and its verification, in the run lifecycle (ledger, local lock, interrupts); progress on a step. */
async function executeDelete(
  ctx: Context,
  plan: OrgDeletePlan,
  timeouts: { timeoutMs: number; callTimeoutMs: number },
): Promise<{ outcome: DeleteOutcome; runId: string }> {
  const slug = plan.slug;
  return runMutation(
    ctx,
    {
      ledger: {
        create: {
          command: 'org delete',
          environment: plan.environment,
          inputs: { slug, timeout: `${timeouts.timeoutMs}ms`, cascadeTimeout: `${timeouts.callTimeoutMs}ms` },
          targets: [slug],
        },
      },
      ...deleteLocks(slug),
      resumeHint: (id) =>
        `run \`${deleteAgainCommand(ctx.config.envName.value, slug)}\` again: the cascade resumes, then molectl verifies (run ${id})`,
      interruptNote: 'the CP may still be running its cascade',
    },
    async ({ ledger }) => {
      await ledger.updateTarget(slug, { state: 'in-progress' });
      const step = ctx.out.step(`deleting org ${slug} through the CP cascade`);
      let outcome: DeleteOutcome;
      try {
        const deps = createDeleteDeps(ctx, plan.environment.awsRegion, {
          onProgress: (text) => step.update(text),
          onAttempt: (attempt) =>
            ledger.recordEvent(`DELETE /cp/admin/tenants/${slug} sent ${attempt.at}: ${attempt.answer}`, {
              target: slug,
            }),
        });
        outcome = await deleteOrg(deps, slug, { ...timeouts, orgId: plan.org?.id ?? null });
      } catch (error) {
        step.fail(`deleting org ${slug} stopped`);
        await ledger.updateTarget(slug, { state: 'failed', error });
        throw error;
      }
      await recordDeleteOutcome(ledger, outcome);
      await ledger.setStatus(
        outcome.status === 'deleted' ? 'succeeded' : outcome.status === 'leftovers' ? 'partial' : 'failed',
      );
      if (outcome.status === 'deleted') step.succeed(`org ${slug} deleted and verified gone`);
      else if (outcome.status === 'leftovers')
        step.warn(
          `org ${slug}: the cascade ended but ${formatCount(outcome.leftovers.length, 'thing')} ${outcome.leftovers.length === 1 ? 'is' : 'are'} still there`,
        );
      else if (outcome.status === 'unverified')
        step.fail(`org ${slug}: the cascade ended, but molectl could not verify the org is gone`);
      else step.fail(`org ${slug} was not deleted`);
      return { outcome, runId: ledger.id };
    },
  );
}
