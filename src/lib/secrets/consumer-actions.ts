import type { Context } from '../context.js';
import { createApplyLedger } from '../tenant-secret-delivery/apply-ledger.js';
import { applyMigration, type ApplySettings } from '../tenant-secret-delivery/apply-migration.js';
import {
  actionableTargets,
  summarizeTargets,
  unseenTenants,
  type MigrationPlan,
} from '../tenant-secret-delivery/migration-plan.js';
import { discoverTenants, planMigration } from '../cp-secret-migration/plan-migration.js';
import { MolectlError, UsageError } from '../errors.js';
import type { Environment } from '../config/run-environment.js';
import type { RunGuard } from '../runs/run-lifecycle.js';
import type { TargetRecord } from '../runs/run-ledger-schema.js';
import { fingerprintOf } from '../output/fingerprint.js';
import { createConsumerRequester, giteaBaseUrl, giteaToken, railwayTargetFor } from './consumer-door.js';
import { tenantEnvSupported, TENANT_SECRET_VARIABLE } from './consumer-drift.js';
import { listGiteaActionsSecretNames, putGiteaActionsSecret } from './gitea-actions-secrets.js';
import {
  FINAL_DEPLOYMENT_STATES,
  latestRailwayDeployment,
  readRailwayVariables,
  redeployRailwayService,
  upsertRailwayVariable,
} from './railway-variables.js';
import type { SecretConsumer } from './secret-consumer.js';
import { formatCount } from '../output/format-count.js';

/**
 * Setting one consumer to one version of a secret, and testing that it holds it and works.
 * Used for every direction: rotate (to AWSPENDING), put back (to AWSCURRENT), rollback (to
 * AWSPREVIOUS). The value is registered with the redactor before it reaches here; it leaves
 * this file only in the request that stores it (Railway's variableUpsert, Gitea's PUT) and is
 * never sent to a tenant: hosts fetch the pinned version themselves.
 */

/** The CP's admin token variable: setting it changes what every admin caller (ops, CI) must send. */
export const CP_ADMIN_TOKEN_VARIABLE = 'CP_ADMIN_API_TOKEN';

export interface VersionToSet {
  secretId: string;
  versionId: string;
  value: string;
  fingerprint: string;
}

export interface ConsumerSettings {
  apply: ApplySettings;
  waveSpec: string;
  deployTimeoutMs: number;
  /** Tenants the operator accepted up front to leave unverified (--accept-unreachable). */
  acceptUnreachable: number;
  environment: Environment;
  /** The rotation's run: stops the tenant waves when it is interrupted or loses a lock. */
  guard: RunGuard;
  /**
   * Told the id of the tenant apply run as soon as it exists, before any tenant is changed: the
   * rotation's ledger then knows where the tenants' state is even if the run is killed mid-step.
   */
  onApplyRunCreated?: (applyRunId: string) => Promise<void>;
  /**
   * The run whose step the tenant apply run is, and the command that continues it: recorded in
   * the apply run (inputs.partOfRun, inputs.continueWith) so that it is not resumed on its own.
   */
  partOf?: { run: string; continueWith: string };
}

export interface ConsumerOutcome {
  ok: boolean;
  detail: string;
  /** Remote ids for the ledger (a deployment id, the tenant apply run id). */
  remoteIds: Record<string, string>;
  /** Tenants that could not be reached and still hold another value (not a failure, but reported). */
  leftBehind: string[];
  /** True when the attempt changed no member: after a failure, there is nothing to put back. */
  changedNothing?: boolean;
}

/** Putting a consumer back after a failed rotation: what the forward step changed. */
export interface PutBackOf {
  /**
   * The tenants consumer's forward apply runs (their ledgers say which tenants were migrated):
   * one, or more when a resumed rotation went on in a new one after a killed one.
   */
  applyRuns: string[];
}

/**
 * The tenant apply runs of a rotation's consumer, oldest first: the current one and the earlier
 * ones a resume set aside (onApplyRunCreated keeps them), all of which may have changed tenants.
 */
export function applyRunsOf(target: Readonly<TargetRecord> | undefined): string[] {
  const earlier = target?.detail.earlierApplyRuns;
  const current = target?.remoteIds.applyRun;
  return [...(Array.isArray(earlier) ? earlier : []), ...(current ? [current] : [])];
}

export async function setConsumer(
  ctx: Context,
  consumer: SecretConsumer,
  version: VersionToSet,
  settings: ConsumerSettings,
  putBackOf?: PutBackOf,
): Promise<ConsumerOutcome> {
  if (consumer.kind === 'railway') return setRailway(ctx, consumer, version, settings);
  if (consumer.kind === 'gitea-actions-secret') return setGitea(ctx, consumer, version);
  return setTenants(ctx, consumer, version, settings, putBackOf);
}

