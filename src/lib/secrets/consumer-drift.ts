import type { Context } from '../context.js';
import { planMigration } from '../cp-secret-migration/plan-migration.js';
import { setAsideTenants } from '../tenant-secret-delivery/migration-plan.js';
import { fingerprintOf } from '../output/fingerprint.js';
import { createConsumerRequester, giteaBaseUrl, giteaToken, railwayTargetFor } from './consumer-door.js';
import { listGiteaActionsSecretNames } from './gitea-actions-secrets.js';
import type { ManagedSecret } from './managed-secret.js';
import { readRailwayVariables } from './railway-variables.js';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '../aws/secret-stages.js';
import { describeUnreadVersions, versionWithStage, type SecretVersionsView } from './read-secret-versions.js';
import type { SecretConsumer } from './secret-consumer.js';
import { formatCount } from '../output/format-count.js';

/**
 * Which version each consumer of a secret holds, by fingerprint. Tenants are probed with the
 * migrate engine's read-only probe (one batched SSM command per 50 hosts) and summed up as a
 * histogram. Values read from Railway are registered with the redactor as soon as they arrive.
 */

/** What a consumer holds, relative to the secret's versions. */
export type HeldVersion = 'current' | 'pending' | 'previous' | 'other' | 'missing' | 'unknown';
/** A fleet consumer as a whole: one answer when every tenant gives it, else mixed (see the histogram). */
export type ConsumerHolds = HeldVersion | 'mixed';

export interface ConsumerDrift {
  consumer: string;
  kind: SecretConsumer['kind'];
  holds: ConsumerHolds;
  fingerprint: string | null;
  detail: string;
  /** Tenant consumers only. */
  histogram?: Record<HeldVersion, number>;
  /** Tenants not on current: slug, what they hold, why. */
  behind?: Array<{ slug: string; holds: HeldVersion; fingerprint: string | null; reason: string }>;
  /**
   * Set when `unknown` was not a failed look: the consumer cannot be read by design (a Gitea
   * Actions secret is write-only) or the operator chose not to look (--no-probe). Such an unknown
   * is shown as it is but does not make the answer partial: no run of the command could see more.
   */
  notObservable?: 'write-only' | 'not-probed';
}

export function classifyHeld(fingerprint: string | null, versions: SecretVersionsView): HeldVersion {
  if (!fingerprint) return 'missing';
  if (versionWithStage(versions, AWSCURRENT)?.fingerprint === fingerprint) return 'current';
  if (versionWithStage(versions, AWSPENDING)?.fingerprint === fingerprint) return 'pending';
  if (versionWithStage(versions, AWSPREVIOUS)?.fingerprint === fingerprint) return 'previous';
  // "other" says the value matches none of the versions: only once every one of them was read.
  return describeUnreadVersions(versions).length > 0 ? 'unknown' : 'other';
}

export async function readConsumerDrift(
  ctx: Context,
  secret: ManagedSecret,
  versions: SecretVersionsView,
  options: { probeTenants: boolean },
): Promise<ConsumerDrift[]> {
  const out: ConsumerDrift[] = [];
  for (const consumer of secret.consumers) {
    try {
      out.push(await readOne(ctx, secret, consumer, versions, options));
    } catch (error) {
      // Ctrl-C is not a consumer that could not be read: the run ends as interrupted (exit 130).
      if (ctx.signal.aborted) throw error;
      out.push({
        consumer: consumer.ref,
        kind: consumer.kind,
        holds: 'unknown',
        fingerprint: null,
        detail: `could not read: ${(error as Error).message}`,
      });
    }
  }
  return out;
}

