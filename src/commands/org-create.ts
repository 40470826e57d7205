import { readCallTimeoutMs } from '../lib/config/call-timeout.js';
import { defineCommand } from '../lib/cli/command-definition.js';
import { argument } from '../lib/cli/flag-declaration.js';
import { durationFlag, switchFlag, textFlag } from '../lib/cli/flags.js';
import { tenantUrl } from '../lib/config/environments.js';
import { configuredEnvironment } from '../lib/config/run-environment.js';
import type { Context } from '../lib/context.js';
import { ExitCode, MolectlError } from '../lib/errors.js';
import { formatDuration } from '../lib/output/table.js';
import { createOrg, lookBeforeCreate, SlugTakenError } from '../lib/org/create-org.js';
import { explainTakenByOwnRun } from '../lib/org/explain-taken-by-own-run.js';
import { probeTenantHealth, tenantHealthUrl } from '../lib/fleet/probe-tenant-health.js';
import { validateNewOrgSlug } from '../lib/org/validate-new-org-slug.js';
import { runMutation } from '../lib/runs/run-lifecycle.js';
import { remoteText } from '../lib/output/remote-text.js';
import {
  checkProvisioningHint,
  UnfinishedWaitInterrupt,
  waitForOrg,
  type WaitOutcome,
  type WaitProgress,
} from '../lib/org/wait-for-org.js';
import type { RunLedger } from '../lib/runs/run-ledger.js';

export const orgCreateCommand = defineCommand({
  writesState: () => 'run-ledger',
  description:
    "Create an org through the CP, then wait until its instance_status is running and its tenant's public /health answers. The slug is checked locally first: 3 to 32 characters, a lowercase letter, then lowercase letters, digits and single hyphens, no trailing hyphen, not a reserved name. Ctrl-C or a timeout stops the wait only: nothing is deleted, and it says what was last seen (still provisioning, or running with /health not yet ok).",
  args: [argument('slug', "the new org's slug (its tenant URL is https://<slug>.moleculesai.app)")],
  flags: {
    name: textFlag('--name <name>', 'display name (default: the slug)', { maxLength: 200 }),
    owner: textFlag('--owner <user-id>', 'owner user id (owner_user_id); without it the CP gets an empty owner', {
      maxLength: 200,
    }),
    wait: switchFlag('--no-wait', 'return as soon as the CP accepted the org'),
    health: switchFlag('--no-health', 'stop waiting at instance_status running; do not wait for the public /health'),
    timeout: durationFlag(
      '--timeout <duration>',
      'how long to wait in all (running takes 12 to 20 minutes, /health up to 15 more)',
      { minMs: 1, maxMs: 24 * 3600_000, default: '30m' },
    ),
    ifNotExists: switchFlag('--if-not-exists', 'a taken slug is not an error: wait for and report the existing org'),
  },
  examples: [
    ['molectl org create acme-prod --name "Acme" --owner 7f3c0e2a', 'create and wait until healthy'],
    ['molectl --env staging org create e2e-1234 --if-not-exists -o json', 'idempotent, for CI'],
    ['molectl org create acme-prod --no-wait', 'fire and forget; check with org show'],
  ],

  async run(ctx, input) {
    const slug = validateNewOrgSlug(input.args[0] ?? '');
    const options = input.options;
    const startedAt = ctx.clock.now();
    const url = tenantUrl(ctx.config.environment, slug);

    ctx.out.info(`creating org ${slug} on ${ctx.cp.baseUrl} (environment ${ctx.config.envName.value})`);
    const request = {
      slug,
      name: options.name ?? slug,
      ownerUserId: options.owner ?? '',
      ifNotExists: options.ifNotExists,
    };
    // A read before the run is recorded: a rejected token or a listed slug stops here, nothing sent.
    const before = await lookBeforeCreate(ctx.cp, request).catch(async (error: unknown) => {
      throw error instanceof SlugTakenError
        ? await explainTakenByOwnRun(ctx.runs, configuredEnvironment(ctx.config), error)
        : error;
    });
    // The run is the create and the wait: its ledger says what was observed of the org. It said
    // `succeeded` for a run whose wait was then interrupted, with only the CP's acceptance seen.
    let interruptNote = 'the CP may have created the org';
    const { created, outcome } = await runMutation(
      ctx,
      {
        ledger: {
          create: {
            command: 'org create',
            // The CP does the creating: no AWS call to name an account for.
            environment: configuredEnvironment(ctx.config),
            inputs: { slug, ifNotExists: options.ifNotExists },
            targets: [slug],
          },
        },
        locks: [],
        fleet: false,
        breakLock: false,
        resumeHint: () => checkProvisioningHint(slug),
        interruptNote: () => interruptNote,
      },
      async ({ ledger }) => {
        const result = await createOrg({ cp: ctx.cp, clock: ctx.clock, signal: ctx.signal }, request, before);
        const accepted = result.created ? 'the CP accepted the create' : 'the org was already on the CP';
        interruptNote = `${accepted}; nothing was deleted`;
        await ledger.updateTarget(slug, {
          // Waiting: the org's readiness is not known yet (in-progress) until the wait sees it.
          state: options.wait ? 'in-progress' : 'succeeded',
          outcome: result.created ? 'created' : 'existed',
          remoteIds: result.id ? { orgId: result.id } : {},
          detail: { idSource: result.idSource, ready: options.wait ? 'waiting' : 'not waited for' },
        });
        if (!result.created)
          ctx.out.info(`org ${slug} already exists (id ${shownId(result.id)}); --if-not-exists: using it`);
        if (!options.wait) {
          await ledger.setStatus('succeeded');
          return { created: result, outcome: null };
        }
        let waited: WaitOutcome;
        try {
          waited = await waitUntilReady(ctx, slug, startedAt, options);
        } catch (error) {
          if (error instanceof UnfinishedWaitInterrupt) {
            interruptNote = `${accepted}; ${error.message}`;
            await ledger.updateTarget(slug, { detail: describeSeen(error.seen) });
          }
          throw error;
        }
        return { created: result, outcome: await recordWaitOutcome(ledger, slug, waited) };
      },
    );

    const base = { slug, id: created.id, idSource: created.idSource, url, created: created.created };
    const verdict = (r: { created: boolean }): string => (r.created ? 'created' : 'already exists');
    if (outcome === null) {
      await ctx.out.result(
        {
          ...base,
          instanceStatus: created.existing?.instance_status ?? (created.created ? 'provisioning' : 'unknown'),
          waited: false,
        },
        (r) =>
          `org ${r.slug} ${verdict(r)}: id ${r.id ? remoteText(r.id) : 'unconfirmed'}, url ${r.url}, instance_status ${remoteText(r.instanceStatus)}`,
      );
      ctx.out.info(checkProvisioningHint(slug));
      return ExitCode.ok;
    }

    await ctx.out.result(
      {
        ...base,
        instanceStatus: outcome.instanceStatus,
        healthChecked: outcome.healthChecked,
        elapsedMs: outcome.elapsedMs,
        waited: true,
      },
      (r) =>
        `org ${r.slug} ${verdict(r)}: id ${r.id ? remoteText(r.id) : 'unconfirmed'}, url ${r.url}, ${r.healthChecked ? 'healthy' : 'running'} after ${formatDuration(r.elapsedMs)}`,
    );
    return ExitCode.ok;
  },
});

