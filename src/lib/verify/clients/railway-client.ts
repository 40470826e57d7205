import { ConfigError, MolectlError } from '../../errors.js';
import type { HttpRequest, HttpResponse } from '../../http/http-request.js';
import { parseJsonBody } from '../../http/validate-response.js';
import { cutRemoteLine, remoteText } from '../../output/remote-text.js';

/**
 * The two Railway public GraphQL operations verify needs (https://backboard.railway.com/graphql/v2):
 * resolving the service and environment ids from their names inside a project, and the latest
 * deployment of that service in that environment. The token only ever travels in the header.
 */

export interface RailwayTarget {
  apiUrl: string;
  token: string;
  projectId: string;
  serviceId?: string;
  environmentId?: string;
  serviceName: string;
  environmentName: string;
}

export interface RailwayDeployment {
  id: string;
  /** SUCCESS, FAILED, CRASHED, BUILDING, DEPLOYING, QUEUED, WAITING, INITIALIZING, REMOVED, SKIPPED, SLEEPING */
  status: string;
  createdAt?: string;
  commitHash?: string;
}

type Request = (request: HttpRequest) => Promise<HttpResponse>;

export const PROJECT_QUERY = `query project($id: String!) {
  project(id: $id) {
    services { edges { node { id name } } }
    environments { edges { node { id name } } }
  }
}`;

export const DEPLOYMENTS_QUERY = `query deployments($input: DeploymentListInput!, $first: Int) {
  deployments(input: $input, first: $first) {
    edges { node { id status createdAt meta } }
  }
}`;

/** The latest deployment, or null when the service has never been deployed there. */
export async function fetchLatestRailwayDeployment(
  request: Request,
  target: RailwayTarget,
): Promise<RailwayDeployment | null> {
  const ids = await resolveRailwayIds(request, target);
  const data = await queryRailway(request, target, DEPLOYMENTS_QUERY, {
    input: { projectId: target.projectId, serviceId: ids.serviceId, environmentId: ids.environmentId },
    first: 1,
  });
  const node = readEdges(data, ['deployments'])[0];
  if (!node) return null;
  const meta = isRecord(node.meta) ? node.meta : {};
  return {
    id: String(node.id ?? ''),
    status: String(node.status ?? 'UNKNOWN').toUpperCase(),
    ...(typeof node.createdAt === 'string' ? { createdAt: node.createdAt } : {}),
    ...(typeof meta.commitHash === 'string' ? { commitHash: meta.commitHash } : {}),
  };
}

/** Exported for secret rotation's Railway consumer (src/lib/secrets/railway-variables.ts). */
export async function resolveRailwayIds(
  request: Request,
  target: RailwayTarget,
): Promise<{ serviceId: string; environmentId: string }> {
  if (target.serviceId && target.environmentId)
    return { serviceId: target.serviceId, environmentId: target.environmentId };
  const data = await queryRailway(request, target, PROJECT_QUERY, { id: target.projectId });
  const find = (kind: 'services' | 'environments', name: string): string | undefined =>
    readEdges(data, ['project', kind]).find((n) => n.name === name)?.id as string | undefined;
  const serviceId = target.serviceId ?? find('services', target.serviceName);
  const environmentId = target.environmentId ?? find('environments', target.environmentName);
  if (!serviceId) {
    throw new MolectlError(`Railway project ${target.projectId} has no service named "${target.serviceName}"`, {
      hint: 'set railway.service (or verify.railwayServiceId) for this environment in the config file',
    });
  }
  if (!environmentId) {
    throw new MolectlError(`Railway project ${target.projectId} has no environment named "${target.environmentName}"`, {
      hint: 'set railway.environment (or verify.railwayEnvironmentId) for this environment in the config file',
    });
  }
  return { serviceId, environmentId };
}

/**
 * One GraphQL call. Queries are read-only, so the door may retry them; a mutation that is not
 * safe to repeat (a redeploy) passes `{ idempotent: false }`. Exported for secret rotation.
 */
export async function queryRailway(
  request: Request,
  target: RailwayTarget,
  query: string,
  variables: Record<string, unknown>,
  options: { idempotent?: boolean } = {},
): Promise<unknown> {
  const response = await request({
    method: 'POST',
    url: target.apiUrl,
    headers: { authorization: `Bearer ${target.token}` },
    json: { query, variables },
    idempotent: options.idempotent ?? true,
    accept: (status) => status === 200 || status === 401 || status === 403,
  });
  if (response.status === 401 || response.status === 403) throw railwayAuthError(target, response.status);
  const body = parseJsonBody(response, 'POST');
  const errors = isRecord(body) && Array.isArray(body.errors) ? body.errors : [];
  if (errors.length > 0) {
    const message = errors.map((e) => (isRecord(e) && typeof e.message === 'string' ? e.message : 'error')).join('; ');
    if (/not authori[sz]ed|unauthori[sz]ed|forbidden/i.test(message)) throw railwayAuthError(target, 200);
    // Railway's words (GraphQL errors can echo a mutation's input, a variable's value included):
    // remote text, cut on a word boundary so that a secret is never printed in part.
    throw new MolectlError(`Railway's API answered an error: ${remoteText(cutRemoteLine(message, 200))}`, {
      hint: 'check verify.railwayProjectId and the service and environment names; molectl may need an update if the API changed',
    });
  }
  return isRecord(body) ? body.data : undefined;
}

function railwayAuthError(target: RailwayTarget, status: number): ConfigError {
  const how = status === 200 ? 'Not Authorized' : `HTTP ${status}`;
  return new ConfigError(
    `Railway rejected RAILWAY_TOKEN (${how}) for project ${target.projectId}`,
    'use a Railway account or team token that can read this project (a project token works only for its own project)',
  );
}

function readEdges(data: unknown, path: string[]): Record<string, unknown>[] {
  let node: unknown = data;
  for (const key of path) node = isRecord(node) ? node[key] : undefined;
  const edges = isRecord(node) && Array.isArray(node.edges) ? node.edges : [];
  return edges.map((e) => (isRecord(e) && isRecord(e.node) ? e.node : {})).filter((n) => Object.keys(n).length > 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