async function readOne(
  ctx: Context,
  secret: ManagedSecret,
  consumer: SecretConsumer,
  versions: SecretVersionsView,
  options: { probeTenants: boolean },
): Promise<ConsumerDrift> {
  const base = { consumer: consumer.ref, kind: consumer.kind };
  if (consumer.kind === 'railway') {
    const variables = await readRailwayVariables(
      createConsumerRequester(ctx),
      railwayTargetFor(ctx, consumer.service, consumer.environment),
    );
    const value = variables[consumer.variable];
    for (const v of Object.values(variables)) ctx.redactor.register(v, 'railway-variable');
    const fingerprint = value === undefined ? null : fingerprintOf(value);
    const holds = classifyHeld(fingerprint, versions);
    return {
      ...base,
      holds,
      fingerprint,
      detail:
        value === undefined
          ? `${consumer.variable} is not set`
          : holds === 'unknown'
            ? `${consumer.variable} set; its version is unknown: ${describeUnreadVersions(versions).join('; ')}`
            : `${consumer.variable} set (not necessarily deployed)`,
    };
  }
  if (consumer.kind === 'gitea-actions-secret') {
    const names = await listGiteaActionsSecretNames(createConsumerRequester(ctx), {
      baseUrl: giteaBaseUrl(ctx),
      token: giteaToken(ctx),
      owner: consumer.owner,
      repo: consumer.repo,
    });
    const present = names.includes(consumer.name.toUpperCase()) || names.includes(consumer.name);
    return {
      ...base,
      holds: present ? 'unknown' : 'missing',
      fingerprint: null,
      detail: present ? 'set; Gitea never returns values, so its version is unknown' : `${consumer.name} is not set`,
      ...(present ? { notObservable: 'write-only' as const } : {}),
    };
  }
  if (!tenantEnvSupported(consumer)) {
    return {
      ...base,
      holds: 'unknown',
      fingerprint: null,
      detail: `the tenant script handles only ${TENANT_SECRET_VARIABLE}`,
    };
  }
  if (!options.probeTenants)
    return {
      ...base,
      holds: 'unknown',
      fingerprint: null,
      detail: 'not probed (--no-probe)',
      notObservable: 'not-probed',
    };
  const plan = await planMigration(ctx, { secretId: secret.secretId });
  const histogram: Record<HeldVersion, number> = {
    current: 0,
    pending: 0,
    previous: 0,
    other: 0,
    missing: 0,
    unknown: 0,
  };
  const behind: NonNullable<ConsumerDrift['behind']> = [];
  for (const t of plan.targets) {
    const probed = t.class !== 'unmanaged' && t.class !== 'probe-failed';
    const holds: HeldVersion = probed ? classifyHeld(t.fingerprint, versions) : 'unknown';
    histogram[holds] += 1;
    if (holds !== 'current') behind.push({ slug: t.slug, holds, fingerprint: t.fingerprint, reason: t.reason });
  }
  // Tenants the plan set aside (two instances for one org, an org the CP could not confirm) hold
  // something too: unknown, counted, never left out of "N/N on current".
  const setAside = setAsideTenants(plan);
  for (const aside of setAside) {
    histogram.unknown += 1;
    behind.push({ slug: aside.name, holds: 'unknown', fingerprint: null, reason: aside.why });
  }
  const total = plan.targets.length + setAside.length;
  const uniform = (Object.keys(histogram) as HeldVersion[]).find((k) => histogram[k] === total);
  const holds: ConsumerHolds = total === 0 ? 'unknown' : (uniform ?? 'mixed');
  return {
    ...base,
    holds,
    fingerprint: null,
    detail: `${histogram.current}/${total} tenants on current`,
    histogram,
    behind,
  };
}

/**
 * What `secrets status` looked for and could not observe: consumers whose holding is unknown in
 * whole or in part. A consumer that cannot be read by design, or was not asked (notObservable),
 * is not counted.
 */
export interface UnknownDrift {
  /** Consumers shown as unknown, or fleet consumers with at least one tenant unknown. */
  consumers: number;
  /** Tenants whose value could not be read (agent offline, probe failed, unmanaged). */
  tenants: number;
}

export function countUnknownDrift(drift: ConsumerDrift[]): UnknownDrift {
  let consumers = 0;
  let tenants = 0;
  for (const d of drift) {
    const unknownTenants = d.histogram?.unknown ?? 0;
    if (d.notObservable) continue;
    if (d.holds === 'unknown' || unknownTenants > 0) consumers += 1;
    tenants += unknownTenants;
  }
  return { consumers, tenants };
}

/** "1 of 2 consumers unknown (3 tenants not observed)" */
export function describeUnknownDrift(unknown: UnknownDrift, total: number): string {
  const tenants = unknown.tenants > 0 ? ` (${formatCount(unknown.tenants, 'tenant')} not observed)` : '';
  return `${unknown.consumers} of ${formatCount(total, 'consumer')} unknown${tenants}`;
}

/** The on-tenant script (scripts/tenant-cp-secret.sh) reads and writes this one variable. */
export const TENANT_SECRET_VARIABLE = 'MOLECULE_CP_SHARED_SECRET';

export function tenantEnvSupported(consumer: SecretConsumer): boolean {
  return consumer.kind === 'tenants-env' && consumer.variable === TENANT_SECRET_VARIABLE;
}
