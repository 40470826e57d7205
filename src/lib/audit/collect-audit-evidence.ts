import type { InstanceSummary, ManagedInstance, SecurityGroupSummary } from '../aws/aws-types.js';
import type { Context } from '../context.js';
import type { OrgRow } from '../cp/cp-schemas.js';
import { CP_SHARED_SECRET_NAME, pinSecret } from '../cp-secret-migration/plan-migration.js';
import { ExitCode, isMolectlError, NotFoundError } from '../errors.js';
import { roleOf, type OrphanReport } from '../fleet/classify-orphans.js';
import { findOrphans } from '../fleet/find-orphans.js';
import { warnRefusedLimit, warnUnreadableRows } from '../fleet/org-directory.js';
import { createAuditOrgDoor, readOrgCoverage } from './read-audit-orgs.js';
import type { Step } from '../output/output.js';
import { runShellScript, type InstanceScriptResult } from '../ssm/run-shell-script.js';
import { isAuditPreviewComplete, renderAuditProbeCommands } from './audit-probe.js';
import { neededSources, type AuditSettings } from './audit-settings.js';
import { mapBounded } from './map-bounded.js';
import { PROBE_TIMEOUT_SECONDS } from '../tenant-secret-delivery/tenant-script.js';
import { formatCount } from '../output/format-count.js';

/**
 * The audit's reads, and nothing else: it changes nothing anywhere. Calls grow with pages and
 * batches, not with instances, wherever AWS allows: DescribeInstances and DescribeSecurityGroups
 * by page, DescribeInstanceInformation by 50 ids, one SSM command per 50 tenants. The reads AWS
 * and the CP only offer per instance (GetConsoleOutput, the edge's /instance answer) run at most
 * CONSOLE_CONCURRENCY and CP_CONCURRENCY at a time. A source that fails makes its checks unknown;
 * only the inventory (the CP's orgs, the managed instances) is needed for anything at all.
 */

export type Unavailable = { unavailable: string };

export interface AuditEvidence {
  region: string;
  /** CP-managed instances in scope, every live state. */
  instances: InstanceSummary[];
  /** The CP's orgs in scope (the listed page). */
  orgs: OrgRow[];
  /** Every org in scope the CP knows: the listed page plus slugs its edge route confirmed beyond it. */
  orgSlugs: string[];
  orphans: OrphanReport;
  /** Running tenant instances of live orgs: what the host checks probe. */
  tenants: InstanceSummary[];
  managed: Map<string, ManagedInstance> | Unavailable;
  probes: Map<string, InstanceScriptResult>;
  probeFailure: string | null;
  expected: { fingerprint: string } | Unavailable;
  groups: Map<string, SecurityGroupSummary> | Unavailable;
  consoles: Map<string, { text: string; truncated: boolean } | Unavailable>;
  answers: Map<string, { body: unknown } | Unavailable>;
  /** Orgs in scope the CP knows without a readable listed row: why their status is unknown. */
  unlisted: Map<string, string>;
  /** Why orgs beyond what was read may exist (whole-fleet audits only), or null. */
  orgListGap: string | null;
}

export const CONSOLE_CONCURRENCY = 16;
export const CP_CONCURRENCY = 8;
const PROBE_MAX_IN_FLIGHT = 200;