/**
 * Checks before anything changes (before AWSPENDING exists): each consumer can be reached with
 * what molectl has, proven by a read call with the very credentials the change will use (a
 * rejected token is exit 3 here, not a failed rotation to put back), and a --canary names a
 * tenant of the fleet.
 */
export async function checkConsumerPrerequisites(
  ctx: Context,
  consumers: SecretConsumer[],
  canary: string | undefined,
): Promise<void> {
  if (canary !== undefined && !consumers.some((c) => c.kind === 'tenants-env'))
    throw new UsageError(
      `--canary ${canary} names a tenant, but no consumer of this secret is on the tenants (${consumers.map((c) => c.ref).join(', ') || 'none'}); nothing was changed`,
      'leave --canary out: it only applies to a tenants-env consumer',
    );
  for (const c of consumers) {
    if (c.kind === 'tenants-env' && !tenantEnvSupported(c)) {
      throw new UsageError(
        `consumer ${c.ref}: the tenant script sets only ${TENANT_SECRET_VARIABLE}; nothing was changed`,
        'use tenants-env:MOLECULE_CP_SHARED_SECRET, or extend scripts/tenant-cp-secret.sh',
      );
    }
  }
  for (const c of consumers) {
    if (c.kind === 'railway') {
      // The service's variables are secrets too: registered before anything could print them.
      const variables = await readRailwayVariables(
        createConsumerRequester(ctx),
        railwayTargetFor(ctx, c.service, c.environment),
      );
      for (const value of Object.values(variables)) ctx.redactor.register(value, 'railway-variable');
    }
    if (c.kind === 'gitea-actions-secret') {
      await listGiteaActionsSecretNames(createConsumerRequester(ctx), {
        baseUrl: giteaBaseUrl(ctx),
        token: giteaToken(ctx),
        owner: c.owner,
        repo: c.repo,
      });
    }
    if (c.kind === 'tenants-env' && canary) {
      const fleet = await discoverTenants(ctx);
      if (!fleet.tenants.some((t) => t.slug === canary)) {
        throw new UsageError(
          `--canary ${canary} is not a running tenant of this fleet; nothing was changed`,
          'pick a tenant from `molectl migrate cp-secret plan`, or leave --canary out',
        );
      }
    } else if (c.kind === 'tenants-env') {
      // The tenants are found through the CP's admin API: a token it rejects must be found by this
      // read, not after AWSPENDING exists and the consumers before this one were changed.
      await ctx.cp.listOrgs({ limit: 1 });
    }
  }
}

async function setRailway(
  ctx: Context,
  consumer: Extract<SecretConsumer, { kind: 'railway' }>,
  version: VersionToSet,
  settings: ConsumerSettings,
): Promise<ConsumerOutcome> {
  const request = createConsumerRequester(ctx);
  const target = railwayTargetFor(ctx, consumer.service, consumer.environment);
  await upsertRailwayVariable(request, target, consumer.variable, version.value);
  const { previousDeploymentId } = await redeployRailwayService(request, target);
  const deadline = ctx.clock.now().getTime() + settings.deployTimeoutMs;
  let deployment = await latestRailwayDeployment(request, target);
  while (!deployment || deployment.id === previousDeploymentId || !FINAL_DEPLOYMENT_STATES.has(deployment.status)) {
    if (ctx.clock.now().getTime() > deadline) {
      return {
        ok: false,
        detail: `the redeploy of ${consumer.service}/${consumer.environment} did not finish in time (last: ${deployment?.status ?? 'none'})`,
        remoteIds: deployment ? { deploymentId: deployment.id } : {},
        leftBehind: [],
      };
    }
    await ctx.clock.sleep(5000, ctx.signal);
    deployment = await latestRailwayDeployment(request, target);
  }
  const remoteIds = { deploymentId: deployment.id };
  if (deployment.status !== 'SUCCESS')
    return {
      ok: false,
      detail: `deployment ${deployment.id} of ${consumer.service}/${consumer.environment} ended ${deployment.status}`,
      remoteIds,
      leftBehind: [],
    };
  const variables = await readRailwayVariables(request, target);
  const held = variables[consumer.variable];
  for (const v of Object.values(variables)) ctx.redactor.register(v, 'railway-variable');
  if (held === undefined || fingerprintOf(held) !== version.fingerprint) {
    return {
      ok: false,
      detail: `${consumer.variable} reads back as ${held === undefined ? 'unset' : fingerprintOf(held)}, expected ${version.fingerprint}`,
      remoteIds,
      leftBehind: [],
    };
  }
  if (consumer.service === (ctx.config.environment.railway?.service ?? 'controlplane')) {
    const health = await ctx.cp.health().then(
      () => null,
      (error: unknown) => (error as Error).message,
    );
    if (health)
      return { ok: false, detail: `deployed, but the CP's /health failed: ${health}`, remoteIds, leftBehind: [] };
    if (consumer.variable === CP_ADMIN_TOKEN_VARIABLE) {
      // Proof, not absence of error: an admin call with the new token must get the admin API's answer.
      const refused = await ctx.cp
        .withAdminToken(version.value)
        .listOrgs({ limit: 1 })
        .then(
          () => null,
          (error: unknown) => (error as Error).message,
        );
      if (refused)
        return {
          ok: false,
          detail: `deployed, but the CP does not accept ${version.fingerprint} as its admin token: ${refused}`,
          remoteIds,
          leftBehind: [],
        };
      return {
        ok: true,
        detail: `deployment ${deployment.id} SUCCESS, ${consumer.variable} ${version.fingerprint}, an admin call with it answered`,
        remoteIds,
        leftBehind: [],
      };
    }
    return {
      ok: true,
      detail: `deployment ${deployment.id} SUCCESS, ${consumer.variable} ${version.fingerprint}, CP /health ok`,
      remoteIds,
      leftBehind: [],
    };
  }
  return {
    ok: true,
    detail: `deployment ${deployment.id} SUCCESS, ${consumer.variable} ${version.fingerprint}`,
    remoteIds,
    leftBehind: [],
  };
}

