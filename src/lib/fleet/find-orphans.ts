import type { AwsApi, InstanceSummary } from '../aws/aws-types.js';
import type { CpClient } from '../cp/cp-client.js';
import { NotFoundError, UsageError } from '../errors.js';
import { ORG_LIST_LIMIT } from './lookup-org.js';
import { classifyOrphans, commonFilterTags, type KnownOrgs, type OrphanKeys, type OrphanReport } from './classify-orphans.js';

/** Every state an instance can cost money in. */
const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

/**
 * Reads both sides (EC2 by the environment's tags, the CP's org list) and classifies. Read
 * only. When the CP's list is one full page, a slug missing from it is confirmed one by one on
 * the edge route (404 = gone) before its instances are called orphans.
 */
export async function findOrphans(deps: { cp: Pick<CpClient, 'listOrgs' | 'getOrgInstance'>; aws: Pick<AwsApi, 'listInstances'>; keys: OrphanKeys; now: Date }): Promise<OrphanReport> {
  const [instances, rows] = await Promise.all([listManagedInstances(deps.aws, deps.keys), deps.cp.listOrgs({ limit: ORG_LIST_LIMIT })]);
  const known: KnownOrgs = new Map(rows.map((r) => [r.slug, r.id]));
  const listComplete = rows.length < ORG_LIST_LIMIT;
  if (!listComplete) {
    const unlisted = new Set(instances.map((i) => i.tags[deps.keys.orgSlugTagKey]).filter((s): s is string => s !== undefined && !known.has(s)));
    for (const slug of unlisted) if (await orgExists(deps.cp, slug)) known.set(slug, null);
  }
  return classifyOrphans({ instances, known, listComplete, keys: deps.keys, now: deps.now });
}

async function listManagedInstances(aws: Pick<AwsApi, 'listInstances'>, keys: OrphanKeys): Promise<InstanceSummary[]> {
  const common = commonFilterTags(keys);
  const filters = Object.keys(common).length > 0 ? [common] : [keys.tenantFilter.tags, keys.workspaceFilter.tags];
  const byId = new Map<string, InstanceSummary>();
  for (const tags of filters) for (const i of await aws.listInstances({ tags, states: LIVE_STATES })) byId.set(i.instanceId, i);
  return [...byId.values()];
}

async function orgExists(cp: Pick<CpClient, 'getOrgInstance'>, slug: string): Promise<boolean> {
  try {
    await cp.getOrgInstance(slug);
    return true;
  } catch (error) {
    // A tag value no CP route could name (UsageError) cannot be an org's slug either.
    if (error instanceof NotFoundError || error instanceof UsageError) return false;
    throw error;
  }
}
