import { checkHttpUrl } from '../http/check-http-url.js';
import { httpRequest, type FetchFn } from '../http/http-request.js';
import type { Redactor } from '../output/redactor.js';

/**
 * --verify-remote: asks Gitea whether each target repository exists
 * (`GET /api/v1/repos/{owner}/{repo}`). A missing one usually means a rename the map does not
 * know yet. Without a token Gitea answers 404 for private repos too, which the result says.
 * Only an answer from Gitea is a verdict: a repository Gitea could not be asked about (network
 * failure, timeout, 5xx), or a 200 that does not name it, is `unknown`, never `missing` or
 * `exists`. The token travels only in the Authorization header; it is never part of a result or
 * message.
 */

export type RepoState = 'exists' | 'missing' | 'moved' | 'denied' | 'unknown';

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
  // Once Gitea cannot be reached at all, asking about the other repositories only repeats the
  // wait (with retries and backoff each): they are unknown for the same cause.
  let unreachable: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < unique.length) {
      const index = next;
      next += 1;
      const repo = unique[index] ?? '';
      if (unreachable) {
        results[index] = { repo, state: 'unknown', detail: unreachable };
        continue;
      }
      const check = await checkRepo(base, repo, options);
      if (check.state === 'unknown' && check.status === undefined) unreachable ??= check.detail;
      results[index] = check;
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, Math.max(1, unique.length)) }, worker));
  return results;
}

async function checkRepo(base: URL, repo: string, options: VerifyOptions): Promise<RepoCheck> {
  const [owner = '', name = ''] = repo.split('/');
  const url = new URL(
    `${base.pathname.replace(/\/+$/, '')}/api/v1/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`,
    base,
  );
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
    if (status === 200) return judgeFoundAnswer(repo, response.bodyText);
    if (status === 404) {
      return {
        repo,
        state: 'missing',
        status,
        detail: options.token ? 'not found' : 'not found (or private: set GITEA_TOKEN to see private repos)',
      };
    }
    if (status >= 300 && status < 400) return judgeRedirect(repo, url, status, response.headers.get('location'));
    if (status === 401 || status === 403) {
      return {
        repo,
        state: 'denied',
        status,
        detail: options.token ? 'GITEA_TOKEN was rejected' : 'Gitea requires a token (set GITEA_TOKEN)',
      };
    }
    return { repo, state: 'unknown', status, detail: `Gitea answered HTTP ${status}` };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return { repo, state: 'unknown', detail: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Gitea redirects a renamed repository's old name to its new one, on its own host. Only that is a
 * rename: a redirect to another host (a proxy, a login page, a moved Gitea) or to the same name
 * says nothing about the repository, and is unknown. The door never follows it, so the token
 * never travels with it.
 */
function judgeRedirect(repo: string, asked: URL, status: number, location: string | null): RepoCheck {
  let target: URL | undefined;
  try {
    target = location ? new URL(location, asked) : undefined;
  } catch {
    target = undefined;
  }
  const moved = target ? /\/api\/v1\/repos\/([^/?#]+\/[^/?#]+)$/.exec(target.pathname)?.[1] : undefined;
  const newName = moved ? decodeURIComponent(moved) : undefined;
  if (target && target.origin === asked.origin && newName && newName.toLowerCase() !== repo.toLowerCase())
    return { repo, state: 'moved', status, detail: `renamed on Gitea to ${newName}` };
  const where = target ? `${target.origin}${target.pathname}` : 'no usable Location';
  return {
    repo,
    state: 'unknown',
    status,
    detail: `Gitea answered HTTP ${status}, a redirect to ${where} (not followed: the token would go with it)`,
  };
}

/**
 * A 200 is a verdict only when it is the repository: Gitea's answer names it in `full_name`, owner
 * and name compared without case, as Gitea's routes compare them. Another name there is a rename
 * followed on the way (Gitea redirects a renamed repository's old name). A 200 of any other shape
 * (a web page, a proxy's or a catch-all server's answer: a base URL that is not Gitea's API) says
 * nothing about the repository, so it is unknown, never `exists`.
 */
function judgeFoundAnswer(repo: string, bodyText: string): RepoCheck {
  const fullName = readFullName(bodyText);
  if (fullName === undefined)
    return {
      repo,
      state: 'unknown',
      status: 200,
      detail: "Gitea answered 200 without the repository's full_name (is the Gitea base URL Gitea's?)",
    };
  if (fullName.toLowerCase() === repo.toLowerCase()) return { repo, state: 'exists', status: 200 };
  return { repo, state: 'moved', status: 200, detail: `renamed on Gitea to ${fullName}` };
}

/** `full_name` of a Gitea repository answer, when it is one: `owner/name` of name characters only. */
function readFullName(bodyText: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  const fullName = (body as { full_name?: unknown } | null)?.full_name;
  return typeof fullName === 'string' && /^[\w.-]+\/[\w.-]+$/.test(fullName) ? fullName : undefined;
}

export interface RemoteVerdict {
  ok: boolean;
  /** 0, 1 (missing, moved, or not known), or 3 (Gitea refused the credentials). */
  exitCode: 0 | 1 | 3;
  /** One line naming what is wrong and, for unknowns, the cause. */
  message: string;
}

/** What a set of checks allows to say. Success only when Gitea said, for every target, that it exists. */
export function judgeRepoChecks(checks: readonly RepoCheck[]): RemoteVerdict {
  const count = (state: RepoState): number => checks.filter((c) => c.state === state).length;
  const bad = checks.length - count('exists');
  // Nothing to rewrite is nothing to confirm: said as such, not as "all 0 exist".
  if (checks.length === 0) return { ok: true, exitCode: 0, message: 'no target repositories to check on Gitea' };
  if (bad === 0) return { ok: true, exitCode: 0, message: `all ${checks.length} target repositories exist on Gitea` };
  const unknown = checks.filter((c) => c.state === 'unknown');
  const parts: string[] = [];
  if (count('missing')) parts.push(`${count('missing')} missing`);
  if (count('moved')) parts.push(`${count('moved')} renamed on Gitea`);
  if (count('denied')) parts.push(`${count('denied')} refused (credentials)`);
  if (unknown.length)
    parts.push(`${unknown.length} unknown: no verdict from Gitea (${unknown[0]?.detail ?? 'no answer'})`);
  return {
    ok: false,
    exitCode: count('denied') ? 3 : 1,
    message: `${bad} of ${checks.length} target repositories not confirmed on Gitea: ${parts.join(', ')}`,
  };
}
