import { cascadeTimeoutFlag } from '../lib/cli/shared-flags.js';
import { defineCommand } from '../lib/cli/command-definition.js';
import { countFlag, durationFlag, switchFlag, textFlag } from '../lib/cli/flags.js';
import type { Context } from '../lib/context.js';
import { ExitCode } from '../lib/errors.js';
import { confirmChange, showBeforeConfirming } from '../lib/prompt/confirm-change.js';
import { checkLocksFree, runMutation, type RunLockSpec } from '../lib/runs/run-lifecycle.js';
import { LOCKS } from '../lib/runs/lock-names.js';
import type { Styles } from '../lib/output/output.js';
import { formatDuration, remoteCell, renderTable } from '../lib/output/table.js';
import { remoteText } from '../lib/output/remote-text.js';
import { createDeleteDeps, type DeleteOutcome } from '../lib/org/delete-org.js';
import { describeEnvironment, formatEnvironment, type Environment } from '../lib/config/run-environment.js';
import { ORG_LIST_LIMIT, warnPageShortfalls } from '../lib/fleet/org-directory.js';
import { findOrgInstances } from '../lib/org/find-org-instances.js';
import { planOrgGc, type OrgGcPlan } from '../lib/org/plan-org-gc.js';
import { recordDeleteOutcome } from '../lib/org/record-delete-outcome.js';
import { renderDeleteOutcomes } from '../lib/org/render-org-delete.js';
import { runOrgGc } from '../lib/org/run-org-gc.js';
import { formatCount } from '../lib/output/format-count.js';

export const orgGcCommand = defineCommand({
  confirmation: ({ options }) => (options.execute ? { kind: 'environment' } : null),
  writesState: ({ options }) => (options.execute ? 'run-ledger' : false),
  description:
    "Delete stale test orgs in bulk (the CI sweeper's job): orgs whose slug starts with --prefix and that are older than --older-than, each through the CP cascade with verification. A dry run unless --execute; refuses (exit 2) when more than --max would go. Keeps going past failures; exit 5 if any.",
  flags: {
    prefix: textFlag('--prefix <prefix>', 'only orgs whose slug starts with this (e.g. e2e-)', {
      required: true,
      // At least two characters and a letter first: a one-letter prefix is most of the fleet.
      pattern: /^[a-z][a-z0-9-]{1,31}$/,
      what: 'a prefix of 2 to 32 characters: a lowercase letter, then lowercase letters, digits or hyphens (e.g. e2e-)',
    }),
    olderThan: durationFlag('--older-than <duration>', 'only orgs created longer ago than this (e.g. 2h)', {
      minMs: 60_000,
      maxMs: 3650 * 86_400_000,
      required: true,
    }),
    max: countFlag('--max <n>', 'refuse when more than this many orgs would be deleted', {
      min: 1,
      max: 500,
      default: 20,
    }),
    execute: switchFlag('--execute', 'delete them (without it: show what would be deleted)'),
    timeout: durationFlag('--timeout <duration>', 'per org: how long its cascade and verification may take', {
      minMs: 1,
      maxMs: 24 * 3600_000,
      default: '10m',
    }),
    cascadeTimeout: cascadeTimeoutFlag('how long one DELETE call may take before molectl stops waiting for its answer'),
  },
  examples: [
    ['molectl --env staging org gc --prefix e2e- --older-than 2h', 'what would be deleted (dry run)'],
    [
      'molectl --env staging org gc --prefix e2e- --older-than 2h --execute',
      'delete after typing the environment name',
    ],
    ['molectl --env staging -y org gc --prefix e2e- --older-than 2h --execute --max 50', 'the CI sweeper'],
  ],

  async run(ctx, input) {
    const options = input.options;
    const page = await ctx.cp.listOrgs({ limit: ORG_LIST_LIMIT });
    warnPageShortfalls(ctx.out, page, 'orgs beyond this page are not considered this run');
    const plan = planOrgGc(
      page.rows,
      { prefix: options.prefix, olderThanMs: options.olderThan, max: options.max },
      ctx.clock.now(),
    );
    const environment = await describeEnvironment(ctx.config, ctx.aws);

    if (!options.execute || plan.refused || plan.candidates.length === 0) {
      await ctx.out.result({ dryRun: !options.execute, environment, ...plan }, (p, style) =>
        renderPlan(p, environment, style),
      );
      if (!options.execute && !plan.refused && plan.candidates.length > 0)
        ctx.out.info('dry run: nothing was deleted; add --execute to delete them');
      if (plan.refused) {
        ctx.out.error(
          `refusing: ${plan.candidates.length} orgs match, more than --max ${plan.max}; nothing was deleted`,
        );
        ctx.out.error(`hint: narrow --prefix or --older-than, or raise --max after checking the list`);
        return ExitCode.usage;
      }
      return ExitCode.ok;
    }

    // Every delete is verified from EC2's side. STS answers whatever the credentials may do, so the
    // EC2 read the verification needs is made once before the first DELETE (as org delete's
    // preview does): credentials that cannot read EC2 stop here, not after the orgs are gone.
    await checkLocksFree(ctx, GC_LOCKS);
    const first = plan.candidates[0]!;
    await findOrgInstances(ctx.aws, ctx.config.environment, first.slug, ctx.clock.now(), first.id);

    if (ctx.out.format === 'text')
      showBeforeConfirming(ctx, { kind: 'environment' }, renderPlan(plan, environment, ctx.out.style));
    await confirmChange(ctx, { kind: 'environment' }, `delete ${formatCount(plan.candidates.length, 'org')}`);
    const outcomes = await executeGc(ctx, plan, environment, {
      timeoutMs: options.timeout,
      callTimeoutMs: options.cascadeTimeout,
    });
    const failed = outcomes.filter((o) => o.status !== 'deleted').length;
    await ctx.out.result(
      { dryRun: false, environment, prefix: plan.prefix, deleted: outcomes.length - failed, failed, outcomes },
      (r, style) => `${renderDeleteOutcomes(r.outcomes, style)}\n${r.deleted} deleted, ${r.failed} not`,
    );
    return failed > 0 ? ExitCode.partial : ExitCode.ok;
  },
});

