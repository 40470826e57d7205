import type { SandboxState } from '../state.js';
import { readTenantContainer } from '../hosts/tenant-container.js';
import { checkTenantCredentials } from './tenant-auth.js';

/**
 * Sandbox-only operations with no HTTP route: they model what happens outside molectl's reach,
 * so tests can set up and observe it.
 */

/**
 * The historic raw-SQL delete: the org's row disappears from the CP while its EC2 instances keep
 * running and its secret stays (no cascade, no audit trail). What orphan detection must find.
 */
export function simulateRawSqlDelete(state: SandboxState, slug: string): boolean {
  return state.orgs.delete(slug);
}

/**
 * The HTTP status the CP answers when the tenant's container calls POST /cp/workspaces/provision
 * with the MOLECULE_CP_SHARED_SECRET and ADMIN_TOKEN of its CURRENT env: 201 for a migrated
 * tenant, 401 for one lacking (or holding a stale) secret, 404 when the CP's routes are
 * unmounted, and 0 when no call can be made (no such tenant, or its container is not running).
 */
export async function simulateTenantProvisionCall(state: SandboxState, slug: string): Promise<number> {
  const org = state.orgs.get(slug);
  const instance = org?.tenantInstanceId ? state.instances.get(org.tenantInstanceId) : undefined;
  if (!org || !instance || instance.state !== 'running') return 0;
  const container = readTenantContainer(state, instance);
  if (!container?.running) return 0;
  if (state.faults.flags['provisionRoutesUnmounted']) return 404;
  const ok = checkTenantCredentials(state, {
    bearer: container.env['MOLECULE_CP_SHARED_SECRET'] ?? null,
    adminToken: container.env['ADMIN_TOKEN'] ?? null,
    orgId: container.env['ORG_ID'] ?? null,
  });
  return ok ? 201 : 401;
}
