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

/** What Gitea gives at most per page (its MAX_RESPONSE_ITEMS default); its own default page is 30. */
const SECRETS_PAGE_LIMIT = 50;
/** A bound on the pages asked for, against a server that never ends its listing. */
const MAX_SECRETS_PAGES = 100;

/**
 * Every Actions secret name of the repository. Gitea lists them a page at a time (30 by default,
 * at most 50, with the total in X-Total-Count): a name on a later page is as present as one on
 * the first, so the listing goes on until the total is reached or a page is empty. A page that
 * adds no new name ends it too (a server that ignores the paging answers the same rows again).
 * An answer that is not a list is an error naming the repository, never "no secrets".
 */
export async function listGiteaActionsSecretNames(
  request: Requester,
  ref: Omit<GiteaSecretRef, 'name'>,
): Promise<string[]> {
  const names = new Set<string>();
  const listing = `${ref.baseUrl}/api/v1/repos/${encodeURIComponent(ref.owner)}/${encodeURIComponent(ref.repo)}/actions/secrets`;
  for (let page = 1; page <= MAX_SECRETS_PAGES; page++) {
    const response = await request({
      method: 'GET',
      url: `${listing}?page=${page}&limit=${SECRETS_PAGE_LIMIT}`,
      headers: { authorization: `token ${ref.token}` },
      accept: (status) => (status >= 200 && status < 300) || status === 401 || status === 403,
    });
    if (response.status === 401 || response.status === 403)
      throw new ConfigError(
        `Gitea rejected GITEA_TOKEN (HTTP ${response.status}) for ${ref.owner}/${ref.repo}`,
        'use a token with write access to the repository (scope write:repository)',
      );
    const rows = readSecretRows(response.bodyText);
    if (rows === undefined)
      throw new MolectlError(
        `Gitea's answer to the Actions secrets listing of ${ref.owner}/${ref.repo} is not a list`,
        {
          hint: 'check that the Gitea base URL is the Gitea server (its /api/v1)',
        },
      );
    const before = names.size;
    for (const name of rows) names.add(name);
    const total = Number(response.headers.get('x-total-count') ?? NaN);
    if (rows.length === 0 || names.size === before || (Number.isInteger(total) && names.size >= total))
      return [...names];
  }
  throw new MolectlError(
    `Gitea's Actions secrets listing of ${ref.owner}/${ref.repo} did not end after ${MAX_SECRETS_PAGES} pages`,
  );
}

/** The names of one page of Gitea's secrets listing; undefined when the answer is not a list. */
function readSecretRows(bodyText: string): string[] | undefined {
  let rows: unknown;
  try {
    rows = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  if (!Array.isArray(rows)) return undefined;
  return rows
    .map((r) => (r && typeof r === 'object' ? String((r as { name?: unknown }).name ?? '') : ''))
    .filter(Boolean);
}