/** Two sweepers on one environment would race each other's deletes: one at a time per machine. */
const GC_LOCKS: RunLockSpec = { locks: [LOCKS.orgGc], fleet: false, breakLock: false };

async function executeGc(
  ctx: Context,
  plan: OrgGcPlan,
  environment: Environment,
  timeouts: { timeoutMs: number; callTimeoutMs: number },
): Promise<DeleteOutcome[]> {
  const slugs = plan.candidates.map((c) => c.slug);
  return runMutation(
    ctx,
    {
      ledger: {
        create: {
          command: 'org gc',
          environment,
          inputs: { prefix: plan.prefix, olderThanMs: plan.olderThanMs, max: plan.max },
          targets: slugs,
        },
      },
      ...GC_LOCKS,
      resumeHint: (id) =>
        `see what finished with \`molectl runs show ${id}\`, then run the same gc again: finished orgs are gone and will not match`,
      interruptNote: 'deletes in flight may still be running on the CP',
    },
    async ({ ledger }) => {
      const step = ctx.out.step(`deleting ${formatCount(slugs.length, 'org')}`);
      try {
        const outcomes = await runOrgGc(
          createDeleteDeps(ctx, environment.awsRegion, {
            onAttempt: (a) => ledger.recordEvent(`DELETE sent ${a.at}: ${a.answer}`),
          }),
          plan,
          {
            ...timeouts,
            onOutcome: async (p) => {
              await recordDeleteOutcome(ledger, p.last);
              // Slugs come from the CP's list: remote text, whatever they hold.
              const slug = remoteText(p.last.slug);
              step.update(`${p.done}/${p.total} done, ${p.failed} failed (last: ${slug} ${p.last.status})`);
              if (p.last.status !== 'deleted')
                ctx.out.warn(`${slug}: ${p.last.status}${p.last.error ? `: ${p.last.error.message}` : ''}`);
            },
          },
        );
        const failed = outcomes.filter((o) => o.status !== 'deleted').length;
        await ledger.setStatus(failed === 0 ? 'succeeded' : failed === outcomes.length ? 'failed' : 'partial');
        if (failed === 0) step.succeed(`${formatCount(outcomes.length, 'org')} deleted and verified gone`);
        else
          step.warn(
            `${outcomes.length - failed} of ${formatCount(outcomes.length, 'org')} deleted; ${failed} failed or left something behind`,
          );
        return outcomes;
      } catch (error) {
        step.fail('org gc stopped');
        throw error;
      }
    },
  );
}

/**
 * What the sweep leaves alone and why. An org whose created_at cannot be read is not "younger":
 * its age is unknown, so it is kept and named (at most five names, then a count).
 */
function describeKept(plan: OrgGcPlan): string {
  const parts = [`${plan.keptYoung} younger, kept`];
  if (plan.keptAgeUnknown > 0) {
    const named = plan.ageUnknown.slice(0, 5).join(', ');
    const more = plan.ageUnknown.length > 5 ? ` and ${plan.ageUnknown.length - 5} more` : '';
    parts.push(`${plan.keptAgeUnknown} age unknown, kept (${named}${more}: the CP sent no readable created_at)`);
  }
  return parts.join('; ');
}

function renderPlan(plan: OrgGcPlan, environment: Environment, style: Styles): string {
  const head = `${formatEnvironment(environment)}\norgs with prefix "${plan.prefix}" older than ${formatDuration(plan.olderThanMs)}: ${plan.candidates.length} (max ${plan.max}); ${describeKept(plan)}`;
  if (plan.candidates.length === 0) return `${head}\nnothing to delete`;
  const table = renderTable(
    [
      { header: 'slug', value: (o) => remoteCell(o.slug) },
      { header: 'status', value: (o) => remoteCell(o.instanceStatus) },
      { header: 'age', value: (o) => (o.ageMs === null ? null : formatDuration(o.ageMs)), align: 'right' },
      { header: 'id', value: (o) => remoteCell(o.id) },
    ],
    plan.candidates,
    style,
  );
  const tail = plan.refused ? style.fail('refused: more than --max') : '';
  return [head, table, tail].filter(Boolean).join('\n');
}
