import type { InstanceSummary, ManagedInstance, SecretDescription } from '../aws/aws-types.js';
import type { Sourced } from '../config/load-config.js';
import { describeEnvironment } from '../config/run-environment.js';
import type { Context } from '../context.js';
import type { OrgRow } from '../cp/cp-schemas.js';
import { ConfigError, MolectlError, NotFoundError } from '../errors.js';
import { AWSCURRENT } from '../aws/secret-stages.js';
import { joinTenants, type Tenant, type TenantJoin } from '../fleet/join-tenants.js';
import { ORG_LIST_LIMIT, OrgDirectory, warnUnreadableRows } from '../fleet/org-directory.js';
import { fingerprintOf } from '../output/fingerprint.js';
import { runShellScript } from '../ssm/run-shell-script.js';
import { classifyTenant, isDurable } from './classify-tenant.js';
import {
  summarizeTargets,
  PLAN_KIND,
  PLAN_SCHEMA_VERSION,
  type MigrationPlan,
  type PinnedSecret,
  type PlanTarget,
} from '../tenant-secret-delivery/migration-plan.js';
import { parseScriptResult } from '../tenant-secret-delivery/parse-script-result.js';
import { PROBE_TIMEOUT_SECONDS, renderTenantCommands } from '../tenant-secret-delivery/tenant-script.js';
import { formatCount } from '../output/format-count.js';

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
  /**
   * How many tenants the fleet had when a saved plan was made: a fleet past one page of the CP's
   * org list then gets one page that large, asked beside the EC2 listing, not a first page and,
   * once the listing has shown the fleet is larger, a second (~0.2 s at 10,000 orgs). Only a
   * hint: a fleet that grew since is widened or confirmed one by one as without it.
   */
  expectedTenants?: number;
}

export const CP_SHARED_SECRET_NAME = 'cp-shared-secret';
/**
 * The probe is read-only and light; this only keeps a large fleet's probe from all landing at
 * once. The pace of SendCommand (ssm-pacer.ts, 10/s) bounds it first: this is 5 s of it, so
 * sending never waits for probes that are already done but not yet polled.
 */
const PROBE_MAX_IN_FLIGHT = 2500;

export async function planMigration(ctx: Context, options: PlanOptions): Promise<MigrationPlan> {
  const environment = ctx.config.environment;
  const tenantCpUrl = checkTenantCpUrl(ctx.config.tenantCpUrl, environment.name);
  const step = ctx.out.step('pinning the CP shared secret');
  const secret = await pinSecret(
    ctx,
    options.secretId ?? environment.secrets[CP_SHARED_SECRET_NAME]?.secretId,
    options.versionId,
  );
  step.succeed(`pinned ${secret.secretId} version ${secret.versionId} (len=${secret.length} ${secret.fingerprint})`);

  // Asked now, answered while the fleet is discovered (it never rejects: an unknown account shows as such).
  const runEnvironment = describeEnvironment(ctx.config, ctx.aws);
  const discovered = ctx.out.step('discovering tenants');
  const instances = listTenantInstances(ctx);
  // SSM's view of the instances is asked for while the CP confirms orgs: at 10,000 tenants
  // each takes seconds, and neither needs the other.
  const managedInstances = options.skipProbe
    ? Promise.resolve([])
    : instances.then((all) =>
        ctx.aws.describeManagedInstances(
          all
            .filter((i) => !options.orgs || options.orgs.includes(i.tags[environment.orgSlugTagKey] ?? ''))
            .map((i) => i.instanceId),
        ),
      );
  managedInstances.catch(() => undefined); // awaited below; a failure is reported from there
  const join = await discoverTenants(ctx, instances, options.expectedTenants);
  const tenants = filterOrgs(join.tenants, options.orgs);
  discovered.succeed(
    `found ${formatCount(tenants.length, 'tenant')}${options.orgs ? ` (of ${join.tenants.length})` : ''}`,
  );

  const managed = new Map((await managedInstances).map((m) => [m.instanceId, m] as const));
  const online = options.skipProbe ? [] : tenants.filter((t) => managed.get(t.instanceId)?.pingStatus === 'Online');
  const probing = ctx.out.step(`probing ${formatCount(online.length, 'online tenant')}`);
  const probes = options.skipProbe
    ? []
    : await runShellScript(
        { aws: ctx.aws, clock: ctx.clock, signal: ctx.signal },
        {
          instanceIds: online.map((t) => t.instanceId),
          commands: renderTenantCommands({ mode: 'probe', containerName: environment.containerName }),
          comment: 'molectl migrate cp-secret plan: read-only probe',
          readOnly: true,
          timeoutSeconds: PROBE_TIMEOUT_SECONDS,
          maxInFlight: PROBE_MAX_IN_FLIGHT,
          previewIsComplete: (preview) => parseScriptResult(preview) !== null,
          countsAsFailed: (r) => r.status !== 'Success' || parseScriptResult(r.stdout) === null,
          onProgress: (p) => probing.update(`probing: ${p.done}/${p.total} answered, ${p.failed} failed`),
        },
      );
  const unproven = probes.filter((p) => p.status !== 'Success' || parseScriptResult(p.stdout) === null).length;
  if (options.skipProbe) probing.succeed('saved plan: hosts not probed again');
  else if (unproven > 0)
    probing.warn(`probed ${formatCount(online.length, 'tenant')}: ${unproven} gave no result (probe-failed)`);
  else probing.succeed(`probed ${formatCount(online.length, 'tenant')}`);
  const byInstance = new Map(probes.map((p) => [p.instanceId, p]));

  const targets = tenants.map((tenant) =>
    buildTarget(tenant, managed.get(tenant.instanceId), byInstance.get(tenant.instanceId), secret, tenantCpUrl),
  );
  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    kind: PLAN_KIND,
    createdAt: ctx.clock.now().toISOString(),
    // checkTenantCpUrl above vouched for its tenantCpUrl.
    environment: await runEnvironment,
    secret,
    containerName: environment.containerName,
    targets,
    mismatches: {
      instanceWithoutOrg: join.instanceWithoutOrg,
      orgWithoutInstance: join.orgWithoutInstance.filter((o) => !options.orgs || options.orgs.includes(o.slug)),
      duplicateInstances: join.duplicateInstances,
      orgUnknown: join.orgUnknown.filter((o) => !options.orgs || options.orgs.includes(o.slugTag)),
    },
    summary: summarizeTargets(targets),
  };
}