async function setGitea(
  ctx: Context,
  consumer: Extract<SecretConsumer, { kind: 'gitea-actions-secret' }>,
  version: VersionToSet,
): Promise<ConsumerOutcome> {
  const request = createConsumerRequester(ctx);
  const ref = {
    baseUrl: giteaBaseUrl(ctx),
    token: giteaToken(ctx),
    owner: consumer.owner,
    repo: consumer.repo,
    name: consumer.name,
  };
  const how = await putGiteaActionsSecret(request, ref, version.value);
  const names = await listGiteaActionsSecretNames(request, ref);
  if (!names.includes(consumer.name.toUpperCase()) && !names.includes(consumer.name)) {
    return {
      ok: false,
      detail: `Gitea answered ${how} but does not list ${consumer.name}`,
      remoteIds: {},
      leftBehind: [],
    };
  }
  // Gitea never returns a value: its answer to the PUT is the only proof there is.
  return {
    ok: true,
    detail: `${how} ${consumer.name} (${version.fingerprint}); Gitea cannot read values back`,
    remoteIds: {},
    leftBehind: [],
  };
}

/**
 * Tenants go through the migrate engine: a plan pinned to this version, then an apply run of its
 * own (canary, soak with the CP authentication check, waves, verified by fingerprint on each
 * host, durable), whose id is kept so `migrate cp-secret status|resume` can look at it.
 * The consumer is verified only when every tenant was observed holding the version: tenants
 * that could not be seen (agent offline, probe failed) fail it, unless the operator accepted
 * that many up front (--accept-unreachable); and a fleet of none proves nothing. Putting back,
 * only the tenants the forward run changed must be seen: one it never reached still holds the
 * value it had.
 */
