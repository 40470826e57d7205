import type { Context } from '../context.js';
import { probeTenantHealth, tenantHealthUrl } from '../fleet/probe-tenant-health.js';
import { runShellScript } from '../ssm/run-shell-script.js';
import { parseScriptResult } from './parse-script-result.js';
import { renderTenantCommands } from './tenant-script.js';

/** Checks that gate the waves: the public /health, and the CP accepting the tenant's credentials. */

export interface HealthCheck {
  ok: boolean;
  detail: string;
}

/** The tenant's public `/health` answers 200 with {"status":"ok"} (one look; no waiting). */
export async function checkPublicHealth(ctx: Context, slug: string): Promise<HealthCheck> {
  const url = tenantHealthUrl(ctx.config.environment, slug);
  const probe = await probeTenantHealth({ url, fetch: ctx.fetch, signal: ctx.signal, redactor: ctx.redactor, timeoutMs: 10_000 });
  return { ok: probe.healthy, detail: `public /health: ${probe.detail}` };
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