/**
 * The URL every tenant will call the CP on. Outside the sandbox it must be https and not a
 * loopback or private-looking address: a tenant pointed at 127.0.0.1 or plain http would lose
 * the CP (or leak its secret) after the migration "succeeded". Checked before anything else.
 */
export function checkTenantCpUrl(url: Sourced<string>, environmentName: string): string {
  if (environmentName === 'sandbox') return url.value;
  const parsed = new URL(url.value);
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$/i.test(parsed.hostname);
  if (parsed.protocol !== 'https:' || loopback) {
    throw new ConfigError(
      `the CP URL for tenants in environment "${environmentName}" is ${url.value} (from ${url.origin}): tenants need an https URL that is not loopback; nothing was planned`,
      `set environments.${environmentName}.tenantCpUrl in the config file (an --cp-url or MOLECTL_CP_URL override never reaches tenants)`,
    );
  }
  return url.value;
}

/** Reads the current value once, registers it, and keeps only what identifies it. */
export async function pinSecret(ctx: Context, secretId: string | undefined, versionId?: string): Promise<PinnedSecret> {
  if (!secretId) {
    throw new ConfigError(
      `environment "${ctx.config.environment.name}" has no ${CP_SHARED_SECRET_NAME} secret configured`,
      'set secrets.cp-shared-secret.secretId in the config file, or pass --secret-id',
    );
  }
  // AWSCURRENT is asked for by name, and the stages are read beside it: the plan pins a version
  // only when exactly one version claims the stage, and it is the one that was read.
  const [secret, stages] = await Promise.all([
    ctx.aws.getSecretValue(secretId, versionId ? { versionId } : { stage: AWSCURRENT }),
    versionId ? Promise.resolve(null) : ctx.aws.describeSecret(secretId).catch(() => null),
  ]).catch((error: unknown) => {
    if (error instanceof NotFoundError) {
      throw new ConfigError(
        `secret ${secretId} does not exist in Secrets Manager`,
        `create it with the CP's PROVISION_SHARED_SECRET as its value: molectl secrets put ${CP_SHARED_SECRET_NAME} --value-file <file> (or aws secretsmanager create-secret --name ${secretId})`,
      );
    }
    throw error;
  });
  if (!versionId) checkSingleCurrent(secretId, secret.versionId, stages);
  return {
    secretId,
    arn: secret.arn,
    versionId: secret.versionId,
    fingerprint: fingerprintOf(secret.value),
    length: Buffer.byteLength(secret.value),
  };
}

