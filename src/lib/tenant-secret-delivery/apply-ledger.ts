import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { readWaveSteps } from '../fleet/plan-waves.js';
import { formatEnvironment, type Environment } from '../config/run-environment.js';
import type { RunLedgerDocument } from '../runs/run-ledger-schema.js';
import type { RunLedger } from '../runs/run-ledger.js';
import type { ApplySettings } from './apply-migration.js';
import { readApplyPayload, type ApplyInputs } from './apply-ledger-payload.js';
import { UnreadableLedgerError } from '../runs/unreadable-ledger-error.js';
import { tenantScriptSha256 } from './tenant-script.js';
import {
  ACTIONABLE_CLASSES,
  summarizeTargets,
  PLAN_KIND,
  PLAN_SCHEMA_VERSION,
  type MigrationPlan,
  type PlanTarget,
} from './migration-plan.js';

/**
 * What an apply run writes to its ledger so that `resume`, `status` and `rollback` can work from
 * the ledger alone: the pinned secret (ids and fingerprint), the settings, and per target its
 * instance and class. Never the value.
 */

export const APPLY_COMMAND = 'migrate cp-secret apply';

export async function createApplyLedger(
  ctx: Context,
  plan: MigrationPlan,
  settings: ApplySettings,
  waveSpec: string,
  environment: Environment,
  /** A run that is a step of another (a rotation's tenant step): partOfRun and continueWith. */
  partOf: { partOfRun?: string; continueWith?: string } = {},
): Promise<RunLedger> {
  const ledger = await ctx.runs.create({
    command: APPLY_COMMAND,
    // What this run saw (its own STS answer), with the plan's MOLECULE_CP_URL for tenants.
    environment: { ...environment, tenantCpUrl: plan.environment.tenantCpUrl },
    inputs: {
      canary: settings.canary ?? null,
      waves: waveSpec,
      maxErrors: settings.maxErrors,
      soakMs: settings.soakMs,
      delivery: settings.delivery,
      maxConcurrency: settings.maxConcurrency,
      healthTimeoutSeconds: settings.healthTimeoutSeconds,
      hostTimeoutSeconds: settings.hostTimeoutSeconds,
      containerName: plan.containerName,
      // What ran as root on each tenant, matched with `molectl migrate cp-secret script`.
      scriptSha256: tenantScriptSha256(),
      ...partOf,
    },
    pinned: {
      secretId: plan.secret.secretId,
      arn: plan.secret.arn,
      versionId: plan.secret.versionId,
      fingerprint: plan.secret.fingerprint,
      length: plan.secret.length,
    },
  });
  // Updates coalesce into one write; awaiting each in turn would be one fsync per tenant.
  await Promise.all(
    plan.targets.map((t) => {
      const actionable = ACTIONABLE_CLASSES.has(t.class);
      return ledger.updateTarget(t.slug, {
        state: actionable ? 'pending' : 'skipped',
        ...(actionable ? {} : { outcome: t.class }),
        detail: {
          instanceId: t.instanceId,
          orgId: t.orgId,
          class: t.class,
          reason: t.reason,
          previousFingerprint: t.fingerprint,
        },
      });
    }),
  );
  await ledger.recordEvent(`started against ${formatEnvironment(environment)}`);
  return ledger;
}

/** Rebuilds the plan an apply run was working from, for resume. */
export function planFromLedger(doc: Readonly<RunLedgerDocument>): MigrationPlan {
  if (doc.command !== APPLY_COMMAND) {
    throw new UsageError(
      `run ${doc.id} is a "${doc.command}" run, not "${APPLY_COMMAND}"; nothing was changed`,
      'pick an apply run from `molectl runs list --command "migrate cp-secret apply"`',
    );
  }
  const { inputs, pinned, details } = readApplyPayload(doc);
  const targets: PlanTarget[] = [...details].map(([slug, detail]) => ({
    slug,
    orgId: detail.orgId,
    instanceId: detail.instanceId,
    class: detail.class,
    reason: detail.reason,
    fingerprint: detail.previousFingerprint ?? null,
    durable: false,
    updater: null,
    pingStatus: null,
    agentVersion: null,
  }));
  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    kind: PLAN_KIND,
    createdAt: doc.startedAt,
    // Ledgers written before the environment carried it kept the tenants' URL among the inputs.
    environment: { ...doc.environment, tenantCpUrl: tenantCpUrlOf(doc, inputs) },
    secret: {
      secretId: pinned.secretId,
      arn: pinned.arn,
      versionId: pinned.versionId,
      fingerprint: pinned.fingerprint,
      length: pinned.length,
    },
    containerName: inputs.containerName,
    targets,
    mismatches: { instanceWithoutOrg: [], orgWithoutInstance: [], duplicateInstances: [] },
    summary: summarizeTargets(targets),
  };
}

/**
 * A rotation's tenant step is continued (or closed) by the rotation, which collects its commands
 * first and plans from the fleet as it then is: resumed on its own it would go on outside the
 * rotation's locks and ledger. Bad input (exit 2), nothing changed.
 */
export function refuseStepOfAnotherRun(doc: Readonly<RunLedgerDocument>): void {
  const { partOfRun, continueWith } = doc.inputs;
  if (typeof partOfRun !== 'string') return;
  throw new UsageError(
    `run ${doc.id} is the tenant step of run ${partOfRun}, which continues it; nothing was changed`,
    typeof continueWith === 'string' ? `continue with \`${continueWith}\`` : `see \`molectl runs show ${partOfRun}\``,
  );
}

export function settingsFromLedger(doc: Readonly<RunLedgerDocument>): { settings: ApplySettings; waveSpec: string } {
  const { inputs } = readApplyPayload(doc);
  return {
    waveSpec: inputs.waves,
    settings: {
      ...(inputs.canary ? { canary: inputs.canary } : {}),
      waves: readWaveSteps(inputs.waves),
      maxErrors: inputs.maxErrors,
      soakMs: inputs.soakMs,
      delivery: inputs.delivery,
      maxConcurrency: inputs.maxConcurrency,
      healthTimeoutSeconds: inputs.healthTimeoutSeconds,
      hostTimeoutSeconds: inputs.hostTimeoutSeconds,
    },
  };
}

/** The tenants' CP URL: in the environment block, or among the inputs of ledgers written before it was. */
function tenantCpUrlOf(doc: Readonly<RunLedgerDocument>, inputs: ApplyInputs): string {
  const url = doc.environment.tenantCpUrl || inputs.tenantCpUrl;
  if (!url) throw new UnreadableLedgerError(`of run ${doc.id}`, 'it records no tenantCpUrl for the tenants');
  return url;
}
