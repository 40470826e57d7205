import type { CpRequest, CpResponse } from '../cp/cp-http.js';
import { jsonResponse, parseJsonObject } from '../cp/cp-http.js';
import type { SandboxState } from '../state.js';
import {
  getDeployServices,
  SANDBOX_RAILWAY_TOKEN,
  type DeployServicesState,
  type RailwayDeploymentRecord,
} from './deploy-services-state.js';

/**
 * Railway's public GraphQL endpoint, reduced to the operations molectl sends: `project(id)`
 * (services and environments by name), `deployments(input, first)`, and for secret rotation
 * `variables(...)`, `variableUpsert(input)` and `serviceInstanceRedeploy(...)`. It does not parse GraphQL:
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

  // Issue 6 (secret rotation): variables read and upsert, and redeploy.
  if (/\bvariableUpsert\s*\(/.test(query)) return upsertVariable(services, variables);
  if (/\bserviceInstanceRedeploy\s*\(/.test(query)) return redeployService(state, services, variables);
  if (/\bvariables\s*\(/.test(query)) {
    if (variables.projectId !== railway.projectId) return graphqlError('Project not found');
    const key = `${String(variables.serviceId)}/${String(variables.environmentId)}`;
    return jsonResponse(200, { data: { variables: { ...(services.railwayVariables.get(key) ?? {}) } } });
  }

  if (/\bdeployments\s*\(/.test(query)) {
    const input = (variables.input ?? {}) as Record<string, unknown>;
    if (input.projectId !== railway.projectId) return graphqlError('Project not found');
    const first = typeof variables.first === 'number' ? variables.first : 50;
    const matching = railway.deployments
      .filter(
        (d) =>
          (!input.serviceId || d.serviceId === input.serviceId) &&
          (!input.environmentId || d.environmentId === input.environmentId),
      )
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
  return graphqlError(
    'the sandbox simulates only the project, deployments and variables queries and the variableUpsert and serviceInstanceRedeploy mutations',
  );
}

function upsertVariable(services: DeployServicesState, variables: Record<string, unknown>): CpResponse {
  const input = (variables.input ?? {}) as Record<string, unknown>;
  if (input.projectId !== services.railway.projectId) return graphqlError('Project not found');
  if (typeof input.name !== 'string' || typeof input.value !== 'string')
    return graphqlError('name and value are required');
  const key = `${String(input.serviceId)}/${String(input.environmentId)}`;
  services.railwayVariables.set(key, { ...(services.railwayVariables.get(key) ?? {}), [input.name]: input.value });
  return jsonResponse(200, { data: { variableUpsert: true } });
}

/**
 * A redeploy takes the service's current variables. It succeeds unless the railwayDeployFailed
 * fault is set; a successful deployment of controlplane in production is what the sandbox CP
 * runs, so its PROVISION_SHARED_SECRET and CP_ADMIN_API_TOKEN become the CP's (tenants and admin
 * callers left behind then get 401s).
 */
function redeployService(
  state: SandboxState,
  services: DeployServicesState,
  variables: Record<string, unknown>,
): CpResponse {
  const serviceId = String(variables.serviceId);
  const environmentId = String(variables.environmentId);
  const railway = services.railway;
  if (!railway.services.some((s) => s.id === serviceId) || !railway.environments.some((e) => e.id === environmentId))
    return graphqlError('Service instance not found');
  const fault = state.faults.flags['railwayDeployFailed'];
  const status = fault ? (typeof fault === 'string' ? fault.toUpperCase() : 'FAILED') : 'SUCCESS';
  const deployment: RailwayDeploymentRecord = {
    id: `dep-redeploy-${railway.deployments.length + 1}`,
    serviceId,
    environmentId,
    status,
    createdAt: new Date().toISOString(),
    meta: { commitHash: services.commit, branch: 'main', reason: 'redeploy' },
  };
  railway.deployments.unshift(deployment);
  const vars = services.railwayVariables.get(`${serviceId}/${environmentId}`) ?? {};
  if (status === 'SUCCESS' && serviceId === 'svc-controlplane' && environmentId === 'env-production') {
    if (vars.PROVISION_SHARED_SECRET) state.provisionSharedSecret = vars.PROVISION_SHARED_SECRET;
    // The CP's admin gate takes its token from the same env: callers with the old one get 401.
    if (vars.CP_ADMIN_API_TOKEN) state.cpAdminToken = vars.CP_ADMIN_API_TOKEN;
  }
  return jsonResponse(200, { data: { serviceInstanceRedeploy: true } });
}

function applyDeployFault<T extends { status: string }>(state: SandboxState, deployment: T): T {
  const fault = state.faults.flags['railwayDeployFailed'];
  if (!fault) return deployment;
  return { ...deployment, status: typeof fault === 'string' ? fault.toUpperCase() : 'FAILED' };
}

function graphqlError(message: string): CpResponse {
  return jsonResponse(200, { data: null, errors: [{ message }] });
}