/** The fleet as the CP and EC2 see it together, plus the instances whose org the CP could not confirm either way. */
export interface DiscoveredFleet extends TenantJoin {
  orgUnknown: Array<{ instanceId: string; slugTag: string; reason: string }>;
}

/**
 * Exactly one version labelled AWSCURRENT, the one GetSecretValue returned. Two holders (or a
 * holder other than what was read) mean nobody can say which value tenants should get: refuse.
 */
function checkSingleCurrent(secretId: string, readVersionId: string, stages: SecretDescription | null): void {
  if (!stages) {
    throw new MolectlError(
      `could not read the version stages of ${secretId} to confirm which version is AWSCURRENT; nothing was planned`,
      {
        hint: 'molectl needs secretsmanager:DescribeSecret and secretsmanager:ListSecretVersionIds on this secret (docs/iam/)',
      },
    );
  }
  const holders = stages.versions.filter((v) => v.stages.includes(AWSCURRENT)).map((v) => v.versionId);
  if (holders.length === 1 && holders[0] === readVersionId) return;
  throw new MolectlError(
    holders.length > 1
      ? `${holders.length} versions of ${secretId} claim AWSCURRENT (${holders.join(', ')}): which value tenants should get is ambiguous; nothing was planned`
      : `the AWSCURRENT version of ${secretId} changed while it was read (read ${readVersionId}, stages say ${holders[0] ?? 'none'}); nothing was planned`,
    {
      hint: `look with \`molectl secrets status ${CP_SHARED_SECRET_NAME}\`; leave AWSCURRENT on one version (aws secretsmanager update-secret-version-stage --secret-id ${secretId} --version-stage AWSCURRENT --remove-from-version-id <id>), then plan again`,
    },
  );
}

/** The running instances the environment's tenant filter selects. */
function listTenantInstances(ctx: Context): Promise<InstanceSummary[]> {
  return ctx.aws.listInstances({ tags: ctx.config.environment.tenantFilter.tags, states: ['running'] });
}

/**
 * Slugs missing from the CP's first page past which one larger page is cheaper than confirming
 * each on its own route (one request per slug: 9,500 of them for a 10,000-tenant fleet).
 */
const CONFIRM_ONE_BY_ONE_MAX = 100;

/**
 * `instances`: the tenant instances when the caller already asked for them; `expectedOrgs`: how
 * many orgs the fleet is expected to have (see PlanOptions.expectedTenants).
 */
export async function discoverTenants(
  ctx: Context,
  instances: Promise<InstanceSummary[]> = listTenantInstances(ctx),
  expectedOrgs?: number,
): Promise<DiscoveredFleet> {
  const environment = ctx.config.environment;
  // Past one page, as large a page as widenDirectory would ask for once the listing is in.
  const limit = expectedOrgs && expectedOrgs >= ORG_LIST_LIMIT ? ORG_LIST_LIMIT + expectedOrgs : ORG_LIST_LIMIT;
  const [listed, firstPage] = await Promise.all([instances, OrgDirectory.read(ctx.cp, limit)]);
  const directory = await widenDirectory(ctx, listed, firstPage);
  warnUnreadableRows(ctx.out, directory.page);
  const unlisted = await confirmUnlistedOrgs(ctx, listed, directory);
  const unknownSlugs = new Set(unlisted.unknown.map((u) => u.slug));
  const orgUnknown = listed
    .filter((i) => unknownSlugs.has(i.tags[environment.orgSlugTagKey] ?? ''))
    .map((i) => ({
      instanceId: i.instanceId,
      slugTag: i.tags[environment.orgSlugTagKey]!,
      reason: unlisted.unknown.find((u) => u.slug === i.tags[environment.orgSlugTagKey])!.reason,
    }));
  const join = joinTenants({
    instances: listed.filter((i) => !unknownSlugs.has(i.tags[environment.orgSlugTagKey] ?? '')),
    orgs: [...directory.rows, ...unlisted.confirmed],
    slugTagKey: environment.orgSlugTagKey,
    orgIdTagKey: environment.orgIdTagKey,
  });
  return { ...join, orgUnknown };
}

/**
 * The first page is full (the CP honours `limit`) and many tenants' slugs are not on it: one
 * page as large as the fleet instead. What is still missing from it (a CP that caps pages after
 * all, orgs listed after the ones asked for) is confirmed one by one as before.
 */
