import type { CpRequest, CpResponse } from '../cp/cp-http.js';
import type { RecordedRequest, SandboxState } from '../state.js';
import { handleGiteaRequest } from './gitea-api.js';
import { handleRailwayRequest } from './railway-api.js';
import { handleRegistryRequest, handleRegistryTokenRequest } from './registry-api.js';
import { handleVercelRequest } from './vercel-api.js';

/**
 * Routes the deploy services' paths, or returns null for every other request:
 *   /_railway/graphql/v2   Railway GraphQL      /_vercel/...   Vercel REST
 *   /v2/...                OCI registry          /_registry/token   its token service
 *   /_gitea/api/v1/...     Gitea Actions secrets (secret rotation, issue 6)
 * Every request it answers is recorded in state.requests (service railway, vercel, registry or gitea).
 */
export function handleDeployServiceRequest(state: SandboxState, req: CpRequest): CpResponse | null {
  const route = routeOf(req.path);
  if (!route) return null;
  const record: RecordedRequest = {
    at: new Date(),
    service: route.service,
    action: `${req.method} ${req.path}`,
    headers: req.headers,
    body: req.body,
    status: 0,
  };
  state.requests.push(record);
  const response = route.handle();
  record.status = response.status;
  return response;

  function routeOf(path: string): { service: string; handle: () => CpResponse } | null {
    if (path === '/_railway/graphql/v2') return { service: 'railway', handle: () => handleRailwayRequest(state, req) };
    if (path.startsWith('/_vercel/'))
      return { service: 'vercel', handle: () => handleVercelRequest(state, req, path.slice('/_vercel'.length)) };
    if (path.startsWith('/_gitea/'))
      return { service: 'gitea', handle: () => handleGiteaRequest(state, req, path.slice('/_gitea'.length)) };
    if (path === '/_registry/token')
      return { service: 'registry', handle: () => handleRegistryTokenRequest(state, req) };
    if (path === '/v2' || path.startsWith('/v2/'))
      return { service: 'registry', handle: () => handleRegistryRequest(state, req) };
    return null;
  }
}
