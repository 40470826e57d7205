import type { Context } from '../context.js';
import { MolectlError, UsageError } from '../errors.js';
import { planWaves, type WaveStep } from '../fleet/plan-waves.js';
import { FINISHED_TARGET_STATES } from '../runs/run-ledger-states.js';
import type { RunGuard } from '../runs/run-lifecycle.js';
import type { RunLedger } from '../runs/run-ledger.js';
import { runShellScript, type InstanceScriptResult } from '../ssm/run-shell-script.js';
import { judgeApplyResult } from './judge-apply-result.js';
import { explainLostSend } from './explain-lost-send.js';
import { actionableTargets, unseenTenants, type MigrationPlan, type PlanTarget } from './migration-plan.js';
import { deleteRunParameter, putRunParameter, runParameterName } from './parameter-delivery.js';
import { parseScriptResult } from './parse-script-result.js';
import { describeSoakFailure, soakCanary } from './soak-canary.js';
import { checkPublicHealth } from './tenant-health.js';
import { renderTenantCommands, type Delivery } from './tenant-script.js';
import { formatCount } from '../output/format-count.js';

/**
 * `migrate cp-secret apply` and `resume`: the canary, a soak that watches it, then waves. Each
 * wave goes to SSM in commands of at most 50 instances, sent as capacity frees so that at most
 * --max-concurrency hosts work at once across the fleet; results are judged by molectl and
 * written to the ledger as they land. The run aborts as soon as failures
 * exceed the budget (--max-errors), leaving later waves untouched.
 *
 * Invariants: a target the ledger marks succeeded is never dispatched again; a target's SSM
 * command id is in the ledger before molectl waits on it, so an interrupted or killed run can be
 * resumed without guessing; the secret value never enters a command (hosts fetch it).
 */

export interface ApplySettings {
  canary?: string;
  waves: WaveStep[];
  maxErrors: number;
  soakMs: number;
  delivery: Delivery;
  maxConcurrency: number;
  healthTimeoutSeconds: number;
  /** Time the script may run on a host. */
  hostTimeoutSeconds: number;
}

export type ApplyStatus = 'succeeded' | 'partial' | 'aborted';

export interface ApplyResult {
  status: ApplyStatus;
  abortReason: string | null;
  failures: number;
  /** Tenants the plan could not judge (probe failed, agent not online, org unconfirmed): not reached. */
  unseen: Array<{ name: string; why: string }>;
  /** Tenants whose earlier command was still running at the resume: outcome unknown, not sent again. */
  stillRunning: string[];
}