async function widenDirectory(
  ctx: Context,
  instances: InstanceSummary[],
  directory: OrgDirectory,
): Promise<OrgDirectory> {
  // A CP that refused a larger page would answer the same page again: confirm one by one instead.
  if (!directory.pageFull || directory.page.limitRefused !== null) return directory;
  const slugs = new Set(instances.map((i) => i.tags[ctx.config.environment.orgSlugTagKey]).filter(Boolean));
  let unlisted = 0;
  for (const slug of slugs) if (!directory.listed(slug!)) unlisted++;
  if (unlisted <= CONFIRM_ONE_BY_ONE_MAX) return directory;
  return OrgDirectory.read(ctx.cp, directory.page.limit + slugs.size);
}

/**
 * Every tenant instance whose slug is not on the CP's list page is confirmed one by one (see
 * OrgDirectory): a page may be capped below what was asked, so absence from it proves nothing.
 * Without this, a fleet larger than a page would silently lose its tail. A confirmed org gets a
 * stand-in row whose id is the instance's OrgId tag (unconfirmed by the CP); an org the CP
 * cannot confirm either way is reported, never migrated and never called missing.
 */
async function confirmUnlistedOrgs(
  ctx: Context,
  instances: InstanceSummary[],
  directory: OrgDirectory,
): Promise<{ confirmed: OrgRow[]; unknown: Array<{ slug: string; reason: string }> }> {
  const { orgSlugTagKey, orgIdTagKey } = ctx.config.environment;
  const unlisted = [
    ...new Set(
      instances.map((i) => i.tags[orgSlugTagKey]).filter((slug): slug is string => !!slug && !directory.listed(slug)),
    ),
  ];
  if (unlisted.length === 0) return { confirmed: [], unknown: [] };
  const step = ctx.out.step(
    `the CP listed ${formatCount(directory.rows.length, 'org')}; confirming ${unlisted.length} more one by one`,
  );
  const lookups = await directory.lookupMany(unlisted, (done, total) =>
    step.update(`confirming orgs the CP did not list: ${done}/${total}`),
  );
  const idBySlug = new Map(instances.map((i) => [i.tags[orgSlugTagKey], i.tags[orgIdTagKey]]));
  const confirmed: OrgRow[] = [];
  const unknown: Array<{ slug: string; reason: string }> = [];
  for (const [slug, lookup] of lookups) {
    if (lookup.state === 'exists')
      confirmed.push({
        id: idBySlug.get(slug) ?? '',
        slug,
        instance_status: 'unlisted',
        created_at: null,
        idUnconfirmed: true,
      });
    if (lookup.state === 'unknown') unknown.push({ slug, reason: lookup.reason });
  }
  const summary = `confirmed ${confirmed.length} of ${formatCount(unlisted.length, 'org')} the CP did not list${unknown.length ? `; ${unknown.length} could not be confirmed either way` : ''}`;
  if (unknown.length) step.warn(summary);
  else step.succeed(summary);
  return { confirmed, unknown };
}

function filterOrgs(tenants: Tenant[], orgs: string[] | undefined): Tenant[] {
  if (!orgs) return tenants;
  const known = new Set(tenants.map((t) => t.slug));
  const unknown = orgs.filter((slug) => !known.has(slug));
  if (unknown.length) {
    throw new NotFoundError(
      `no running tenant for org${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
      'run `molectl migrate cp-secret plan` without --orgs to see the fleet, or `molectl org show <slug>`',
    );
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
  const classification = classifyTenant({
    managed,
    probeStatus: probe?.status,
    result,
    expectedFingerprint: secret.fingerprint,
    cpUrl,
  });
  return {
    slug: tenant.slug,
    orgId: tenant.orgId,
    ...(tenant.orgIdUnconfirmed ? { orgIdUnconfirmed: true as const } : {}),
    instanceId: tenant.instanceId,
    class: classification.class,
    reason: classification.reason,
    fingerprint: result?.fingerprint || null,
    durable: Boolean(result?.fingerprint && isDurable(result, result.fingerprint)),
    updater: result?.updater ?? null,
    // null is "not registered"; a registered agent whose status SSM did not give is said so.
    pingStatus: managed ? (managed.pingStatus ?? 'not reported') : null,
    agentVersion: managed?.agentVersion ?? null,
  };
}
