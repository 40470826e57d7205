import { ConfigError, MolectlError } from '../errors.js';
import type { Requester } from './consumer-door.js';

/**
 * Gitea's Actions secrets API (1.22+): PUT stores a value (201 created, 204 updated); values
 * can never be read back, only the names. So a Gitea mirror is verified by the PUT's answer and
 * by the name being listed, and its drift is "unknown" by nature.
 */

export interface GiteaSecretRef {
  baseUrl: string;
  token: string;
  owner: string;
  repo: string;
  name: string;
}

export async function putGiteaActionsSecret(
  request: Requester,
  ref: GiteaSecretRef,
  value: string,
): Promise<'created' | 'updated'> {
  const response = await request({
    method: 'PUT',
    url: `${ref.baseUrl}/api/v1/repos/${encodeURIComponent(ref.owner)}/${encodeURIComponent(ref.repo)}/actions/secrets/${encodeURIComponent(ref.name)}`,
    headers: { authorization: `token ${ref.token}` },
    json: { data: value },
    accept: (status) => status === 201 || status === 204 || status === 401 || status === 403 || status === 404,
  });
  if (response.status === 401 || response.status === 403)
    throw new ConfigError(
      `Gitea rejected GITEA_TOKEN (HTTP ${response.status}) for ${ref.owner}/${ref.repo}`,
      'use a token with write access to the repository (scope write:repository)',
    );
  if (response.status === 404)
    throw new MolectlError(`Gitea has no repository ${ref.owner}/${ref.repo} (or the token cannot see it)`, {
      hint: 'fix the consumer in the config file',
    });
  return response.status === 201 ? 'created' : 'updated';
}

export async function listGiteaActionsSecretNames(
  request: Requester,
  ref: Omit<GiteaSecretRef, 'name'>,
): Promise<string[]> {
  const response = await request({
    method: 'GET',
    url: `${ref.baseUrl}/api/v1/repos/${encodeURIComponent(ref.owner)}/${encodeURIComponent(ref.repo)}/actions/secrets`,
    headers: { authorization: `token ${ref.token}` },
    accept: (status) => (status >= 200 && status < 300) || status === 401 || status === 403,
  });
  if (response.status === 401 || response.status === 403)
    throw new ConfigError(
      `Gitea rejected GITEA_TOKEN (HTTP ${response.status}) for ${ref.owner}/${ref.repo}`,
      'use a token with write access to the repository (scope write:repository)',
    );
  const rows = JSON.parse(response.bodyText) as unknown;
  return Array.isArray(rows)
    ? rows.map((r) => (r && typeof r === 'object' ? String((r as { name?: unknown }).name ?? '') : '')).filter(Boolean)
    : [];
}
