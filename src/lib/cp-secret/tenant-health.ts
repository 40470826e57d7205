import type { Context } from '../context.js';
import { tenantUrl } from '../config/environments.js';
import { httpRequest } from '../http/http-request.js';
import { runShellScript } from '../ssm/run-shell-script.js';
import { parseScriptResult } from './parse-script-result.js';
import { renderTenantCommands } from './tenant-script.js';

/** Checks that gate the waves: the public /health, and the CP accepting the tenant's credentials. */

export interface HealthCheck {
  ok: boolean;
  detail: string;
}

/** `GET <tenant url>/health` answers 200 with {"status":"ok"} (the tenant API's documented body). */
export async function checkPublicHealth(ctx: Context, slug: string): Promise<HealthCheck> {
  const url = `${tenantUrl({ tenantUrlTemplate: ctx.config.environment.tenantUrlTemplate, cpUrl: ctx.config.cpUrl.value }, slug)}/health`;
  try {
    const res = await httpRequest({ method: 'GET', url, timeoutMs: 10_000, retries: 1, signal: ctx.signal, fetch: ctx.fetch, redactor: ctx.redactor, accept: () => true });
    const ok = res.status === 200 && /"status"\s*:\s*"ok"/.test(res.bodyText);
    return { ok, detail: ok ? 'public /health ok' : `public /health answered HTTP ${res.status}` };
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    return { ok: false, detail: `public /health unreachable: ${(error as Error).message}` };
  }
}

/**
 * From inside the tenant's container, with its own credentials, a read-only CP call must not
 * answer 401: proof that the CP accepts the secret the tenant now holds.
 */
export async function checkCpAuthentication(ctx: Context, instanceId: string): Promise<HealthCheck> {
  const [result] = await runShellScript(
    { aws: ctx.aws, clock: ctx.clock, signal: ctx.signal },
    {
      instanceIds: [instanceId],
      commands: renderTenantCommands({ mode: 'cp-auth-check', containerName: ctx.config.environment.containerName }),
      comment: 'molectl migrate cp-secret: canary CP authentication check (read-only)',
      timeoutSeconds: 60,
      pollIntervalMs: 250,
      previewIsComplete: (p) => parseScriptResult(p) !== null,
    },
  );
  const parsed = result ? parseScriptResult(result.stdout) : null;
  if (parsed?.status === 'cp-auth-ok') return { ok: true, detail: `CP accepted the tenant's credentials (HTTP ${parsed.httpStatus})` };
  return { ok: false, detail: parsed?.reason ?? `CP authentication check ${result?.statusDetails ?? result?.status ?? 'did not run'}` };
}
