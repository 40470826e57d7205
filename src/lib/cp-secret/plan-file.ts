import { readFile } from 'node:fs/promises';
import { MolectlError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../output/write-file.js';
import { renderDeep } from '../output/output.js';
import type { Redactor } from '../output/redactor.js';
import { z } from 'zod';
import { TENANT_CLASSES } from './classify-tenant.js';
import { PLAN_SCHEMA_VERSION, summarizeTargets, type MigrationPlan } from './migration-plan.js';

export async function writePlanFile(path: string, plan: MigrationPlan, redactor: Redactor): Promise<void> {
  // Redacted value by value: a replacement inside the serialized text could break the JSON.
  // Registered values everywhere, shapes in remote spans only: the plan's own words stay as written.
  await writeFileAtomic(path, `${JSON.stringify(renderDeep(plan, redactor, 'json'), null, 2)}\n`, { mode: 0o644 });
}

/**
 * A plan file as apply takes it. Validated field by field when read, before any lock or ledger:
 * a hand-edited or truncated plan must fail here, naming the field, not half way through a run.
 */
const FINGERPRINT = /^sha256:[0-9a-f]{12}$/;
const planTargetSchema = z.looseObject({
  slug: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, 'expected an org slug'),
  orgId: z.string(),
  instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/, 'expected an EC2 instance id (i-...)'),
  class: z.enum(TENANT_CLASSES),
  reason: z.string(),
  fingerprint: z.string().regex(FINGERPRINT, 'expected sha256:<12 hex>').nullable(),
  durable: z.boolean(),
  updater: z.string().nullable(),
  pingStatus: z.string().nullable(),
  agentVersion: z.string().nullable(),
});
const planFileSchema = z.looseObject({
  schemaVersion: z.literal(PLAN_SCHEMA_VERSION),
  kind: z.literal('molectl-cp-secret-plan'),
  createdAt: z.string(),
  environment: z.looseObject({
    name: z.string().min(1),
    cpUrl: z.string().url(),
    region: z.string().nullable(),
    account: z.string().nullable(),
  }),
  secret: z.looseObject({
    secretId: z.string().min(1),
    arn: z.string(),
    versionId: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9_.:/@+=,-]+$/, 'expected a Secrets Manager version id'),
    fingerprint: z.string().regex(FINGERPRINT, 'expected sha256:<12 hex>'),
    length: z.number().int().positive(),
  }),
  tenantCpUrl: z.string().url(),
  containerName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected a docker container name'),
  targets: z.array(planTargetSchema),
  mismatches: z.looseObject({
    instanceWithoutOrg: z.array(z.unknown()),
    orgWithoutInstance: z.array(z.unknown()),
    duplicateInstances: z.array(z.unknown()),
  }),
});

export async function readPlanFile(path: string): Promise<MigrationPlan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read plan file ${path}`, 'write one with `molectl migrate cp-secret plan --out FILE`');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(
      `plan file ${path} is not JSON`,
      'write a new one with `molectl migrate cp-secret plan --out FILE`',
    );
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (
    (json as { kind?: unknown } | null)?.kind === 'molectl-cp-secret-plan' &&
    typeof version === 'number' &&
    version !== PLAN_SCHEMA_VERSION
  ) {
    throw new UsageError(
      `${path} is a plan of schema ${version}; this molectl reads schema ${PLAN_SCHEMA_VERSION}`,
      'make a new plan with this molectl: `molectl migrate cp-secret plan --out FILE`',
    );
  }
  const parsed = planFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map(String).join('.') || '(the file)';
    throw new UsageError(
      `${path} is not a valid molectl cp-secret plan: ${where}: ${issue.message}`,
      'make a new plan with `molectl migrate cp-secret plan --out FILE`; do not edit plans by hand',
    );
  }
  const plan = parsed.data as unknown as MigrationPlan;
  const duplicate =
    findDuplicate(plan.targets.map((t) => t.slug)) ?? findDuplicate(plan.targets.map((t) => t.instanceId));
  if (duplicate)
    throw new UsageError(
      `${path} lists ${duplicate} more than once`,
      'make a new plan with `molectl migrate cp-secret plan --out FILE`',
    );
  return { ...plan, summary: summarizeTargets(plan.targets) };
}

function findDuplicate(values: string[]): string | null {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) return v;
    seen.add(v);
  }
  return null;
}

export interface PlanDrift {
  reasons: string[];
}

/** A saved plan narrowed to some orgs (`apply --plan F --orgs a,b`). Pure. */
export function narrowPlan(plan: MigrationPlan, orgs: string[] | undefined): MigrationPlan {
  if (!orgs) return plan;
  const unknown = orgs.filter((slug) => !plan.targets.some((t) => t.slug === slug));
  if (unknown.length)
    throw new UsageError(
      `the plan has no tenant ${unknown.join(', ')}`,
      'pick orgs the plan lists, or make a new plan',
    );
  const targets = plan.targets.filter((t) => orgs.includes(t.slug));
  return { ...plan, targets, summary: summarizeTargets(targets) };
}

/**
 * Compares a saved plan with a fresh one. Pure. Drift that makes the saved plan unsafe to
 * apply: another environment, another pinned secret version, or actionable targets that moved
 * (another instance, or gone from the fleet).
 */
export function findPlanDrift(saved: MigrationPlan, fresh: MigrationPlan): PlanDrift {
  const reasons: string[] = [];
  if (saved.environment.name !== fresh.environment.name || saved.environment.cpUrl !== fresh.environment.cpUrl) {
    reasons.push(
      `the plan is for ${saved.environment.name} (${saved.environment.cpUrl}), not ${fresh.environment.name} (${fresh.environment.cpUrl})`,
    );
  }
  if (saved.tenantCpUrl !== fresh.tenantCpUrl) {
    reasons.push(
      `the plan gives tenants MOLECULE_CP_URL ${saved.tenantCpUrl}, the environment now says ${fresh.tenantCpUrl}`,
    );
  }
  if (saved.secret.versionId !== fresh.secret.versionId || saved.secret.fingerprint !== fresh.secret.fingerprint) {
    reasons.push(
      `the secret's current version changed from ${saved.secret.versionId} (${saved.secret.fingerprint}) to ${fresh.secret.versionId} (${fresh.secret.fingerprint})`,
    );
  }
  const now = new Map(fresh.targets.map((t) => [t.slug, t]));
  for (const target of saved.targets.filter((t) => t.class === 'needs-migration' || t.class === 'stale')) {
    const current = now.get(target.slug);
    if (!current) reasons.push(`${target.slug} is no longer in the fleet`);
    else if (current.instanceId !== target.instanceId)
      reasons.push(`${target.slug} moved from ${target.instanceId} to ${current.instanceId}`);
  }
  return { reasons };
}

export function assertNoDrift(drift: PlanDrift, path: string): void {
  if (drift.reasons.length === 0) return;
  throw new MolectlError(
    `plan ${path} has drifted: ${drift.reasons.slice(0, 3).join('; ')}${drift.reasons.length > 3 ? ` (+${drift.reasons.length - 3} more)` : ''}`,
    {
      hint: 'make a new plan with `molectl migrate cp-secret plan --out FILE` and review it',
    },
  );
}
