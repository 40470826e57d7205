import { readFile } from 'node:fs/promises';
import { MolectlError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../output/write-file.js';
import { renderDeep } from '../output/output.js';
import type { Redactor } from '../output/redactor.js';
import * as z from 'zod/mini';
import { EC2_INSTANCE_ID_PATTERN } from '../aws/ec2-instance-id.js';
import { environmentSchema } from '../config/environment-schema.js';
import { CONTAINER_NAME_PATTERN } from '../config/environments.js';
import { ORG_SLUG_PATTERN } from '../cp/check-org-slug.js';
import { FINGERPRINT_PATTERN } from '../output/fingerprint.js';
import '../zod-settings.js';
import {
  PLAN_KIND,
  PLAN_SCHEMA_VERSION,
  TENANT_CLASSES,
  summarizeTargets,
  type MigrationPlan,
} from '../tenant-secret-delivery/migration-plan.js';

export async function writePlanFile(path: string, plan: MigrationPlan, redactor: Redactor): Promise<void> {
  // Redacted value by value: a replacement inside the serialized text could break the JSON.
  // Registered values everywhere, shapes in remote spans only: the plan's own words stay as written.
  await writeFileAtomic(path, `${JSON.stringify(renderDeep(plan, redactor, 'json'), null, 2)}\n`, { mode: 0o644 });
}

/**
 * A plan file as apply takes it. Validated field by field when read, before any lock or ledger:
 * a hand-edited or truncated plan must fail here, naming the field, not half way through a run.
 * The schema is held to the MigrationPlan type (`satisfies` below), so the two cannot drift.
 */
const matching = (pattern: RegExp, message: string) => z.string().check(z.regex(pattern, message));
const nonEmpty = () => z.string().check(z.minLength(1));
const fingerprint = matching(FINGERPRINT_PATTERN, 'expected sha256:<12 hex>');
const instanceId = matching(EC2_INSTANCE_ID_PATTERN, 'expected an EC2 instance id (i-...)');
const orgSlug = matching(ORG_SLUG_PATTERN, 'expected an org slug');

const planTargetSchema = z.looseObject({
  slug: orgSlug,
  orgId: z.string(),
  orgIdUnconfirmed: z.optional(z.literal(true)),
  instanceId,
  class: z.enum(TENANT_CLASSES),
  reason: z.string(),
  fingerprint: z.nullable(fingerprint),
  durable: z.boolean(),
  updater: z.nullable(z.string()),
  pingStatus: z.nullable(z.string()),
  agentVersion: z.nullable(z.string()),
});

const planFileSchema = z.looseObject({
  schemaVersion: z.literal(PLAN_SCHEMA_VERSION),
  kind: z.literal(PLAN_KIND),
  createdAt: z.string(),
  // A plan always knows both CP URLs; the account and region may be unknown.
  environment: z.extend(environmentSchema, {
    name: nonEmpty(),
    cpUrl: z.url(),
    tenantCpUrl: z.url(),
  }),
  secret: z.looseObject({
    secretId: nonEmpty(),
    arn: z.string(),
    versionId: z
      .string()
      .check(z.minLength(1), z.regex(/^[A-Za-z0-9_.:/@+=,-]+$/, 'expected a Secrets Manager version id')),
    fingerprint,
    length: z.int().check(z.positive()),
  }),
  containerName: matching(CONTAINER_NAME_PATTERN, 'expected a docker container name'),
  targets: z.array(planTargetSchema),
  mismatches: z.looseObject({
    instanceWithoutOrg: z.array(z.looseObject({ instanceId, slugTag: z.nullable(z.string()) })),
    orgWithoutInstance: z.array(z.looseObject({ slug: orgSlug, instanceStatus: z.string() })),
    duplicateInstances: z.array(z.looseObject({ slug: orgSlug, instanceIds: z.array(instanceId) })),
    orgUnknown: z.optional(z.array(z.looseObject({ instanceId, slugTag: z.string(), reason: z.string() }))),
  }),
  // `summary` is not read: it is counted again from the targets.
}) satisfies z.ZodMiniType<Omit<MigrationPlan, 'summary'>>;

const NEW_PLAN_HINT = 'make a new plan with `molectl migrate cp-secret plan --out FILE`';

/**
 * Reads a plan file given on the command line. Every problem is a UsageError (exit 2, nothing
 * changed) in one line that says which: no file, not JSON, not a plan, a plan from an older or a
 * newer molectl, or a malformed plan (naming the first bad field).
 */
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
    throw new UsageError(`plan file ${path} is not JSON`, NEW_PLAN_HINT);
  }
  const head = (typeof json === 'object' && json !== null ? json : {}) as { kind?: unknown; schemaVersion?: unknown };
  if (head.kind !== PLAN_KIND) {
    throw new UsageError(
      `${path} is not a molectl cp-secret plan (its "kind" is ${describeValue(head.kind)}, not "${PLAN_KIND}")`,
      NEW_PLAN_HINT,
    );
  }
  const version = head.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw new UsageError(`${path} is not a valid molectl cp-secret plan: it has no schemaVersion`, NEW_PLAN_HINT);
  }
  if (version !== PLAN_SCHEMA_VERSION) {
    const older = version < PLAN_SCHEMA_VERSION;
    throw new UsageError(
      `${path} was written by ${older ? 'an older' : 'a newer'} molectl (plan schemaVersion ${version}); this molectl reads schemaVersion ${PLAN_SCHEMA_VERSION}`,
      older
        ? `plans are not carried across versions: ${NEW_PLAN_HINT} with this molectl`
        : `apply it with the molectl that wrote it, or ${NEW_PLAN_HINT} with this one`,
    );
  }
  const parsed = planFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map(String).join('.') || '(the file)';
    throw new UsageError(
      `${path} is not a valid molectl cp-secret plan: ${where}: ${oneLine(issue.message)}`,
      `${NEW_PLAN_HINT}; do not edit plans by hand`,
    );
  }
  const plan = parsed.data;
  const duplicate =
    findDuplicate(plan.targets.map((t) => t.slug)) ?? findDuplicate(plan.targets.map((t) => t.instanceId));
  if (duplicate) throw new UsageError(`${path} lists ${duplicate} more than once`, NEW_PLAN_HINT);
  return { ...plan, summary: summarizeTargets(plan.targets) };
}

function describeValue(value: unknown): string {
  return value === undefined ? 'missing' : oneLine(JSON.stringify(value)).slice(0, 60);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
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
 * apply: another environment, another container, another pinned secret version, or actionable targets that moved
 * (another instance, or gone from the fleet).
 */
export function findPlanDrift(saved: MigrationPlan, fresh: MigrationPlan): PlanDrift {
  const reasons: string[] = [];
  if (saved.environment.name !== fresh.environment.name || saved.environment.cpUrl !== fresh.environment.cpUrl) {
    reasons.push(
      `the plan is for ${saved.environment.name} (${saved.environment.cpUrl}), not ${fresh.environment.name} (${fresh.environment.cpUrl})`,
    );
  }
  if (saved.environment.tenantCpUrl !== fresh.environment.tenantCpUrl) {
    reasons.push(
      `the plan gives tenants MOLECULE_CP_URL ${saved.environment.tenantCpUrl}, the environment now says ${fresh.environment.tenantCpUrl}`,
    );
  }
  // The plan's container is the one its probe judged and the script would recreate; the health
  // check after it reads the environment's. A plan made with another name must not run either.
  if (saved.containerName !== fresh.containerName) {
    reasons.push(`the plan changes container ${saved.containerName}, the environment's is ${fresh.containerName}`);
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
