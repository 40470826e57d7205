import { tenantUrl, type EnvironmentConfig } from '../config/environments.js';
import { ExitCode, isMolectlError } from '../errors.js';
import { httpRequest, type FetchFn } from '../http/http-request.js';
import type { Redactor } from '../output/redactor.js';

export interface HealthProbe {
  healthy: boolean;
  /** `HTTP 200`, `HTTP 502`, `could not reach ...`: for the progress line, never a body. */
  detail: string;
}

/** The tenant's public health URL: the environment's tenant URL plus `/health`. */
export function tenantHealthUrl(
  environment: Pick<EnvironmentConfig, 'tenantUrlTemplate' | 'cpUrl'>,
  slug: string,
): string {
  return `${tenantUrl(environment, slug).replace(/\/+$/, '')}/health`;
}

/**
 * One look at the tenant's public /health. Healthy means `200 {"status":"ok"}`. Anything else,
 * including an unreachable host (DNS and the tunnel appear late), is "not yet", not an error:
 * the caller is waiting for it to change. Only Ctrl-C propagates.
 */
export async function probeTenantHealth(args: {
  url: string;
  fetch?: FetchFn;
  signal: AbortSignal;
  redactor: Redactor;
  timeoutMs?: number;
  retries?: number;
}): Promise<HealthProbe> {
  try {
    const response = await httpRequest({
      method: 'GET',
      url: args.url,
      timeoutMs: args.timeoutMs ?? 5_000,
      retries: args.retries ?? 0,
      accept: () => true,
      signal: args.signal,
      redactor: args.redactor,
      ...(args.fetch ? { fetch: args.fetch } : {}),
    });
    if (response.status !== 200) return { healthy: false, detail: `HTTP ${response.status}` };
    return readsOk(response.bodyText)
      ? { healthy: true, detail: 'HTTP 200 status ok' }
      : { healthy: false, detail: 'HTTP 200 without status ok' };
  } catch (error) {
    if (args.signal.aborted || (isMolectlError(error) && error.code === ExitCode.interrupted)) throw error;
    // A ConfigError means the URL itself is unusable (plain http to a public host, a bad
    // template): waiting would never help, so it fails now.
    if (isMolectlError(error) && error.code === ExitCode.credentials) throw error;
    return { healthy: false, detail: isMolectlError(error) ? error.message : 'request failed' };
  }
}

function readsOk(bodyText: string): boolean {
  try {
    return (JSON.parse(bodyText) as { status?: unknown } | null)?.status === 'ok';
  } catch {
    return false;
  }
}
