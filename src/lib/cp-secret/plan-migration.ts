import type { InstanceSummary, ManagedInstance } from '../aws/aws-types.js';
import type { Context } from '../context.js';
import type { OrgRow } from '../cp/cp-schemas.js';
import { ConfigError, NotFoundError } from '../errors.js';
import { joinTenants, type Tenant, type TenantJoin } from '../fleet/join-tenants.js';
import { lookupOrg, ORG_LIST_LIMIT } from '../fleet/lookup-org.js';
import { fingerprintOf } from '../output/fingerprint.js';
import { runShellScript } from '../ssm/run-shell-script.js';
import { classifyTenant, isDurable } from './classify-tenant.js';
import { summarizeTargets, PLAN_SCHEMA_VERSION, type MigrationPlan, type PinnedSecret, type PlanTarget } from './migration-plan.js';
import { parseScriptResult } from './parse-script-result.js';
import { renderTenantCommands } from './tenant-script.js';

/**
 * `migrate cp-secret plan`: read-only. Pins the expected value, discovers the fleet, probes every
 * online tenant with one batched SSM command per 50 hosts, and classifies each. Nothing on any
 * host or in AWS is changed.
 */

export interface PlanOptions {
  secretId?: string;
  /** Only these org slugs. */
  orgs?: string[];
  /**
   * Discover and pin, but do not probe hosts: enough to check a saved plan for drift (its
   * environment, pinned version and instances), and it spares the fleet a round of SSM.
   * Every target comes back classified 'probe-failed' with reason 'not probed'.
   */
  skipProbe?: boolean;
  /**
   * Pin this version instead of AWSCURRENT. `secrets rotate` delivers the AWSPENDING version (and
   * puts tenants back on AWSCURRENT on failure) with this same engine.
   */
  versionId?: string;
}

export const CP_SHARED_SECRET_NAME = 'cp-shared-secret';
const PROBE_TIMEOUT_SECONDS = 120;
/**
 * The probe is read-only and light; this only keeps a large fleet's probe from all landing at
 * once. The pace of SendCommand (ssm-pacer.ts, 10/s) bounds it first: this is 5 s of it, so
 * sending never waits for probes that are already done but not yet polled.
 */
const PROBE_MAX_IN_FLIGHT = 2500;

export async function planMigration(ctx: Context, options: PlanOptions): Promise<MigrationPlan> {
  const environment = ctx.config.environment;
  const step = ctx.out.step('pinning the CP shared secret');
  const secret = await pinSecret(ctx, options.secretId ?? environment.secrets[CP_SHARED_SECRET_NAME]?.secretId, options.versionId);
  step.succeed(`pinned ${secret.secretId} version ${secret.versionId} (len=${secret.length} ${secret.fingerprint})`);

  const discovered = ctx.out.step('discovering tenants');
  const join = await discoverTenants(ctx);
  const tenants = filterOrgs(join.tenants, options.orgs);
  discovered.succeed(`found ${tenants.length} tenant${tenants.length === 1 ? '' : 's'}${options.orgs ? ` (of ${join.tenants.length})` : ''}`);

  const managed = new Map(
    options.skipProbe ? [] : (await ctx.aws.describeManagedInstances(tenants.map((t) => t.instanceId))).map((m) => [m.instanceId, m] as const),
  );
  const online = options.skipProbe ? [] : tenants.filter((t) => managed.get(t.instanceId)?.pingStatus === 'Online');
  const probing = ctx.out.step(`probing ${online.length} online tenant${online.length === 1 ? '' : 's'}`);
  const probes = options.skipProbe ? [] : await runShellScript(
    { aws: ctx.aws, clock: ctx.clock, signal: ctx.signal },
    {
      instanceIds: online.map((t) => t.instanceId),
      commands: renderTenantCommands({ mode: 'probe', containerName: environment.containerName }),
      comment: 'molectl migrate cp-secret plan: read-only probe',
      timeoutSeconds: PROBE_TIMEOUT_SECONDS,
      maxInFlight: PROBE_MAX_IN_FLIGHT,
      previewIsComplete: (preview) => parseScriptResult(preview) !== null,
      onProgress: (p) => probing.update(`probing: ${p.done}/${p.total} answered, ${p.failed} failed`),
    },
  );
  if (options.skipProbe) probing.succeed('saved plan: hosts not probed again');
  else probing.succeed(`probed ${online.length} tenant${online.length === 1 ? '' : 's'}`);
  const byInstance = new Map(probes.map((p) => [p.instanceId, p]));

  const targets = tenants.map((tenant) => buildTarget(tenant, managed.get(tenant.instanceId), byInstance.get(tenant.instanceId), secret, ctx.config.cpUrl.value));
  const account = await ctx.aws.callerIdentity().then((id) => id.account, () => null);
  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    kind: 'molectl-cp-secret-plan',
    createdAt: ctx.clock.now().toISOString(),
    environment: { name: environment.name, cpUrl: ctx.config.cpUrl.value, region: await ctx.aws.resolvedRegion(), account },
    secret,
    tenantCpUrl: ctx.config.cpUrl.value,
    containerName: environment.containerName,
    targets,
    mismatches: {
      instanceWithoutOrg: join.instanceWithoutOrg,
      orgWithoutInstance: join.orgWithoutInstance.filter((o) => !options.orgs || options.orgs.includes(o.slug)),
      duplicateInstances: join.duplicateInstances,
    },
    summary: summarizeTargets(targets),
  };
}

