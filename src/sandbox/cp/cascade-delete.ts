import { terminateInstances } from '../aws/ec2-instances.js';
import { deleteSecret } from '../aws/secrets-store.js';
import { generateUuid } from '../aws/seeded-random.js';
import { CASCADE_STEPS, type CascadeStep } from '../faults-spec.js';
import type { SandboxState, SimInstance, SimOrg } from '../state.js';
import { SANDBOX_TAGS } from '../state.js';

/**
 * The CP's tenant delete: named steps run in order; finished steps are kept on the org row
 * (org.purge), so a repeated DELETE resumes after the last finished one, as the real cascade
 * does. faults.cascadeFailAfterStep fails it once after the named step (500 + purge_id);
 * faults.leakOnDelete leaves one workspace instance running, like the real best-effort steps.
 */

export type CascadeOutcome =
  | { ok: true; purgeId: string; steps: { step: CascadeStep; status: 'done' | 'already-done' }[] }
  | { ok: false; purgeId: string; failedStep: CascadeStep; error: string };

/** Orgs whose injected cascade failure has already fired (it fires once per org row). */
const faultFired = new WeakSet<SimOrg>();

export function runCascadeDelete(state: SandboxState, org: SimOrg): CascadeOutcome {
  org.purge ??= { purgeId: generateUuid(state), stepsDone: [] };
  const purge = org.purge;
  const steps: { step: CascadeStep; status: 'done' | 'already-done' }[] = [];
  const failAfter = state.faults.cascadeFailAfterStep[org.slug];
  for (const step of CASCADE_STEPS) {
    if (purge.stepsDone.includes(step)) {
      steps.push({ step, status: 'already-done' });
      continue;
    }
    runStep(state, org, step);
    purge.stepsDone.push(step);
    steps.push({ step, status: 'done' });
    const next = CASCADE_STEPS[CASCADE_STEPS.indexOf(step) + 1];
    if (failAfter === step && next && !faultFired.has(org)) {
      faultFired.add(org);
      return {
        ok: false,
        purgeId: purge.purgeId,
        failedStep: next,
        error: `cascade step ${next} failed: upstream timeout`,
      };
    }
  }
  return { ok: true, purgeId: purge.purgeId, steps };
}

function runStep(state: SandboxState, org: SimOrg, step: CascadeStep): void {
  switch (step) {
    case 'terminate-workspaces': {
      let ids = findOrgInstances(state, org, 'workspace').map((i) => i.instanceId);
      if (state.faults.leakOnDelete.includes(org.slug)) ids = ids.slice(0, -1);
      if (ids.length > 0) terminateInstances(state, ids);
      return;
    }
    case 'terminate-tenant': {
      const ids = findOrgInstances(state, org, 'tenant').map((i) => i.instanceId);
      if (ids.length > 0) terminateInstances(state, ids);
      return;
    }
    case 'delete-secret':
      if (state.secrets.has(org.adminTokenSecretId))
        deleteSecret(state, org.adminTokenSecretId, { forceDeleteWithoutRecovery: true });
      return;
    case 'delete-tunnel':
    case 'delete-dns':
      // Cloudflare is not simulated; the real steps are best-effort and DNS records leak.
      return;
    case 'delete-rows':
      if (state.orgs.get(org.slug) === org) state.orgs.delete(org.slug);
      return;
  }
}

/** Live (not shutting down or terminated) instances tagged with the org's id and the role. */
export function findOrgInstances(state: SandboxState, org: SimOrg, role: 'tenant' | 'workspace'): SimInstance[] {
  const out: SimInstance[] = [];
  for (const instance of state.instances.values()) {
    if (instance.state === 'terminated' || instance.state === 'shutting-down') continue;
    const tag = (key: string): string | undefined => instance.tags.find((t) => t.Key === key)?.Value;
    if (tag(SANDBOX_TAGS.orgIdKey) === org.id && tag(SANDBOX_TAGS.roleKey) === role) out.push(instance);
  }
  return out;
}
