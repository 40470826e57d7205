import type { CpRequest, CpResponse } from '../cp/cp-http.js';
import { jsonResponse } from '../cp/cp-http.js';
import type { SandboxState } from '../state.js';
import { getDeployServices, SANDBOX_VERCEL_TOKEN } from './deploy-services-state.js';

/** Vercel's `GET /v6/deployments` (projectId, target, limit), newest first, under /_vercel. */
export function handleVercelRequest(state: SandboxState, req: CpRequest, path: string): CpResponse {
  if ((req.headers['authorization'] ?? '') !== `Bearer ${SANDBOX_VERCEL_TOKEN}`) {
    return jsonResponse(403, { error: { code: 'forbidden', message: 'Not authorized', invalidToken: true } });
  }
  if (path !== '/v6/deployments' || req.method !== 'GET')
    return jsonResponse(404, { error: { code: 'not_found', message: 'The requested path was not found' } });
  const projectId = req.query.get('projectId');
  const target = req.query.get('target');
  const limit = Number(req.query.get('limit') ?? '20');
  const all = getDeployServices(state).vercel.deployments;
  if (projectId && !all.some((d) => d.projectId === projectId))
    return jsonResponse(404, { error: { code: 'not_found', message: 'Project not found' } });
  const fault = state.faults.flags['vercelDeployError'];
  const chosen = all
    .filter((d) => (!projectId || d.projectId === projectId) && (!target || d.target === target))
    .map((d, i) =>
      i === 0 && target === 'production' && fault
        ? { ...d, state: typeof fault === 'string' ? fault.toUpperCase() : 'ERROR' }
        : d,
    )
    .slice(0, Number.isFinite(limit) && limit > 0 ? limit : 20)
    .map((d) => ({ ...d, name: 'canvas', readyState: d.state, type: 'LAMBDAS' }));
  return jsonResponse(200, { deployments: chosen, pagination: { count: chosen.length, next: null, prev: null } });
}