export async function collectAuditEvidence(ctx: Context, settings: AuditSettings): Promise<AuditEvidence> {
  const keys = ctx.config.environment;
  const needs = neededSources(settings.checks);
  const inventory = ctx.out.step("reading the CP's orgs and the CP-managed instances");
  const seenInstances = new Map<string, InstanceSummary>();
  const orgDoor = createAuditOrgDoor(ctx.cp);
  const { cp, answers } = orgDoor;
  // findOrphans is the one reading of both sides: its calls are recorded here and reused, so the
  // audit's orphan verdicts are exactly `fleet orphans`' and no listing is made twice.
  const orphans = await findOrphans({
    cp,
    aws: {
      listInstances: async (query) => {
        const rows = await ctx.aws.listInstances(query);
        for (const row of rows) seenInstances.set(row.instanceId, row);
        return rows;
      },
    },
    keys,
    now: ctx.clock.now(),
    onProgress: (done, total) => inventory.update(`confirming the instances' orgs with the CP: ${done}/${total}`),
  }).catch((error: unknown) => {
    inventory.fail('could not read the fleet');
    throw error;
  });
  const page = orgDoor.page();
  warnRefusedLimit(ctx.out, page);
  warnUnreadableRows(ctx.out, { unreadable: orphans.unreadableRows });
  const region = await ctx.aws.resolvedRegion();
  const inScope = (slug: string | undefined): boolean =>
    settings.orgs === null || (slug !== undefined && settings.orgs.includes(slug));
  const instances = [...seenInstances.values()].filter((i) => inScope(i.tags[keys.orgSlugTagKey]));
  const orgs = page.rows.filter((o) => inScope(o.slug));
  const coverage = await readOrgCoverage({
    cp,
    page,
    requested: settings.orgs,
    confirmedBySlug: orgDoor.confirmedBySlug,
    instanceSlugs: new Set(instances.map((i) => i.tags[keys.orgSlugTagKey]).filter((s) => s !== undefined)),
  });
  if (coverage.gap !== null) ctx.out.warn(`${coverage.gap}: orgs beyond what was read are not audited (unknown)`);
  const orgSlugs = [
    ...new Set([
      ...orgs.map((o) => o.slug),
      ...[...answers.keys()].filter((slug) => inScope(slug)),
      ...coverage.unlisted.keys(),
    ]),
  ];
  const inScopeIds = new Set(instances.map((i) => i.instanceId));
  const scoped = <T extends { instanceId: string }>(rows: T[]): T[] => rows.filter((r) => inScopeIds.has(r.instanceId));
  const scopedOrphans: OrphanReport = {
    orphans: scoped(orphans.orphans),
    unattributed: scoped(orphans.unattributed),
    unconfirmed: scoped(orphans.unconfirmed),
    idUnconfirmed: scoped(orphans.idUnconfirmed),
    scanned: instances.length,
  };
  const orphanIds = new Set(scopedOrphans.orphans.map((o) => o.instanceId));
  const tenants = instances.filter(
    (i) =>
      i.state === 'running' &&
      !orphanIds.has(i.instanceId) &&
      i.tags[keys.orgSlugTagKey] !== undefined &&
      roleOf(i.tags, keys) === 'tenant',
  );
  inventory.succeed(
    `${formatCount(instances.length, 'managed instance')}, ${formatCount(tenants.length, 'running tenant')}, ${formatCount(orgSlugs.length, 'org')} on the CP`,
  );

  const progress = createProgress(ctx.out.step('auditing'));
  const managedRead = needs.managed
    ? settle(
        ctx,
        ctx.aws
          .describeManagedInstances(tenants.map((t) => t.instanceId))
          .then((rows) => new Map(rows.map((m) => [m.instanceId, m]))),
      )
    : emptyMap<ManagedInstance>();
  // The probe is dispatched as soon as SSM says who is online: hosts work while consoles are read.
  const probeRun = managedRead.then((managed) =>
    needs.probe && managed instanceof Map
      ? probeTenants(ctx, tenants, managed, progress)
      : { probes: new Map<string, InstanceScriptResult>(), probeFailure: null },
  );
  const [managed, { probes, probeFailure }, expected, groups, consoles] = await Promise.all([
    managedRead,
    probeRun,
    needs.secret
      ? settle(
          ctx,
          pinSecret(ctx, keys.secrets[CP_SHARED_SECRET_NAME]?.secretId).then((s) => ({ fingerprint: s.fingerprint })),
        )
      : Promise.resolve({ unavailable: 'not needed' } as Unavailable),
    needs.groups
      ? settle(
          ctx,
          ctx.aws
            .describeSecurityGroups(instances.flatMap((i) => i.securityGroupIds ?? []))
            .then((rows) => new Map(rows.map((g) => [g.groupId, g]))),
        )
      : emptyMap<SecurityGroupSummary>(),
    needs.consoles ? readConsoles(ctx, instances, progress) : Promise.resolve(new Map()),
    needs.answers
      ? readInstanceAnswers(
          ctx,
          orgSlugs.filter((slug) => !answers.has(slug)),
          { answers, statusOf: new Map(orgs.map((o) => [o.slug, o.instance_status])) },
          progress,
        )
      : Promise.resolve(),
  ]);
  progress.done();
  return {
    region,
    instances,
    orgs,
    orgSlugs,
    orphans: scopedOrphans,
    tenants,
    managed,
    probes,
    probeFailure,
    expected,
    groups,
    consoles,
    answers,
    unlisted: coverage.unlisted,
    orgListGap: coverage.gap,
  };
}