async function setTenants(
  ctx: Context,
  consumer: SecretConsumer,
  version: VersionToSet,
  settings: ConsumerSettings,
  putBackOf?: PutBackOf,
): Promise<ConsumerOutcome> {
  if (!tenantEnvSupported(consumer)) throw new MolectlError(`consumer ${consumer.ref} is not supported`);
  const changedBefore = putBackOf ? await tenantsChangedBy(ctx, putBackOf.applyRuns) : null;
  // Putting back touches only what the forward run changed: a tenant it never reached keeps what
  // it holds (it may never have had this secret at all).
  const fullPlan = await planMigration(ctx, { secretId: version.secretId, versionId: version.versionId });
  const plan = changedBefore ? restrictPlan(fullPlan, changedBefore) : fullPlan;
  if (changedBefore && plan.targets.length === 0 && unseenTenants(plan).length === 0) {
    return {
      ok: true,
      detail: 'the forward step changed no tenant: nothing to put back',
      remoteIds: {},
      leftBehind: [],
      changedNothing: true,
    };
  }
  const unseen = unseenTenants(plan);
  const leftBehind = [
    ...unseen.map((u) => `${u.name} (${u.why})`),
    ...plan.targets
      .filter((t) => t.class === 'not-deliverable' || t.class === 'not-running')
      .map((t) => `${t.slug} (${t.class}: ${t.reason})`),
  ];
  if (plan.targets.length === 0 && unseen.length === 0) {
    return {
      ok: false,
      detail:
        'found no tenant to set: a fleet of none cannot be verified (check the tenant tags in the config, or remove this consumer)',
      remoteIds: {},
      leftBehind,
      changedNothing: true,
    };
  }
  const blocking = unseen;
  const tooMany =
    blocking.length > settings.acceptUnreachable
      ? `${formatCount(blocking.length, 'tenant')} could not be reached (${blocking.map((u) => u.name).join(', ')}); accepted up front: ${settings.acceptUnreachable} (--accept-unreachable)`
      : null;
  const unreachableNote = unseen.length > 0 ? `; ${unseen.length} unreachable, accepted` : '';
  const seenCount = plan.targets.filter((t) => !unseen.some((u) => u.name === t.slug)).length;
  const changes = actionableTargets(plan);
  if (changes.length === 0) {
    if (tooMany) return { ok: false, detail: tooMany, remoteIds: {}, leftBehind, changedNothing: true };
    // Accepting every tenant as unreachable leaves nothing observed: "0 of 0" verifies nothing.
    if (seenCount === 0)
      return {
        ok: false,
        detail: `no tenant ${putBackOf ? 'it changed ' : ''}could be observed (${unseen.map((u) => u.name).join(', ')} unreachable): nothing was verified`,
        remoteIds: {},
        leftBehind,
        changedNothing: true,
      };
    return {
      ok: true,
      detail: `${plan.summary.current} of ${seenCount} reachable tenants observed holding ${version.fingerprint}, nothing to change${unreachableNote}`,
      remoteIds: {},
      leftBehind,
      changedNothing: true,
    };
  }
  if (tooMany)
    return {
      ok: false,
      detail: `${tooMany}; nothing was sent to the tenants`,
      remoteIds: {},
      leftBehind,
      changedNothing: true,
    };
  // A named canary is never silently replaced: going forward it must be a tenant to change.
  // Putting back is recovery: there the engine picks a canary among the tenants to change.
  const applySettings: ApplySettings = { ...settings.apply };
  if (applySettings.canary && !changes.some((t) => t.slug === applySettings.canary)) {
    const canaryTarget = plan.targets.find((t) => t.slug === applySettings.canary);
    if (!putBackOf)
      return {
        ok: false,
        detail: `--canary ${applySettings.canary} is ${canaryTarget ? `${canaryTarget.class} (${canaryTarget.reason})` : 'not in the fleet'}, not a tenant to change; nothing was sent to the tenants`,
        remoteIds: {},
        leftBehind,
        changedNothing: true,
      };
    delete applySettings.canary;
  }
  const ledger = await createApplyLedger(ctx, plan, applySettings, settings.waveSpec, settings.environment, {
    ...(settings.partOf ? { partOfRun: settings.partOf.run, continueWith: settings.partOf.continueWith } : {}),
  });
  await settings.onApplyRunCreated?.(ledger.id);
  const result = await applyMigration(ctx, plan, applySettings, ledger, settings.guard).catch(
    async (error: unknown) => {
      // The rotation's ledger says how to go on; this one must not stay "running" after Ctrl-C.
      await ledger.setStatus(ctx.signal.aborted ? 'interrupted' : 'failed', { error });
      throw error;
    },
  );
  const remoteIds = { applyRun: ledger.id };
  // Unreachable tenants make the run partial; within what the operator accepted, that is the only shortfall allowed.
  if (result.status === 'aborted' || result.failures > 0 || result.stillRunning.length > 0) {
    return {
      ok: false,
      detail: `tenant apply run ${ledger.id} ${result.status}${result.abortReason ? `: ${result.abortReason}` : ` (${result.failures} failed)`}`,
      remoteIds,
      leftBehind,
    };
  }
  return {
    ok: true,
    detail: `${formatCount(changes.length, 'tenant')} changed to ${version.fingerprint} and verified (run ${ledger.id}), ${plan.summary.current} already on it${unreachableNote}`,
    remoteIds,
    leftBehind,
  };
}

/** The plan narrowed to some tenants (and their org mismatches), its summary recomputed. */
function restrictPlan(plan: MigrationPlan, slugs: ReadonlySet<string>): MigrationPlan {
  const targets = plan.targets.filter((t) => slugs.has(t.slug));
  const orgUnknown = (plan.mismatches.orgUnknown ?? []).filter((u) => slugs.has(u.slugTag));
  const duplicateInstances = plan.mismatches.duplicateInstances.filter((d) => slugs.has(d.slug));
  return {
    ...plan,
    targets,
    mismatches: { ...plan.mismatches, orgUnknown, duplicateInstances },
    summary: summarizeTargets(targets),
  };
}

/** Slugs the forward apply runs migrated; null (every tenant counts) when a run is unknown or unreadable. */
async function tenantsChangedBy(ctx: Context, applyRuns: string[]): Promise<Set<string> | null> {
  if (applyRuns.length === 0) return null;
  const changed = new Set<string>();
  for (const id of applyRuns) {
    const ledger = await ctx.runs.load(id).catch(() => null);
    if (!ledger) return null;
    for (const t of Object.values(ledger.document.targets))
      if (t.state !== 'pending' && t.state !== 'skipped') changed.add(t.key);
  }
  return changed;
}
