import { readCallTimeoutMs } from '../config/call-timeout.js';
import { readCpToken } from '../config/cp-token.js';
import type { Context } from '../context.js';
import { createHttpClient } from '../http/http-request.js';
import type { CheckDeps } from './check-types.js';
import type { VerifySettings } from './resolve-verify-settings.js';
import { createRetryAnnouncer } from '../http/announce-retry.js';

/** Per-request timeout of the checks: a post-deploy check that takes longer is itself a finding. */
export const CHECK_TIMEOUT_MS = 10_000;

/** The checks' door to the world, built from ctx (so tests reach it through MainDeps.overrides). */
export function createCheckDeps(ctx: Context, settings: VerifySettings): CheckDeps {
  const request = createHttpClient({
    timeoutMs: readCallTimeoutMs(ctx.env) ?? CHECK_TIMEOUT_MS,
    retries: 2,
    signal: ctx.signal,
    redactor: ctx.redactor,
    ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
    onRetry: createRetryAnnouncer(ctx.out),
  });
  let token: Promise<string> | undefined;
  const adminToken = (): Promise<string> =>
    (token ??= readCpToken({
      env: ctx.env,
      environment: ctx.config.environment,
      exec: ctx.exec,
      redactor: ctx.redactor,
    }));
  return { cp: ctx.cp, request, settings, env: ctx.env, redactor: ctx.redactor, adminToken };
}