export async function applyMigration(
  ctx: Context,
  plan: MigrationPlan,
  settings: ApplySettings,
  ledger: RunLedger,
  guard: RunGuard,
): Promise<ApplyResult> {
  const unfinished = actionableTargets(plan).filter(
    (t) => !FINISHED_TARGET_STATES.has(ledger.target(t.slug)?.state ?? 'pending'),
  );
  // Still in-progress here: a resume found the earlier attempt's command still running on that
  // host (adoptInFlight). Sending another could race it; a later resume collects its result.
  const stillRunning = unfinished.filter((t) => ledger.target(t.slug)?.state === 'in-progress').map((t) => t.slug);
  const pending = unfinished.filter((t) => !stillRunning.includes(t.slug));
  const canary = chooseCanary(plan, pending, settings.canary, ledger);
  const rest = pending.filter((t) => t.slug !== canary?.target.slug);
  const waves = planWaves(rest, settings.waves);
  // Each attempt has its own budget: a resume retries the targets that failed before.
  let failures = 0;
  const parameterName =
    settings.delivery === 'parameter' ? runParameterName(ctx.config.environment.parameterPrefix, ledger.id) : undefined;
  const exceeded = (untouched: number): Promise<ApplyResult> =>
    abort(
      ledger,
      failures,
      `${formatCount(failures, 'failure')} ${failures === 1 ? 'exceeds' : 'exceed'} --max-errors ${settings.maxErrors} (abort when failures > ${settings.maxErrors}); ${formatCount(untouched, 'tenant')} left untouched`,
    );

  if (parameterName) {
    await putRunParameter(ctx, plan.secret, parameterName);
    await ledger.recordEvent(`put run-scoped SecureString parameter ${parameterName}`);
  }
  try {
    if (canary) {
      if (canary.dispatch) {
        guard.checkpoint();
        failures += await dispatchWave(ctx, {
          plan,
          settings,
          ledger,
          guard,
          wave: [canary.target],
          label: 'canary',
          budget: settings.maxErrors,
          parameterName,
        });
        if (failures > settings.maxErrors) return await exceeded(rest.length);
      }
      // Invariant: no wave starts until a canary has passed its soak in this run's ledger.
      guard.checkpoint();
      const soak = await soakCanary(ctx, canary.target, settings.soakMs, ledger, guard);
      if (!soak.ok) {
        const why = soak.migrated
          ? `canary ${canary.target.slug} ${describeSoakFailure(soak, settings.soakMs)}`
          : `canary ${canary.target.slug} did not migrate (${ledger.target(canary.target.slug)?.error?.message ?? 'see its row'}), so no wave was started`;
        return await abort(ledger, failures + (soak.migrated ? 1 : 0), why);
      }
    }
    for (const [index, wave] of waves.entries()) {
      const label = `wave ${index + 1}/${waves.length}`;
      // A safe point: nothing of this wave is out yet. Interrupted or a lost lock: stop here.
      guard.checkpoint();
      if (index > 0 || canary) {
        const unhealthy = await recheckHealth(ctx, ledger, plan);
        if (unhealthy) return await abort(ledger, failures, `${unhealthy} is unhealthy after the previous wave`);
      }
      failures += await dispatchWave(ctx, {
        plan,
        settings,
        ledger,
        guard,
        wave,
        label,
        budget: settings.maxErrors - failures,
        parameterName,
      });
      if (failures > settings.maxErrors)
        return await exceeded(waves.slice(index + 1).flat().length + pendingIn(ledger, wave));
    }
  } finally {
    if (parameterName) {
      const deleted = await deleteRunParameter(ctx, parameterName).catch(() => false);
      await ledger.recordEvent(
        deleted ? `deleted parameter ${parameterName}` : `parameter ${parameterName} was already gone`,
      );
    }
  }
  // Everyone reachable done is not everyone done: tenants the plan could not see may still need it.
  const unseen = unseenTenants(plan);
  if (unseen.length > 0)
    await ledger.recordEvent(`not reached: ${unseen.map((u) => `${u.name} (${u.why})`).join('; ')}`, { level: 'warn' });
  if (stillRunning.length > 0)
    await ledger.recordEvent(`outcome unknown, still running an earlier command: ${stillRunning.join(', ')}`, {
      level: 'warn',
    });
  const status: ApplyStatus = failures > 0 || unseen.length > 0 || stillRunning.length > 0 ? 'partial' : 'succeeded';
  await ledger.setStatus(status);
  return { status, abortReason: null, failures, unseen, stillRunning };
}

interface WaveJob {
  plan: MigrationPlan;
  settings: ApplySettings;
  ledger: RunLedger;
  guard: RunGuard;
  wave: PlanTarget[];
  label: string;
  /** Failures this wave may add before the run must stop; SSM stops dispatching past it. */
  budget: number;
  parameterName: string | undefined;
}

