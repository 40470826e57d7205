import type { HeaderReader } from '../http/node-http-fetch.js';
import { ExitCode, HttpError } from '../errors.js';
import { describeRedirect, rateLimitHint, serverFailureHint } from '../http/http-request.js';

/**
 * The error for a CP answer no route-specific rule claimed. A rejected admin token is a
 * credentials problem (exit 3) with the hint naming where the token comes from.
 */
export function createCpError(args: {
  baseUrl: string;
  method: string;
  url: string;
  status: number;
  remoteError: string | undefined;
  admin: boolean;
  attempts: number;
  headers: HeaderReader;
  /** Set for a call that is not safe to repeat: how to find out whether it took effect. */
  unknownOutcomeHint?: string;
}): HttpError {
  const remote = args.remoteError === undefined ? {} : { remoteError: args.remoteError };
  if (args.admin && (args.status === 401 || args.status === 403)) {
    return new HttpError({
      method: args.method,
      url: args.url,
      status: args.status,
      ...remote,
      code: ExitCode.credentials,
      message: `the CP at ${args.baseUrl} rejected the admin token (HTTP ${args.status})`,
      hint: `check CP_ADMIN_API_TOKEN (or cpTokenFile / cpTokenCommand in the config) for ${args.baseUrl}`,
    });
  }
  const detail = args.remoteError ? `: ${args.remoteError}` : '';
  // A gateway's 502/504 says the CP behind it did not answer in time, not that it did nothing:
  // for a call that must not be repeated blindly (a create), the outcome is unknown.
  if (args.unknownOutcomeHint !== undefined && (args.status === 502 || args.status === 504)) {
    return new HttpError({
      method: args.method,
      url: args.url,
      status: args.status,
      ...remote,
      message: `${args.method} ${args.url} answered HTTP ${args.status} from a gateway${detail}; the outcome is unknown: the CP may or may not have acted on it`,
      hint: args.unknownOutcomeHint,
    });
  }
  const retried = args.attempts > 1 ? ` (gave up after ${args.attempts} attempts)` : '';
  const redirect =
    args.status >= 300 && args.status < 400 ? `, ${describeRedirect(args.headers, args.url)} (not followed)` : '';
  return new HttpError({
    method: args.method,
    url: args.url,
    status: args.status,
    ...remote,
    message: `${args.method} ${args.url} answered HTTP ${args.status}${redirect}${detail}${retried}`,
    hint: cpErrorHint(args.status, args.baseUrl, args.headers),
  });
}

/** 401/403 on a tenant-only route: the tenant's credential pair was rejected (exit 3). */
export function createTenantCredentialError(args: {
  baseUrl: string;
  method: string;
  path: string;
  status: number;
  what: string;
}): HttpError {
  return new HttpError({
    method: args.method,
    url: `${args.baseUrl}${args.path}`,
    status: args.status,
    code: ExitCode.credentials,
    message: `the CP at ${args.baseUrl} rejected ${args.what} (HTTP ${args.status})`,
    hint: 'read the values again from their source (tenant env, Secrets Manager, CP env) and compare their fingerprints, not the values',
  });
}

function cpErrorHint(status: number, baseUrl: string, headers: HeaderReader): string {
  if (status === 429) return rateLimitHint(new URL(baseUrl).host, headers);
  if (status >= 500) return serverFailureHint(`the CP at ${baseUrl}`, headers);
  if (status >= 300 && status < 400)
    return `molectl does not follow redirects; check the CP URL (${baseUrl}) for a wrong scheme or host`;
  return 'check the inputs and the CP URL';
}
