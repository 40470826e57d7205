import { setTimeout as sleep } from 'node:timers/promises';
import { readTenantContainer } from '../hosts/tenant-container.js';
import type { SimInstance, SimOrg } from '../state.js';
import { hostMatches } from '../state.js';
import type { CpRuntime } from './cp-runtime.js';

/**
 * POST /cp/admin/tenants/redeploy-fleet: the CP's own fleet redeploy. On each tenant it runs the
 * host's auto-updater with the target tag (the real CP uses SSM Run Command), which recreates the
 * container from the ORIGINAL user-data env: this is the path that silently undoes a migration
 * that was not made durable. Canary first, then batches, aborting on the first failure.
 */

export interface RedeployRequest {
  targetTag: string;
  canarySlug: string | null;
  soakSeconds: number;
  batchSize: number;
  dryRun: boolean;
}

export interface RedeployResult {
  slug: string;
  phase: string;
  ssm_status: string;
  ssm_exit_code: number;
  healthz_ok: boolean;
  error: string;
}

export async function runRedeployFleet(
  runtime: CpRuntime,
  req: RedeployRequest,
): Promise<{ ok: boolean; results: RedeployResult[] }> {
  const { state } = runtime;
  const targets: { org: SimOrg; instance: SimInstance }[] = [];
  for (const org of state.orgs.values()) {
    const instance = org.tenantInstanceId ? state.instances.get(org.tenantInstanceId) : undefined;
    if (org.instanceStatus === 'running' && instance?.state === 'running') targets.push({ org, instance });
  }
  const canaryIndex = req.canarySlug ? targets.findIndex((t) => t.org.slug === req.canarySlug) : -1;
  if (canaryIndex > 0) targets.unshift(...targets.splice(canaryIndex, 1));

  const results: RedeployResult[] = [];
  if (req.dryRun) {
    targets.forEach((t, i) => results.push(planned(t.org.slug, phaseOf(i, canaryIndex >= 0, req.batchSize))));
    return { ok: true, results };
  }

  const hasCanary = canaryIndex >= 0;
  const batches: (typeof targets)[] = [];
  const rest = hasCanary ? targets.slice(1) : targets;
  if (hasCanary && targets[0]) batches.push([targets[0]]);
  for (let i = 0; i < rest.length; i += req.batchSize) batches.push(rest.slice(i, i + req.batchSize));

  let aborted = false;
  for (const [index, batch] of batches.entries()) {
    const phase = hasCanary && index === 0 ? 'canary' : `batch-${hasCanary ? index : index + 1}`;
    if (aborted) {
      for (const t of batch)
        results.push({
          ...planned(t.org.slug, phase),
          ssm_status: 'Skipped',
          error: 'aborted after an earlier failure',
        });
      continue;
    }
    const batchResults = await Promise.all(
      batch.map((t) => redeployOne(runtime, t.instance, t.org.slug, phase, req.targetTag)),
    );
    results.push(...batchResults);
    if (batchResults.some((r) => r.error !== '')) aborted = true;
    else if (req.soakSeconds > 0 && state.speed === 'realistic') await sleep(Math.min(req.soakSeconds, 30) * 1000);
  }
  return { ok: !aborted, results };
}

async function redeployOne(
  runtime: CpRuntime,
  instance: SimInstance,
  slug: string,
  phase: string,
  tag: string,
): Promise<RedeployResult> {
  if (hostMatches(instance, runtime.state.faults.offlineHosts)) {
    return {
      slug,
      phase,
      ssm_status: 'Undeliverable',
      ssm_exit_code: -1,
      healthz_ok: false,
      error: 'ssm agent offline',
    };
  }
  const run = await runtime.hosts.runAutoUpdater(instance, { tag });
  const healthy = readTenantContainer(runtime.state, instance)?.running === true;
  const status = run.timedOut ? 'TimedOut' : run.exitCode === 0 ? 'Success' : 'Failed';
  const error = run.exitCode !== 0 ? `updater exited ${run.exitCode}` : healthy ? '' : 'healthz failed';
  return { slug, phase, ssm_status: status, ssm_exit_code: run.exitCode, healthz_ok: healthy, error };
}

function planned(slug: string, phase: string): RedeployResult {
  return { slug, phase, ssm_status: 'Planned', ssm_exit_code: -1, healthz_ok: false, error: '' };
}

function phaseOf(index: number, hasCanary: boolean, batchSize: number): string {
  if (hasCanary && index === 0) return 'canary';
  const i = hasCanary ? index - 1 : index;
  return `batch-${Math.floor(i / batchSize) + 1}`;
}
