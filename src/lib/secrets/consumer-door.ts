import { CALL_TIMEOUT_DEFAULTS, readCallTimeoutMs } from '../config/call-timeout.js';
import type { Context } from '../context.js';
import { ConfigError } from '../errors.js';
import { createRetryAnnouncer } from '../http/announce-retry.js';
import { createHttpClient, type HttpRequest, type HttpResponse } from '../http/http-request.js';
import type { RailwayTarget } from '../verify/clients/railway-client.js';
import { resolveVerifySettings } from '../verify/resolve-verify-settings.js';

/**
 * Where the Railway and Gitea consumers are and with which credentials, built from ctx. Railway's
 * API URL and project come from the environment's settings (the ones `verify` uses); Gitea's base
 * URL is git.moleculesai.app, or the sandbox's simulated Gitea under `{cpUrl}/_gitea`.
 */

export type Requester = (request: HttpRequest) => Promise<HttpResponse>;

export const GITEA_BASE_URL = 'https://git.moleculesai.app';

export function createConsumerRequester(ctx: Context): Requester {
  return createHttpClient({
    timeoutMs: readCallTimeoutMs(ctx.env) ?? CALL_TIMEOUT_DEFAULTS.consumer,
    retries: 2,
    signal: ctx.signal,
    redactor: ctx.redactor,
    ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
    onRetry: createRetryAnnouncer(ctx.out),
  });
}

export function railwayTargetFor(ctx: Context, service: string, environment: string): RailwayTarget {
  const token = ctx.env.RAILWAY_TOKEN;
  if (!token)
    throw new ConfigError(
      'RAILWAY_TOKEN is not set; the Railway consumer needs it',
      "export RAILWAY_TOKEN with a token that can change the project's variables",
    );
  const settings = resolveVerifySettings(ctx.config.environment).railway;
  if (!settings.projectId)
    throw new ConfigError(
      `environment "${ctx.config.environment.name}" has no Railway project id`,
      'set railway.projectId (or verify.railwayProjectId) in the config file',
    );
  const sameService = service === settings.serviceName && environment === settings.environmentName;
  return {
    apiUrl: settings.apiUrl,
    token,
    projectId: settings.projectId,
    serviceName: service,
    environmentName: environment,
    ...(sameService && settings.serviceId ? { serviceId: settings.serviceId } : {}),
    ...(sameService && settings.environmentId ? { environmentId: settings.environmentId } : {}),
  };
}

export function giteaBaseUrl(ctx: Context): string {
  return ctx.config.environment.name === 'sandbox'
    ? `${ctx.config.cpUrl.value.replace(/\/+$/, '')}/_gitea`
    : GITEA_BASE_URL;
}

export function giteaToken(ctx: Context): string {
  const token = ctx.env.GITEA_TOKEN;
  if (!token)
    throw new ConfigError(
      'GITEA_TOKEN is not set; the Gitea Actions secret consumer needs it',
      "export GITEA_TOKEN with a token that can write the repository's Actions secrets",
    );
  return token;
}
