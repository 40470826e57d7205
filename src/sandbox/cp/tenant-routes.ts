import { readTenantContainer } from '../hosts/tenant-container.js';
import type { SandboxState } from '../state.js';
import { emptyResponse, goNotFound, jsonResponse, type CpRequest, type CpResponse } from './cp-http.js';
import { simulateTenantProvisionCall } from './simulate-tenant.js';
import { checkTenantCredentials, readBearer, safeEqual } from './tenant-auth.js';
import { generateUuid } from '../aws/seeded-random.js';
import { leaksInstanceToken } from '../posture-faults.js';

/**
 * Routes tenants and the edge call: /cp/workspaces/*, /cp/tenants/config, /cp/orgs/:slug/instance,
 * and the tenants' own public endpoints under /_tenants/<slug>/ (the sandbox's stand-in for
 * https://<slug>.moleculesai.app).
 */

export function handleTenantFacingRoute(state: SandboxState, req: CpRequest): CpResponse | null {
  const { method, path, headers } = req;

  if (path.startsWith('/cp/workspaces/')) {
    // Without PROVISION_SHARED_SECRET the real CP does not mount these routes at all.
    if (state.faults.flags['provisionRoutesUnmounted']) return goNotFound();
    // A CP that is up for ops but failing for tenants (a broken dependency behind these routes).
    if (state.faults.flags['tenantRoutesFail']) return jsonResponse(503, { error: 'service unavailable' });
    const creds = {
      bearer: readBearer(headers),
      adminToken: headers['x-molecule-admin-token'] ?? null,
      orgId: headers['x-molecule-org-id'] ?? null,
    };
    if (path === '/cp/workspaces/provision') {
      if (method !== 'POST') return jsonResponse(405, { error: 'method not allowed' });
      if (!checkTenantCredentials(state, creds)) return jsonResponse(401, { error: 'unauthorized' });
      // No workspace is launched: the route exists to prove credentials, not to grow the fleet.
      return jsonResponse(201, { workspace_id: generateUuid(state), state: 'provisioning' });
    }
    const status = /^\/cp\/workspaces\/([^/]+)\/status$/.exec(path);
    if (status && method === 'GET') {
      if (!checkTenantCredentials(state, creds)) return jsonResponse(401, { error: 'unauthorized' });
      const instance = state.instances.get(req.query.get('instance_id') ?? '');
      if (!instance) return jsonResponse(404, { error: 'instance not found' });
      return jsonResponse(200, { state: instance.state });
    }
    return goNotFound();
  }

  if (path === '/cp/tenants/config' && method === 'GET') {
    const org = [...state.orgs.values()].find((o) => o.id === headers['x-molecule-org-id']);
    if (!org || !safeEqual(readBearer(headers), org.adminToken)) return jsonResponse(401, { error: 'unauthorized' });
    const config: Record<string, string> = {
      ORG_ID: org.id,
      ORG_SLUG: org.slug,
      MOLECULE_CP_URL: state.url,
      PLATFORM_ENV: 'production',
      PUBLIC_URL: `https://${org.slug}.moleculesai.app`,
    };
    // Whether the real CP hands out the shared secret here is unknown; a flag rehearses both.
    if (state.faults.flags['configReturnsSharedSecret'])
      config['MOLECULE_CP_SHARED_SECRET'] = state.provisionSharedSecret;
    return jsonResponse(200, config);
  }

  const inst = /^\/cp\/orgs\/([^/]+)\/instance$/.exec(path);
  if (inst && method === 'GET' && state.faults.flags['instanceRouteFails'])
    return jsonResponse(503, { error: 'service unavailable' });
  // Something in front of the CP (or a CP that moved the view) answering 200 with an empty object.
  if (inst && method === 'GET' && state.faults.flags['instanceRouteEmpty']) return jsonResponse(200, {});
  if (inst && method === 'GET') {
    const org = state.orgs.get(decodeURIComponent(inst[1] ?? ''));
    if (!org) return jsonResponse(404, { error: 'org not found' });
    // A CP whose edge view serves only orgs with a routable instance: 404 until running.
    if (state.faults.flags['instanceRouteRunningOnly'] && org.instanceStatus !== 'running')
      return jsonResponse(404, { error: 'no instance for org' });
    const instance = org.tenantInstanceId ? state.instances.get(org.tenantInstanceId) : undefined;
    const body: Record<string, string> = {
      slug: org.slug,
      status: org.instanceStatus,
      ip: instance?.privateIp ?? '',
      region: state.region,
    };
    // The past leak, reproducible on demand so that molectl's check can be seen to catch it.
    if (leaksInstanceToken(state.faults, org.slug)) body['admin_token'] = org.adminToken;
    return jsonResponse(200, body);
  }

  return null;
}

/** /_tenants/<slug>/...: the tenant platform's public API, answered from its container's state. */
export async function handleTenantPublicRoute(state: SandboxState, req: CpRequest): Promise<CpResponse> {
  const m = /^\/_tenants\/([^/]+)(\/.*)?$/.exec(req.path);
  const org = m ? state.orgs.get(decodeURIComponent(m[1] ?? '')) : undefined;
  if (!m || !org) return jsonResponse(404, { error: 'no such tenant' });
  // A tenant the CP reports running whose container has not come up yet (production: up to 15
  // minutes after running): the edge answers 502. flag=healthDown:<slug>.
  if (state.faults.flags['healthDown'] === org.slug) return jsonResponse(502, { error: 'bad gateway' });
  const instance = org.tenantInstanceId ? state.instances.get(org.tenantInstanceId) : undefined;
  const container = instance?.state === 'running' ? readTenantContainer(state, instance) : null;
  // The edge answers 502 when the tunnel's origin (the container) is down.
  if (!container?.running) return jsonResponse(502, { error: 'bad gateway' });
  const sub = m[2] ?? '/';
  if (sub === '/health' && req.method === 'GET') return jsonResponse(200, { status: 'ok' });
  if (req.headers['x-molecule-org-id'] !== container.env['ORG_ID']) return emptyResponse(404);
  if (sub === '/admin/liveness' && req.method === 'GET') {
    if (!safeEqual(readBearer(req.headers), container.env['ADMIN_TOKEN'] ?? ''))
      return jsonResponse(401, { error: 'admin auth required' });
    const cp = await simulateTenantProvisionCall(state, org.slug);
    return jsonResponse(200, {
      subsystems: { db: 'ok', scheduler: 'ok', cp: cp === 201 ? 'ok' : `error: provision returned ${cp}` },
    });
  }
  return emptyResponse(404);
}