/** Sends one wave and records every outcome; returns how many targets failed. */
async function dispatchWave(ctx: Context, job: WaveJob): Promise<number> {
  const { plan, settings, ledger, wave } = job;
  const bySlug = new Map(wave.map((t) => [t.slug, t]));
  const byInstance = new Map(wave.map((t) => [t.instanceId, t]));
  const step = ctx.out.step(`${job.label}: ${formatCount(wave.length, 'tenant')}`);
  // stopDispatch sees every result so far before each command: judge each result once.
  const judgedFailed = new WeakMap<InstanceScriptResult, boolean>();
  const countFailed = (done: InstanceScriptResult[]): number => {
    let n = 0;
    for (const r of done) {
      let failed = judgedFailed.get(r);
      if (failed === undefined)
        judgedFailed.set(r, (failed = judgeApplyResult(r, plan.secret.fingerprint).state === 'failed'));
      if (failed) n++;
    }
    return n;
  };
  await ledger.recordEvent(`${job.label}: dispatching ${[...bySlug.keys()].join(', ')}`);
  // Each result is judged and written to the ledger as it lands (the writes coalesce); what
  // never landed (not sent, given up on) is recorded once the wave is over.
  const recorded = new Set<string>();
  let failed = 0;
  const record = (result: InstanceScriptResult): Promise<void> => {
    recorded.add(result.instanceId);
    const target = byInstance.get(result.instanceId)!;
    const judged = judgeApplyResult(result, plan.secret.fingerprint);
    if (judged.state === 'failed') failed += 1;
    return ledger.updateTarget(target.slug, {
      state: judged.state,
      outcome: judged.outcome,
      detail: { ...judged.detail, instanceId: target.instanceId },
      error: judged.reason && judged.state === 'failed' ? new MolectlError(judged.reason) : null,
    });
  };
  let results: InstanceScriptResult[];
  try {
    results = await runShellScript(
      { aws: ctx.aws, clock: ctx.clock, signal: ctx.signal },
      {
        instanceIds: wave.map((t) => t.instanceId),
        commands: renderTenantCommands({
          mode: 'apply',
          containerName: plan.containerName,
          cpUrl: plan.environment.tenantCpUrl,
          expectedFingerprint: plan.secret.fingerprint,
          delivery: settings.delivery,
          ...(job.parameterName
            ? { parameterName: job.parameterName }
            : { secretArn: plan.secret.arn, secretVersionId: plan.secret.versionId }),
          runId: ledger.id,
          healthTimeoutSeconds: settings.healthTimeoutSeconds,
          ...(plan.environment.awsRegion ? { awsRegion: plan.environment.awsRegion } : {}),
        }),
        comment: `molectl migrate cp-secret apply ${ledger.id} ${job.label}`.slice(0, 100),
        timeoutSeconds: settings.hostTimeoutSeconds,
        maxErrors: String(Math.max(0, job.budget)),
        // Hosts working at once across the fleet: above 50, several SSM commands in flight.
        maxInFlight: settings.maxConcurrency,
        // Between batches: a spent budget, an interrupt or a lost lock sends nothing more.
        stopDispatch: (done) => job.guard.stopping || countFailed(done) > job.budget,
        cancelOnAbort: false,
        previewIsComplete: (preview) => parseScriptResult(preview) !== null,
        // Intent first, on disk before SendCommand: a run killed between SSM accepting the
        // command and the ledger recording its id is found again by this comment on resume.
        // A retried target drops the previous attempt's command id here: left in place, a resume
        // after a kill in that window would adopt the old (failed) command instead of this one,
        // and send the script a second time while this one may still be running.
        onBeforeDispatch: async ({ comment, instanceIds }) => {
          const at = ctx.clock.now().toISOString();
          await Promise.all(
            instanceIds.map((id) => {
              const slug = byInstance.get(id)!.slug;
              const previous = ledger.target(slug)?.remoteIds.commandId;
              return ledger.updateTarget(slug, {
                state: 'in-progress',
                remoteIds: { commandId: null },
                detail: {
                  dispatchComment: comment,
                  dispatchedAt: at,
                  ...(previous ? { previousCommandId: previous } : {}),
                },
              });
            }),
          );
        },
        onDispatched: async ({ commandId, instanceIds }) => {
          await Promise.all(
            instanceIds.map((id) =>
              ledger.updateTarget(byInstance.get(id)!.slug, { state: 'in-progress', remoteIds: { commandId } }),
            ),
          );
        },
        onResults: async (landed) => {
          await Promise.all(landed.map(record));
        },
        onProgress: (p) => step.update(`${job.label}: ${p.done}/${p.total} done, ${p.failed} failed`),
      },
    );
  } catch (error) {
    step.fail(`${job.label}: stopped`);
    throw explainLostSend(error, job.label, [...bySlug.keys()], ledger.id);
  }
  // One awaited ledger write for the rest (updates coalesce), not one per target: at 10,000
  // targets that is the difference between a second and minutes.
  await Promise.all(results.filter((result) => !recorded.has(result.instanceId)).map(record));
  if (failed) step.fail(`${job.label}: ${wave.length - failed} done, ${failed} failed`);
  else step.succeed(`${job.label}: ${wave.length} done`);
  return failed;
}

