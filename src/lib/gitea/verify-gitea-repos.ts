import { checkHttpUrl } from '../http/check-http-url.js';
import { httpRequest, type FetchFn } from '../http/http-request.js';
import type { Redactor } from '../output/redactor.js';

/**
 * --verify-remote: asks Gitea whether each target repository exists
 * (`GET /api/v1/repos/{owner}/{repo}`). A missing one usually means a rename the map does not
 * know yet. Without a token Gitea answers 404 for private repos too, which the result says.
 * The token travels only in the Authorization header; it is never part of a result or message.
 */

export type RepoState = 'exists' | 'missing' | 'moved' | 'denied' | 'error';

export interface RepoCheck {
  /** `owner/repo` as the rewrite produced it. */
  repo: string;
  state: RepoState;
  status?: number;
  /** Where a redirect points (Gitea's own rename redirects), or why the check failed. */
  detail?: string;
}

export interface VerifyOptions {
  baseUrl: string;
  token?: string | undefined;
  timeoutMs?: number;
  concurrency?: number;
  fetch?: FetchFn;
  redactor?: Redactor;
  signal?: AbortSignal;
}

export async function verifyGiteaRepos(repos: Iterable<string>, options: VerifyOptions): Promise<RepoCheck[]> {
  // Refuses plain http to anything but loopback before the token could be sent anywhere.
  const base = checkHttpUrl(options.baseUrl, 'Gitea base URL');
  const unique = [...new Set(repos)].sort();
  const results: RepoCheck[] = new Array(unique.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < unique.length) {
      const index = next;
      next += 1;
      results[index] = await checkRepo(base, unique[index] ?? '', options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, Math.max(1, unique.length)) }, worker));
  return results;
}

async function checkRepo(base: URL, repo: string, options: VerifyOptions): Promise<RepoCheck> {
  const [owner = '', name = ''] = repo.split('/');
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}/api/v1/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`, base);
  try {
    const response = await httpRequest({
      method: 'GET',
      url,
      headers: { authorization: options.token ? `token ${options.token}` : undefined },
      timeoutMs: options.timeoutMs ?? 10_000,
      retries: 2,
      accept: () => true,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.redactor ? { redactor: options.redactor } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const status = response.status;
    if (status === 200) return { repo, state: 'exists', status };
    if (status === 404) {
      return { repo, state: 'missing', status, detail: options.token ? 'not found' : 'not found (or private: set GITEA_TOKEN to see private repos)' };
    }
    if (status >= 300 && status < 400) {
      const location = response.headers.get('location') ?? '';
      const moved = /\/api\/v1\/repos\/([^/?#]+\/[^/?#]+)/.exec(location)?.[1];
      return { repo, state: 'moved', status, detail: moved ? `renamed on Gitea to ${decodeURIComponent(moved)}` : 'redirected' };
    }
    if (status === 401 || status === 403) {
      return { repo, state: 'denied', status, detail: options.token ? 'GITEA_TOKEN was rejected' : 'Gitea requires a token (set GITEA_TOKEN)' };
    }
    return { repo, state: 'error', status, detail: `HTTP ${status}` };
  } catch (error) {
    return { repo, state: 'error', detail: error instanceof Error ? error.message : String(error) };
  }
}
