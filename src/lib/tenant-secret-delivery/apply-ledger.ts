import type { Context } from '../context.js';
import { MolectlError } from '../errors.js';
import { parseWaveSpec } from '../fleet/plan-waves.js';
import { formatEnvironment, type Environment } from '../config/run-environment.js';
import type { RunLedgerDocument } from '../runs/run-ledger-schema.js';
import type { RunLedger } from '../runs/run-ledger.js';
import type { ApplySettings } from './apply-migration.js';
import { tenantScriptSha256 } from './tenant-script.js';
import {
  ACTIONABLE_CLASSES,
  summarizeTargets,
  PLAN_SCHEMA_VERSION,
  type MigrationPlan,
  type PlanTarget,
  type TenantClass,
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
    throw new MolectlError(`run ${doc.id} is a "${doc.command}" run, not "${APPLY_COMMAND}"`, {
      hint: 'pick an apply run from `molectl runs list --command "migrate cp-secret"`',
    });
  }
  const pinned = doc.pinned as Record<string, string | number>;
  const inputs = doc.inputs as Record<string, string | number | null>;
  const targets: PlanTarget[] = Object.values(doc.targets).map((t) => ({
    slug: t.key,
    orgId: String(t.detail.orgId ?? ''),
    instanceId: String(t.detail.instanceId ?? ''),
    class: String(t.detail.class) as TenantClass,
    reason: String(t.detail.reason ?? ''),
    fingerprint: (t.detail.previousFingerprint as string | null) ?? null,
    durable: false,
    updater: null,
    pingStatus: null,
    agentVersion: null,
  }));
  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    kind: 'molectl-cp-secret-plan',
    createdAt: doc.startedAt,
    // Ledgers written before the environment carried it kept the tenants' URL among the inputs.
    environment: { ...doc.environment, tenantCpUrl: doc.environment.tenantCpUrl || String(inputs.tenantCpUrl) },
    secret: {
      secretId: String(pinned.secretId),
      arn: String(pinned.arn),
      versionId: String(pinned.versionId),
      fingerprint: String(pinned.fingerprint),
      length: Number(pinned.length),
    },
    containerName: String(inputs.containerName),
    targets,
    mismatches: { instanceWithoutOrg: [], orgWithoutInstance: [], duplicateInstances: [] },
    summary: summarizeTargets(targets),
  };
}

export function settingsFromLedger(doc: Readonly<RunLedgerDocument>): { settings: ApplySettings; waveSpec: string } {
  const i = doc.inputs as Record<string, string | number | null>;
  const waveSpec = String(i.waves);
  return {
    waveSpec,
    settings: {
      ...(i.canary ? { canary: String(i.canary) } : {}),
      waves: parseWaveSpec(waveSpec),
      maxErrors: Number(i.maxErrors),
      soakMs: Number(i.soakMs),
      delivery: i.delivery === 'parameter' ? 'parameter' : 'secrets-manager',
      maxConcurrency: Number(i.maxConcurrency),
      healthTimeoutSeconds: Number(i.healthTimeoutSeconds),
      hostTimeoutSeconds: Number(i.hostTimeoutSeconds),
    },
  };
}