/** Reads the current value once, registers it, and keeps only what identifies it. */
export async function pinSecret(ctx: Context, secretId: string | undefined, versionId?: string): Promise<PinnedSecret> {
  if (!secretId) {
    throw new ConfigError(`environment "${ctx.config.environment.name}" has no ${CP_SHARED_SECRET_NAME} secret configured`, 'set secrets.cp-shared-secret.secretId in the config file, or pass --secret-id');
  }
  const secret = await ctx.aws.getSecretValue(secretId, versionId ? { versionId } : {}).catch((error: unknown) => {
    if (error instanceof NotFoundError) {
      throw new ConfigError(
        `secret ${secretId} does not exist in Secrets Manager`,
        `create it with the CP's PROVISION_SHARED_SECRET as its value: molectl secrets put ${CP_SHARED_SECRET_NAME} --value-file <file> (or aws secretsmanager create-secret --name ${secretId})`,
      );
    }
    throw error;
  });
  return {
    secretId,
    arn: secret.arn,
    versionId: secret.versionId,
    fingerprint: fingerprintOf(secret.value),
    length: Buffer.byteLength(secret.value),
  };
}

export async function discoverTenants(ctx: Context): Promise<TenantJoin> {
  const environment = ctx.config.environment;
  const [instances, page] = await Promise.all([
    ctx.aws.listInstances({ tags: environment.tenantFilter.tags, states: ['running'] }),
    ctx.cp.listOrgs({ limit: ORG_LIST_LIMIT }),
  ]);
  const orgs = page.length < ORG_LIST_LIMIT ? page : [...page, ...(await confirmUnlistedOrgs(ctx, instances, page))];
  return joinTenants({ instances, orgs, slugTagKey: environment.orgSlugTagKey, orgIdTagKey: environment.orgIdTagKey });
}

/**
 * The CP lists one page of orgs. When the page is full, absence from it proves nothing, so each
 * tenant instance whose slug is not on the page is confirmed through the CP's per-org route (a
 * 404 there: no such org). Without this, a fleet larger than a page would silently lose its
 * tail: the instances would read as "without org" and never be migrated.
 */
async function confirmUnlistedOrgs(ctx: Context, instances: InstanceSummary[], page: OrgRow[]): Promise<OrgRow[]> {
  const { orgSlugTagKey, orgIdTagKey } = ctx.config.environment;
  const listed = new Set(page.map((o) => o.slug));
  const unlisted = [...new Set(instances.map((i) => i.tags[orgSlugTagKey]).filter((slug): slug is string => !!slug && !listed.has(slug)))];
  if (unlisted.length === 0) return [];
  const step = ctx.out.step(`the CP listed a full page of ${page.length} orgs; confirming ${unlisted.length} more one by one`);
  const idBySlug = new Map(instances.map((i) => [i.tags[orgSlugTagKey], i.tags[orgIdTagKey]]));
  const confirmed: OrgRow[] = [];
  for (let i = 0; i < unlisted.length; i += 20) {
    await Promise.all(
      unlisted.slice(i, i + 20).map(async (slug) => {
        const found = await lookupOrg(ctx.cp, slug, page);
        if (found.found) confirmed.push({ id: idBySlug.get(slug) ?? '', slug, instance_status: 'running', created_at: '' });
      }),
    );
    step.update(`confirming unlisted orgs: ${Math.min(i + 20, unlisted.length)}/${unlisted.length}`);
  }
  step.succeed(`confirmed ${confirmed.length} of ${unlisted.length} orgs beyond the CP's first page`);
  return confirmed;
}

function filterOrgs(tenants: Tenant[], orgs: string[] | undefined): Tenant[] {
  if (!orgs) return tenants;
  const known = new Set(tenants.map((t) => t.slug));
  const unknown = orgs.filter((slug) => !known.has(slug));
  if (unknown.length) {
    throw new NotFoundError(`no running tenant for org${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`, 'run `molectl migrate cp-secret plan` without --orgs to see the fleet, or `molectl org show <slug>`');
  }
  return tenants.filter((t) => orgs.includes(t.slug));
}

function buildTarget(
  tenant: Tenant,
  managed: ManagedInstance | undefined,
  probe: { status: string; stdout: string } | undefined,
  secret: PinnedSecret,
  cpUrl: string,
): PlanTarget {
  const result = probe ? parseScriptResult(probe.stdout) : null;
  const classification = classifyTenant({ managed, probeStatus: probe?.status, result, expectedFingerprint: secret.fingerprint, cpUrl });
  return {
    slug: tenant.slug,
    orgId: tenant.orgId,
    instanceId: tenant.instanceId,
    class: classification.class,
    reason: classification.reason,
    fingerprint: result?.fingerprint || null,
    durable: Boolean(result?.fingerprint && isDurable(result, result.fingerprint)),
    updater: result?.updater ?? null,
    pingStatus: managed?.pingStatus ?? null,
    agentVersion: managed?.agentVersion ?? null,
  };
}