async function probeTenants(
  ctx: Context,
  tenants: InstanceSummary[],
  managed: Map<string, ManagedInstance>,
  progress: Progress,
): Promise<{ probes: Map<string, InstanceScriptResult>; probeFailure: string | null }> {
  const online = tenants.filter((t) => managed.get(t.instanceId)?.pingStatus === 'Online').map((t) => t.instanceId);
  progress.set('probe', 0, online.length);
  try {
    const results = await runShellScript(
      { aws: ctx.aws, clock: ctx.clock, signal: ctx.signal },
      {
        instanceIds: online,
        commands: renderAuditProbeCommands(ctx.config.environment.containerName),
        comment: 'molectl fleet audit: read-only probe',
        timeoutSeconds: PROBE_TIMEOUT_SECONDS,
        maxInFlight: PROBE_MAX_IN_FLIGHT,
        previewIsComplete: isAuditPreviewComplete,
        onProgress: (p) => progress.set('probe', p.done, p.total),
      },
    );
    return { probes: new Map(results.map((r) => [r.instanceId, r])), probeFailure: null };
  } catch (error) {
    rethrowInterrupt(ctx, error);
    return { probes: new Map(), probeFailure: describeError(error) };
  }
}

async function readConsoles(
  ctx: Context,
  instances: InstanceSummary[],
  progress: Progress,
): Promise<AuditEvidence['consoles']> {
  let done = 0;
  progress.set('consoles', 0, instances.length);
  const reads = await mapBounded(instances, CONSOLE_CONCURRENCY, async (instance) => {
    const read = await settle(
      ctx,
      ctx.aws.getConsoleOutput(instance.instanceId).then((c) => ({ text: c.text, truncated: c.truncated })),
    );
    progress.set('consoles', ++done, instances.length);
    return [instance.instanceId, read] as const;
  });
  return new Map(reads);
}

/**
 * The edge's /instance answer per org. A CP may answer 404 there for an org it lists that has no
 * routable instance (provisioning, failed): that is said as such, not as "not found on the CP".
 */
async function readInstanceAnswers(
  ctx: Context,
  slugs: string[],
  into: { answers: AuditEvidence['answers']; statusOf: ReadonlyMap<string, string> },
  progress: Progress,
): Promise<void> {
  let done = 0;
  progress.set('cp', 0, slugs.length);
  await mapBounded(slugs, CP_CONCURRENCY, async (slug) => {
    const status = into.statusOf.get(slug);
    const read = ctx.cp.getOrgInstance(slug).then(
      (answer) => ({ body: answer.instance as unknown }),
      (error: unknown) => {
        if (!(error instanceof NotFoundError) || status === undefined) throw error;
        return {
          unavailable: `the CP lists it (instance_status ${status}), but its edge route answers 404 (no routable instance): there is no public answer to judge`,
        };
      },
    );
    into.answers.set(slug, await settle(ctx, read));
    progress.set('cp', ++done, slugs.length);
  });
}

/** A failed read becomes the reason its checks are unknown; Ctrl-C still ends the run. */
async function settle<T>(ctx: Context, promise: Promise<T>): Promise<T | Unavailable> {
  try {
    return await promise;
  } catch (error) {
    rethrowInterrupt(ctx, error);
    return { unavailable: describeError(error) };
  }
}

function rethrowInterrupt(ctx: Context, error: unknown): void {
  if (ctx.signal.aborted || (isMolectlError(error) && error.code === ExitCode.interrupted)) throw error;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : 'the read failed';
}

function emptyMap<T>(): Promise<Map<string, T>> {
  return Promise.resolve(new Map<string, T>());
}

interface Progress {
  set(part: 'probe' | 'consoles' | 'cp', done: number, total: number): void;
  done(): void;
}

/** One progress line for the reads that run side by side (one spinner at a time on a terminal). */
function createProgress(step: Step): Progress {
  const parts = new Map<string, string>();
  return {
    set(part, done, total) {
      parts.set(part, `${part} ${done}/${total}`);
      step.update(`auditing: ${[...parts.values()].join(', ')}`);
    },
    done() {
      step.succeed(`read ${[...parts.values()].join(', ') || 'the inventory only'}`);
    },
  };
}
