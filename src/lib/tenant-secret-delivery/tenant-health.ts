import { readCallTimeoutMs } from '../config/call-timeout.js';
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

/** The CP authentication check: what it proved, or why not, and whether trying again may help. */
export interface CpAuthCheck extends HealthCheck {
  /** True when the CP was unavailable (5xx, no answer) or the check did not run: worth another try. */
  retriable: boolean;
  /** For the ledger: which proof was used and the statuses seen. */
  record: Record<string, string>;
}

/** The tenant's public `/health` answers 200 with {"status":"ok"} (one look; no waiting). */
export async function checkPublicHealth(ctx: Context, slug: string): Promise<HealthCheck> {
  const url = tenantHealthUrl(ctx.config.environment, slug);
  // One dropped connection must not stop a fleet's waves: the door repeats the GET twice.
  const probe = await probeTenantHealth({
    url,
    fetch: ctx.fetch,
    signal: ctx.signal,
    redactor: ctx.redactor,
    timeoutMs: readCallTimeoutMs(ctx.env) ?? 10_000,
    retries: 2,
  });
  return { ok: probe.healthy, detail: `public /health: ${probe.detail}` };
}

const RETRIABLE = new Set(['cp-unavailable', 'did-not-run']);

/**
 * From inside the tenant's container, with its own credentials: positive proof that the CP
 * accepts the secret the tenant now holds (scripts/tenant-cp-secret.sh, mode cp-auth-check).
 * Best proof: a real workspace of the org (found by its EC2 tags) read through
 * `GET /cp/workspaces/:id/status` answers 2xx with a state. Without a workspace the proof is
 * differential, both halves in one check: 401 without credentials, and neither 401/403, 5xx
 * nor silence with them. "Not 401" alone is never enough: a CP whose routes did not mount says
 * 404 to everyone.
 */
export async function checkCpAuthentication(
  ctx: Context,
  tenant: { slug: string; orgId: string; instanceId: string },
): Promise<CpAuthCheck> {
  const workspace = await findOrgWorkspace(ctx, tenant).catch(() => null);
  const [result] = await runShellScript(
    { aws: ctx.aws, clock: ctx.clock, signal: ctx.signal },
    {
      instanceIds: [tenant.instanceId],
      commands: renderTenantCommands({
        mode: 'cp-auth-check',
        containerName: ctx.config.environment.containerName,
        ...(workspace ? { workspaceId: workspace.workspaceId, workspaceInstanceId: workspace.instanceId } : {}),
      }),
      comment: 'molectl migrate cp-secret: canary CP authentication check (read-only)',
      readOnly: true,
      timeoutSeconds: 60,
      pollIntervalMs: 250,
      previewIsComplete: (p) => parseScriptResult(p) !== null,
    },
  );
  const parsed = result ? parseScriptResult(result.stdout) : null;
  const statuses = `without credentials ${parsed?.unauthStatus ?? '-'}, with them ${parsed?.authStatus ?? '-'}`;
  const record: Record<string, string> = { cpAuthStatuses: statuses };
  if (parsed?.status === 'cp-auth-ok' && parsed.proof) {
    record.cpAuthProof = parsed.proof;
    const how =
      parsed.proof === 'workspace-status'
        ? `workspace ${parsed.workspaceId} read with them answered HTTP ${parsed.authStatus}, state ${parsed.state}`
        : `differential: HTTP ${parsed.unauthStatus} without credentials, ${parsed.authStatus} with them${workspace ? '' : ' (the org has no workspace to read)'}`;
    return { ok: true, retriable: false, detail: `the CP accepts the tenant's credentials (${how})`, record };
  }
  const status = parsed?.status ?? 'did-not-run';
  record.cpAuthProof = 'none';
  const detail =
    parsed?.reason ?? `CP authentication check ${result?.statusDetails ?? result?.status ?? 'did not run'}`;
  return { ok: false, retriable: RETRIABLE.has(status), detail, record };
}

/** A running workspace instance of the org, by its tags (slug tag, then id tag when known). */
async function findOrgWorkspace(
  ctx: Context,
  tenant: { slug: string; orgId: string },
): Promise<{ workspaceId: string; instanceId: string } | null> {
  const env = ctx.config.environment;
  const pick = async (tag: Record<string, string>) => {
    const instances = await ctx.aws.listInstances({
      tags: { ...env.workspaceFilter.tags, ...tag },
      states: ['running'],
    });
    // The id travels to the host in the script's header: only plain ids qualify.
    const instance = instances.find((i) => /^[A-Za-z0-9-]{1,64}$/.test(i.tags[env.workspaceIdTagKey] ?? ''));
    return instance ? { workspaceId: instance.tags[env.workspaceIdTagKey]!, instanceId: instance.instanceId } : null;
  };
  return (
    (await pick({ [env.orgSlugTagKey]: tenant.slug })) ??
    (tenant.orgId ? await pick({ [env.orgIdTagKey]: tenant.orgId }) : null)
  );
}
