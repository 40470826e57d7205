import type { Environment } from '../config/run-environment.js';
import { formatCount } from '../output/format-count.js';
import type { TenantJoin } from '../fleet/join-tenants.js';

/**
 * The plan `migrate cp-secret plan` prints and `--out` writes; `apply` takes it (or makes a
 * fresh one). It pins what will be delivered (secret version + fingerprint) and to whom, so an
 * apply can refuse a plan the world has drifted from. Holds no secret value.
 *
 * It is what the delivery engine executes: src/lib/cp-secret-migration/ makes one (so does a
 * rotation, through the same planner), this folder applies, resumes and rolls it back.
 */

/**
 * 2: the environment block is the Environment every run records (name, cpUrl, tenantCpUrl,
 * awsAccount, awsRegion); schema 1 had region/account and tenantCpUrl beside it.
 */
export const PLAN_SCHEMA_VERSION = 2;

/** What a plan document says it is, so that another JSON file is not mistaken for one. */
export const PLAN_KIND = 'molectl-cp-secret-plan';

/** What the plan says about one tenant (src/lib/cp-secret-migration/classify-tenant.ts decides which). */
export const TENANT_CLASSES = [
  'needs-migration',
  'stale',
  'current',
  'unmanaged',
  'no-container',
  'not-running',
  'probe-failed',
  'not-deliverable',
] as const;
export type TenantClass = (typeof TENANT_CLASSES)[number];

/** Classes apply changes; the others are reported and left alone. */
export const ACTIONABLE_CLASSES: ReadonlySet<TenantClass> = new Set(['needs-migration', 'stale']);

export interface PinnedSecret {
  secretId: string;
  arn: string;
  versionId: string;
  /** `sha256:<12 hex>`: how the value is shown and compared on hosts. */
  fingerprint: string;
  length: number;
}

export interface PlanTarget {
  slug: string;
  orgId: string;
  /** The org id is the instance's tag: the CP confirmed the org by slug but listed no row for it. */
  orgIdUnconfirmed?: true;
  instanceId: string;
  class: TenantClass;
  reason: string;
  /** Fingerprint the container holds now, if any. */
  fingerprint: string | null;
  durable: boolean;
  updater: string | null;
  pingStatus: string | null;
  agentVersion: string | null;
}

export interface MigrationPlan {
  schemaVersion: typeof PLAN_SCHEMA_VERSION;
  kind: typeof PLAN_KIND;
  createdAt: string;
  /** Where the plan acts; its tenantCpUrl is the MOLECULE_CP_URL tenants get. */
  environment: Environment;
  secret: PinnedSecret;
  containerName: string;
  targets: PlanTarget[];
  mismatches: Pick<TenantJoin, 'instanceWithoutOrg' | 'orgWithoutInstance' | 'duplicateInstances'> & {
    /** Tenant instances whose org the CP could neither confirm nor deny (absent from plans of older molectl). */
    orgUnknown?: Array<{ instanceId: string; slugTag: string; reason: string }>;
  };
  summary: Record<TenantClass, number> & { total: number; actionable: number };
}

export function summarizeTargets(targets: Pick<PlanTarget, 'class'>[]): MigrationPlan['summary'] {
  const summary = Object.fromEntries(TENANT_CLASSES.map((c) => [c, 0])) as Record<TenantClass, number>;
  for (const t of targets) summary[t.class] += 1;
  return {
    ...summary,
    total: targets.length,
    actionable: targets.filter((t) => ACTIONABLE_CLASSES.has(t.class)).length,
  };
}

/** Classes that mean "molectl could not see this tenant": never a verdict, always counted. */
export const UNSEEN_CLASSES: ReadonlySet<TenantClass> = new Set(['probe-failed', 'unmanaged']);

/**
 * Tenants the plan could not judge: probes that failed, agents not online, orgs the CP could not
 * confirm, and orgs with more than one running tenant instance (left out: which one is the tenant
 * is ambiguous, and it may still need the secret).
 */
export function unseenTenants(plan: MigrationPlan): Array<{ name: string; why: string }> {
  return [
    ...plan.targets
      .filter((t) => UNSEEN_CLASSES.has(t.class))
      .map((t) => ({ name: t.slug, why: `${t.class}: ${t.reason}` })),
    ...setAsideTenants(plan),
  ];
}

/**
 * The warning about tenants a plan or a run could not see, which may still need the secret: how
 * many, what happened to them (`happened`: the singular and the plural wording), then each one,
 * with why when `why` (a plan's table above already says why), the first `max` of them.
 */
export function unseenWarning(
  unseen: Array<{ name: string; why: string }>,
  happened: readonly [one: string, many: string],
  options: { why: boolean; max?: number },
): string {
  const one = unseen.length === 1;
  const shown = unseen.slice(0, options.max ?? unseen.length);
  const names = shown.map((u) => (options.why ? `${u.name} (${u.why})` : u.name)).join(options.why ? '; ' : ', ');
  const more = shown.length < unseen.length ? ', ...' : '';
  return `${formatCount(unseen.length, 'tenant')} ${one ? happened[0] : happened[1]} (${one ? 'it' : 'they'} may still need the secret) — ${names}${more}`;
}

/** The unseen tenants that are not among the targets: set aside before any probe (see unseenTenants). */
export function setAsideTenants(plan: MigrationPlan): Array<{ name: string; why: string }> {
  return [
    ...plan.mismatches.duplicateInstances.map((d) => ({
      name: d.slug,
      why: `${d.instanceIds.length} running tenant instances (${d.instanceIds.join(', ')}): which one is the tenant is ambiguous`,
    })),
    ...(plan.mismatches.orgUnknown ?? []).map((u) => ({
      name: `${u.slugTag} (${u.instanceId})`,
      why: `org unconfirmed: ${u.reason}`,
    })),
  ];
}

export function actionableTargets(plan: MigrationPlan): PlanTarget[] {
  return plan.targets.filter((t) => ACTIONABLE_CLASSES.has(t.class));
}
