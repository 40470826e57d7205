import { createSeededRandom, type RandomSource } from '../aws/seeded-random.js';
import type { RecordedRequest, SandboxState } from '../state.js';
import { handleAdminRoute } from './admin-routes.js';
import type { CpRuntime } from './cp-runtime.js';
import { jsonResponse, type CpRequest, type CpResponse } from './cp-http.js';
import { readBearer, safeEqual } from './tenant-auth.js';
import { handleTenantFacingRoute, handleTenantPublicRoute } from './tenant-routes.js';

/**
 * The simulated control plane: every route of the CP table in ../shared/platform.md with its
 * auth, plus the tenants' public endpoints under /_tenants/<slug>/. Every request is recorded in
 * state.requests at arrival (service 'cp' or 'tenant'), its status filled in when answered.
 * faults.cpErrorRate answers CP routes with 503 from a PRNG seeded by state.seed.
 */

const cpRandoms = new WeakMap<SandboxState, RandomSource>();

export async function handleCpRequest(runtime: CpRuntime, req: CpRequest): Promise<CpResponse> {
  const { state } = runtime;
  const isTenant = req.path.startsWith('/_tenants/');
  const record: RecordedRequest = {
    at: new Date(),
    service: isTenant ? 'tenant' : 'cp',
    action: `${req.method} ${req.path}`,
    headers: req.headers,
    body: req.body,
    status: 0,
  };
  state.requests.push(record);
  const response = await answer(runtime, req, isTenant);
  record.status = response.status;
  return response;
}

async function answer(runtime: CpRuntime, req: CpRequest, isTenant: boolean): Promise<CpResponse> {
  const { state } = runtime;
  if (isTenant) return handleTenantPublicRoute(state, req);
  // A maintenance page in front of the CP: HTML, and a Retry-After far beyond any client's patience.
  const outage = state.faults.flags['cpOutage'];
  if (outage !== undefined && outage !== false)
    return {
      status: 503,
      headers: { 'content-type': 'text/html', 'retry-after': String(outage === true ? 7200 : outage) },
      body: '<html><body><h1>503 Service Unavailable</h1><p>Scheduled maintenance.</p></body></html>',
    };
  if (state.faults.cpErrorRate > 0 && drawCpRandom(state) < state.faults.cpErrorRate) {
    return jsonResponse(503, { error: 'service unavailable' });
  }
  if (req.path === '/health' && req.method === 'GET')
    return jsonResponse(200, { service: 'molecule-cp', status: 'ok' });
  const rateLimited = answerRateLimit(state, req);
  if (rateLimited) return rateLimited;
  // A proxy or a moved CP in front of the admin API: a redirect a client must not follow blindly.
  const redirectTo = state.faults.flags['cpRedirect'];
  if (typeof redirectTo === 'string' && req.path.startsWith('/cp/admin/'))
    return { status: 307, headers: { location: redirectTo }, body: '' };
  // A proxy or a login page in front of the CP: 200, but not the admin API.
  if (req.path.startsWith('/cp/admin/') && state.faults.flags['adminHtml']) {
    return {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: '<!doctype html><html><body><h1>Sign in</h1></body></html>\n',
    };
  }
  if (req.path.startsWith('/cp/admin/')) {
    // flag=adminForbidden: a CP (or the gateway in front of it) that answers 403, not 401, to a
    // missing or wrong token: the door is shut all the same.
    if (!safeEqual(readBearer(req.headers), state.cpAdminToken))
      return state.faults.flags['adminForbidden']
        ? jsonResponse(403, { error: 'forbidden' })
        : jsonResponse(401, { error: 'unauthorized' });
    return (await handleAdminRoute(runtime, req)) ?? jsonResponse(404, { error: 'not found' });
  }
  return handleTenantFacingRoute(state, req) ?? jsonResponse(404, { error: 'not found' });
}

function drawCpRandom(state: SandboxState): number {
  let random = cpRandoms.get(state);
  if (!random) {
    random = createSeededRandom((state.seed ^ 0x27d4eb2f) >>> 0);
    cpRandoms.set(state, random);
  }
  return random();
}

/**
 * flag=cp429:<n>: the next n POSTs to the CP answer 429 with `Retry-After: 1` (flag=cp429Wait:<s>
 * for another wait), as a rate limiter in front of the CP does (the request was not processed).
 */
function answerRateLimit(state: SandboxState, req: CpRequest): CpResponse | null {
  const left = state.faults.flags['cp429'];
  if (req.method !== 'POST' || typeof left !== 'number' || left <= 0) return null;
  state.faults.flags['cp429'] = left - 1;
  return {
    status: 429,
    headers: { 'content-type': 'application/json', 'retry-after': String(state.faults.flags['cp429Wait'] ?? 1) },
    body: JSON.stringify({ error: 'rate limited' }),
  };
}
