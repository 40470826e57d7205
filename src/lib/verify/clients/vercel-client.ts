import { ConfigError } from '../../errors.js';
import type { HttpRequest, HttpResponse } from '../../http/http-request.js';
import { parseJsonBody } from '../../http/validate-response.js';

/**
 * Vercel's REST API, one call: the latest production deployment of a project
 * (GET /v6/deployments?projectId=...&target=production&limit=1). The token travels in the header.
 */

export interface VercelTarget {
  apiUrl: string;
  token: string;
  projectId: string;
  teamId?: string;
}

export interface VercelDeployment {
  id: string;
  /** READY, ERROR, BUILDING, QUEUED, INITIALIZING, CANCELED */
  state: string;
  url?: string;
  commitSha?: string;
}

export async function fetchLatestVercelDeployment(
  request: (r: HttpRequest) => Promise<HttpResponse>,
  target: VercelTarget,
): Promise<VercelDeployment | null> {
  const url = new URL(`${target.apiUrl}/v6/deployments`);
  url.searchParams.set('projectId', target.projectId);
  url.searchParams.set('target', 'production');
  url.searchParams.set('limit', '1');
  if (target.teamId) url.searchParams.set('teamId', target.teamId);
  const response = await request({
    method: 'GET',
    url,
    headers: { authorization: `Bearer ${target.token}` },
    accept: (status) => status === 200 || status === 401 || status === 403,
  });
  if (response.status !== 200) {
    throw new ConfigError(
      `Vercel rejected VERCEL_TOKEN (HTTP ${response.status}) for project ${target.projectId}`,
      'use a Vercel token with access to the canvas project; for a team project also set verify.vercelTeamId',
    );
  }
  const body = parseJsonBody(response, 'GET') as { deployments?: unknown } | undefined;
  const first = Array.isArray(body?.deployments)
    ? (body.deployments[0] as Record<string, unknown> | undefined)
    : undefined;
  if (!first) return null;
  const meta = typeof first.meta === 'object' && first.meta !== null ? (first.meta as Record<string, unknown>) : {};
  // Git-connected deploys record the commit under githubCommitSha, gitlabCommitSha, bitbucketCommitSha...
  const commitKey = Object.keys(meta).find((k) => /CommitSha$/i.test(k) && typeof meta[k] === 'string');
  const state = first.state ?? first.readyState;
  return {
    id: String(first.uid ?? first.id ?? ''),
    state: typeof state === 'string' ? state.toUpperCase() : 'UNKNOWN',
    ...(typeof first.url === 'string' ? { url: first.url } : {}),
    ...(commitKey ? { commitSha: meta[commitKey] as string } : {}),
  };
}