/**
 * The wait's end in the ledger, then, for an org not ready, the error the run ends with (failed):
 * only an org seen running (and healthy, unless --no-health) is a succeeded target.
 */
async function recordWaitOutcome(ledger: RunLedger, slug: string, outcome: WaitOutcome): Promise<ReadyOutcome> {
  if (outcome.kind === 'ready') {
    await ledger.updateTarget(slug, {
      state: 'succeeded',
      detail: { ready: outcome.healthChecked ? 'running and healthy' : 'running (health not checked: --no-health)' },
    });
    await ledger.setStatus('succeeded');
    return outcome;
  }
  if (outcome.kind === 'failed') {
    const error = new MolectlError(
      `org "${slug}" failed to provision (instance_status failed after ${formatDuration(outcome.elapsedMs)})`,
      { hint: `see why on its console: \`molectl console ${slug}\`` },
    );
    await ledger.updateTarget(slug, { state: 'failed', detail: { ready: 'instance_status failed' }, error });
    throw error;
  }
  // Timed out: the target stays in-progress (its readiness is still unknown); the run fails.
  await ledger.updateTarget(slug, { detail: describeSeen(outcome) });
  const what =
    outcome.phase === 'health'
      ? `is running but its public /health did not answer ok (last: ${outcome.health ? remoteText(outcome.health) : 'no answer'}); healthy is unverified`
      : `is not running yet (instance_status ${remoteText(outcome.instanceStatus)}); the CP goes on provisioning it`;
  throw new MolectlError(`org "${slug}" ${what} after ${formatDuration(outcome.elapsedMs)}; nothing was deleted`, {
    hint: checkProvisioningHint(slug),
  });
}

type ReadyOutcome = Extract<WaitOutcome, { kind: 'ready' }>;

/** The id, instance_status and /health answer are the CP's words: remote text when printed. */
function shownId(id: string | null | undefined): string {
  return id ? remoteText(id) : 'unconfirmed (the CP gave none; see `molectl org show`)';
}

/** What the ledger keeps of a wait that did not see the org ready: the last words the CP and /health gave. */
function describeSeen(seen: Pick<WaitProgress, 'phase' | 'instanceStatus' | 'health'>): Record<string, string> {
  return {
    ready: seen.phase === 'health' ? 'unverified: running, /health not seen ok' : 'unverified: not seen running',
    instanceStatus: seen.instanceStatus,
    ...(seen.health === undefined ? {} : { health: seen.health }),
  };
}

async function waitUntilReady(
  ctx: Context,
  slug: string,
  startedAt: Date,
  options: { timeout: number; health: boolean },
): Promise<WaitOutcome> {
  const healthUrl = tenantHealthUrl(ctx.config.environment, slug);
  const step = ctx.out.step(`waiting for org ${slug} (timeout ${formatDuration(options.timeout)})`);
  try {
    const outcome = await waitForOrg(
      {
        cp: ctx.cp,
        clock: ctx.clock,
        signal: ctx.signal,
        probeHealth: () =>
          probeTenantHealth({
            url: healthUrl,
            fetch: ctx.fetch,
            signal: ctx.signal,
            redactor: ctx.redactor,
            timeoutMs: readCallTimeoutMs(ctx.env),
          }),
      },
      {
        slug,
        timeoutMs: options.timeout,
        startedAt,
        checkHealth: options.health,
        onProgress: (p) =>
          step.update(
            `${formatDuration(p.elapsedMs)} elapsed, instance_status ${remoteText(p.instanceStatus ?? '-')}${p.phase === 'health' ? `, ${healthUrl}: ${p.health ? remoteText(p.health) : 'not asked yet'}` : ''}`,
          ),
      },
    );
    if (outcome.kind === 'ready')
      step.succeed(
        `org ${slug} is ${outcome.healthChecked ? 'running and healthy' : 'running'} (${formatDuration(outcome.elapsedMs)})`,
      );
    else
      step.fail(`org ${slug}: ${outcome.kind === 'failed' ? 'provisioning failed' : 'still not ready at the timeout'}`);
    return outcome;
  } catch (error) {
    step.fail(`stopped waiting for org ${slug}`);
    throw error;
  }
}