/** Between waves: every tenant migrated so far must still answer /health. Returns the first that does not. */
async function recheckHealth(ctx: Context, ledger: RunLedger, plan: MigrationPlan): Promise<string | null> {
  const migrated = plan.targets.filter((t) => ledger.target(t.slug)?.outcome === 'migrated').slice(-50);
  for (let i = 0; i < migrated.length; i += 10) {
    const checks = await Promise.all(
      migrated.slice(i, i + 10).map(async (t) => ({ slug: t.slug, check: await checkPublicHealth(ctx, t.slug) })),
    );
    const bad = checks.find((c) => !c.check.ok);
    if (bad) {
      await ledger.recordEvent(`${bad.slug}: ${bad.check.detail}`, { target: bad.slug, level: 'error' });
      return bad.slug;
    }
  }
  return null;
}

async function abort(ledger: RunLedger, failures: number, reason: string): Promise<ApplyResult> {
  await ledger.recordEvent(`aborted: ${reason}`, { level: 'error' });
  await ledger.setStatus('aborted', { error: new MolectlError(reason) });
  return { status: 'aborted', abortReason: reason, failures, unseen: [], stillRunning: [] };
}

/** Refuses a --canary that is not a tenant this plan changes. Called before anything is created. */
export function checkCanary(plan: MigrationPlan, requested: string | undefined): void {
  if (!requested) return;
  const target = plan.targets.find((t) => t.slug === requested);
  if (!target)
    throw new UsageError(
      `--canary ${requested} is not a tenant in this plan`,
      'pick one of the tenants the plan lists as needs-migration or stale',
    );
  if (!actionableTargets(plan).includes(target))
    throw new UsageError(
      `--canary ${requested} is ${target.class}, not a tenant to change`,
      'pick a tenant the plan lists as needs-migration or stale',
    );
}

interface CanaryPhase {
  target: PlanTarget;
  /** False when an earlier attempt migrated it but its soak failed or never finished. */
  dispatch: boolean;
}

/**
 * The canary of this attempt, if one is still owed. A soak that passed is recorded on the
 * canary's target; until one has, a resume soaks the canary again (re-sending nothing if it
 * already migrated) before any wave: a value the CP rejects must never reach the fleet.
 */
function chooseCanary(
  plan: MigrationPlan,
  pending: PlanTarget[],
  requested: string | undefined,
  ledger: RunLedger,
): CanaryPhase | undefined {
  if (plan.targets.some((t) => ledger.target(t.slug)?.detail.soak === 'passed')) return undefined;
  const migrated = plan.targets.find(
    (t) => ledger.target(t.slug)?.outcome === 'migrated' && (!requested || t.slug === requested),
  );
  if (migrated) return { target: migrated, dispatch: false };
  const target = requested ? pending.find((t) => t.slug === requested) : pending[0];
  return target ? { target, dispatch: true } : undefined;
}

function pendingIn(ledger: RunLedger, wave: PlanTarget[]): number {
  return wave.filter((t) => ledger.target(t.slug)?.state === 'pending').length;
}
