import { readFile } from 'node:fs/promises';
import { MolectlError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../output/write-file.js';
import { redactDeep } from '../output/output.js';
import type { Redactor } from '../output/redactor.js';
import { PLAN_SCHEMA_VERSION, summarizeTargets, type MigrationPlan } from './migration-plan.js';

export async function writePlanFile(path: string, plan: MigrationPlan, redactor: Redactor): Promise<void> {
  // Redacted value by value: a replacement inside the serialized text could break the JSON.
  await writeFileAtomic(path, `${JSON.stringify(redactDeep(plan, redactor), null, 2)}\n`, { mode: 0o644 });
}

export async function readPlanFile(path: string): Promise<MigrationPlan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read plan file ${path}`, 'write one with `molectl migrate cp-secret plan --out FILE`');
  }
  let plan: MigrationPlan;
  try {
    plan = JSON.parse(text) as MigrationPlan;
  } catch {
    throw new UsageError(`plan file ${path} is not JSON`, 'write a new one with `molectl migrate cp-secret plan --out FILE`');
  }
  if (plan?.kind !== 'molectl-cp-secret-plan' || plan.schemaVersion !== PLAN_SCHEMA_VERSION || !Array.isArray(plan.targets)) {
    throw new UsageError(`${path} is not a molectl cp-secret plan (schema ${PLAN_SCHEMA_VERSION})`, 'write a new one with `molectl migrate cp-secret plan --out FILE`');
  }
  return plan;
}

export interface PlanDrift {
  reasons: string[];
}

/** A saved plan narrowed to some orgs (`apply --plan F --orgs a,b`). Pure. */
export function narrowPlan(plan: MigrationPlan, orgs: string[] | undefined): MigrationPlan {
  if (!orgs) return plan;
  const unknown = orgs.filter((slug) => !plan.targets.some((t) => t.slug === slug));
  if (unknown.length) throw new UsageError(`the plan has no tenant ${unknown.join(', ')}`, 'pick orgs the plan lists, or make a new plan');
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
    reasons.push(`the plan is for ${saved.environment.name} (${saved.environment.cpUrl}), not ${fresh.environment.name} (${fresh.environment.cpUrl})`);
  }
  if (saved.tenantCpUrl !== fresh.tenantCpUrl) {
    reasons.push(`the plan gives tenants MOLECULE_CP_URL ${saved.tenantCpUrl}, the environment now says ${fresh.tenantCpUrl}`);
  }
  if (saved.secret.versionId !== fresh.secret.versionId || saved.secret.fingerprint !== fresh.secret.fingerprint) {
    reasons.push(`the secret's current version changed from ${saved.secret.versionId} (${saved.secret.fingerprint}) to ${fresh.secret.versionId} (${fresh.secret.fingerprint})`);
  }
  const now = new Map(fresh.targets.map((t) => [t.slug, t]));
  for (const target of saved.targets.filter((t) => t.class === 'needs-migration' || t.class === 'stale')) {
    const current = now.get(target.slug);
    if (!current) reasons.push(`${target.slug} is no longer in the fleet`);
    else if (current.instanceId !== target.instanceId) reasons.push(`${target.slug} moved from ${target.instanceId} to ${current.instanceId}`);
  }
  return { reasons };
}

export function assertNoDrift(drift: PlanDrift, path: string): void {
  if (drift.reasons.length === 0) return;
  throw new MolectlError(`plan ${path} has drifted: ${drift.reasons.slice(0, 3).join('; ')}${drift.reasons.length > 3 ? ` (+${drift.reasons.length - 3} more)` : ''}`, {
    hint: 'make a new plan with `molectl migrate cp-secret plan --out FILE` and review it',
  });
}
