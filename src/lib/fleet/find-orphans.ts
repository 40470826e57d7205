import type { AwsApi, InstanceSummary } from '../aws/aws-types.js';
import type { OrgPage } from '../cp/read-org-answers.js';
import { classifyOrphans, commonFilterTags, type OrphanKeys, type OrphanReport } from './classify-orphans.js';
import { OrgDirectory, type OrgDirectoryCp } from './org-directory.js';

/** Every state an instance can cost money in. */
const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

/**
 * Reads both sides (EC2 by the environment's tags, the CP's org list) and classifies. Read
 * only. Every slug the instances name that the list page does not hold is confirmed one by one
 * with the CP (OrgDirectory) before its instances can be called orphans: a CP may cap or
 * ignore the page size, and a live tenant must never be reported for termination.
 */
export async function findOrphans(deps: {
  cp: OrgDirectoryCp;
  aws: Pick<AwsApi, 'listInstances'>;
  keys: OrphanKeys;
  now: Date;
  onProgress?: (done: number, total: number) => void;
}): Promise<OrphanReport & { unreadableRows: OrgPage['unreadable'] }> {
  const [instances, directory] = await Promise.all([
    listManagedInstances(deps.aws, deps.keys),
    OrgDirectory.read(deps.cp),
  ]);
  const slugs = instances.map((i) => i.tags[deps.keys.orgSlugTagKey]).filter((s): s is string => s !== undefined);
  const lookups = await directory.lookupMany(slugs, deps.onProgress);
  const listedIds = new Set(directory.rows.map((r) => r.id));
  return {
    ...classifyOrphans({ instances, lookups, listedIds, keys: deps.keys, now: deps.now }),
    unreadableRows: directory.page.unreadable,
  };
}

async function listManagedInstances(aws: Pick<AwsApi, 'listInstances'>, keys: OrphanKeys): Promise<InstanceSummary[]> {
  const common = commonFilterTags(keys);
  const filters = Object.keys(common).length > 0 ? [common] : [keys.tenantFilter.tags, keys.workspaceFilter.tags];
  const byId = new Map<string, InstanceSummary>();
  for (const tags of filters)
    for (const i of await aws.listInstances({ tags, states: LIVE_STATES })) byId.set(i.instanceId, i);
  return [...byId.values()];
}
