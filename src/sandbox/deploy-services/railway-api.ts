import type { CpRequest, CpResponse } from '../cp/cp-http.js';
import { jsonResponse, parseJsonObject } from '../cp/cp-http.js';
import type { SandboxState } from '../state.js';
import { getDeployServices, SANDBOX_RAILWAY_TOKEN } from './deploy-services-state.js';

/**
 * Railway's public GraphQL endpoint, reduced to the two operations molectl sends: `project(id)`
 * (services and environments by name) and `deployments(input, first)`. It does not parse GraphQL:
 * it recognises the operation by its root field and reads the variables. Like Railway, a bad token
 * is a GraphQL error ("Not Authorized") in a 200 answer.
 */
export function handleRailwayRequest(state: SandboxState, req: CpRequest): CpResponse {
  if (req.method !== 'POST') return jsonResponse(405, { errors: [{ message: 'method not allowed' }] });
  if ((req.headers['authorization'] ?? '') !== `Bearer ${SANDBOX_RAILWAY_TOKEN}`) return graphqlError('Not Authorized');
  const body = parseJsonObject(req.body);
  const query = typeof body?.query === 'string' ? body.query : '';
  const variables = (body?.variables ?? {}) as Record<string, unknown>;
  const services = getDeployServices(state);
  const railway = services.railway;

  if (/\bdeployments\s*\(/.test(query)) {
    const input = (variables.input ?? {}) as Record<string, unknown>;
    if (input.projectId !== railway.projectId) return graphqlError('Project not found');
    const first = typeof variables.first === 'number' ? variables.first : 50;
    const matching = railway.deployments
      .filter((d) => (!input.serviceId || d.serviceId === input.serviceId) && (!input.environmentId || d.environmentId === input.environmentId))
      .map((d, i) => (i === 0 && d.environmentId === input.environmentId ? applyDeployFault(state, d) : d))
      .slice(0, first);
    return jsonResponse(200, { data: { deployments: { edges: matching.map((node) => ({ node })) } } });
  }
  if (/\bproject\s*\(/.test(query)) {
    if (variables.id !== railway.projectId) return graphqlError('Project not found');
    return jsonResponse(200, {
      data: {
        project: {
          services: { edges: railway.services.map((node) => ({ node })) },
          environments: { edges: railway.environments.map((node) => ({ node })) },
        },
      },
    });
  }
  return graphqlError('the sandbox simulates only the project and deployments queries');
}

function applyDeployFault<T extends { status: string }>(state: SandboxState, deployment: T): T {
  const fault = state.faults.flags['railwayDeployFailed'];
  if (!fault) return deployment;
  return { ...deployment, status: typeof fault === 'string' ? fault.toUpperCase() : 'FAILED' };
}

function graphqlError(message: string): CpResponse {
  return jsonResponse(200, { data: null, errors: [{ message }] });
}
