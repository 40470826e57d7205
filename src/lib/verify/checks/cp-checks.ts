import { fail, pass, skip, type CheckDeps, type CheckOutcome, type VerifyCheck } from '../check-types.js';
import { findInstanceAnswerLeaks } from './instance-answer-leaks.js';

/**
 * The control-plane checks of the post-deploy checklist (../shared/platform.md): health, the
 * provision gate, the admin gate, and the edge's instance view that once leaked a token.
 */

export const cpHealthCheck: VerifyCheck = {
  id: 'cp-health',
  title: 'CP /health answers 200 molecule-cp ok',
  source: 'built-in',
  waits: false,
  async run(deps) {
    const health = await deps.cp.health();
    if (health.service === 'molecule-cp' && health.status === 'ok')
      return pass(`GET ${deps.settings.cpUrl}/health: service molecule-cp, status ok`);
    return fail(
      `GET ${deps.settings.cpUrl}/health answered service ${health.service ?? '(none)'}, status ${health.status}`,
      'expected service molecule-cp and status ok: check that the CP URL points at the control plane, then its Railway deploy logs',
    );
  },
};

export const cpProvisionGatedCheck: VerifyCheck = {
  id: 'cp-provision-gated',
  title: 'POST /cp/workspaces/provision without a bearer answers 401',
  source: 'built-in',
  waits: false,
  async run(deps) {
    const { status } = await deps.cp.probeProvisionRoute();
    const call = 'POST /cp/workspaces/provision without a bearer';
    if (status === 401) return pass(`${call} answered 401`);
    if (status === 404) {
      return fail(
        'routes not mounted: PROVISION_SHARED_SECRET is not set on the CP',
        `${call} answered 404. Set PROVISION_SHARED_SECRET on the Railway service ${deps.settings.railway.serviceName} (${deps.settings.railway.environmentName}) to the value tenants hold as MOLECULE_CP_SHARED_SECRET, then redeploy the CP`,
      );
    }
    if (status >= 200 && status < 300) {
      return fail(
        `${call} was accepted (HTTP ${status}): the provision gate is open`,
        'roll the CP back to the last good deploy at once; the route must demand the shared secret',
      );
    }
    return fail(
      `${call} answered HTTP ${status}, expected 401`,
      'check the CP deploy logs: the provision route should reject a call without credentials with 401',
    );
  },
};

export const cpAdminGatedCheck: VerifyCheck = {
  id: 'cp-admin-gated',
  title: 'An admin route without a token is refused (401 or 403)',
  source: 'built-in',
  waits: false,
  async run(deps) {
    const response = await deps.request({
      method: 'GET',
      url: `${deps.settings.cpUrl}/cp/admin/orgs?limit=1`,
      accept: () => true,
    });
    const call = 'GET /cp/admin/orgs without a token';
    // 401 is what the CP answers; 403 is the same refusal from a CP or a gateway that words it
    // so. Either is the door seen shut; anything else is not.
    if (response.status === 401 || response.status === 403) return pass(`${call} answered ${response.status}`);
    if (response.status >= 200 && response.status < 300) {
      // "Open" is a verdict: it needs the admin API's own answer (JSON with an orgs list), not any 2xx.
      if (hasAdminListShape(response.bodyText)) {
        return fail(
          `${call} was answered with the org list (HTTP ${response.status}): the admin API is open`,
          'roll the CP back at once and rotate CP_ADMIN_API_TOKEN; admin routes must demand the token',
        );
      }
      return fail(
        `${call} got an unexpected answer: HTTP ${response.status} that is not the admin API's (not JSON with an orgs list)`,
        'something other than the CP answers this URL (a proxy, a login page, a wrong host): check the CP URL and what is in front of the CP',
      );
    }
    return fail(
      `${call} answered HTTP ${response.status}, expected a refusal (401 or 403)`,
      'check the CP deploy logs and the URL: admin routes should refuse a call without a token with 401',
    );
  },
};

export const cpInstanceNoSecretCheck: VerifyCheck = {
  id: 'cp-instance-no-secret',
  title: 'GET /cp/orgs/<canary>/instance carries no admin_token or token-shaped value',
  source: 'built-in',
  waits: false,
  async run(deps) {
    if (deps.settings.canaries.length === 0) return noCanary();
    // All canaries at once, as the health check below asks them: one round trip, not one each.
    const answers = await Promise.all(deps.settings.canaries.map((slug) => inspectInstance(deps, slug)));
    const problems = answers.filter((problem): problem is string => problem !== null);
    if (problems.length === 0)
      return pass(`no admin_token and no token-shaped value for ${deps.settings.canaries.join(', ')}`);
    const leaked = problems.some((p) => p.includes('admin_token') || p.includes('token-shaped'));
    return fail(
      problems.join('; '),
      leaked
        ? 'the instance route leaks a secret to anyone: roll the CP back to the last good deploy, then rotate the exposed tenant admin tokens'
        : 'check the canary slug (molectl org list) and the CP URL',
    );
  },
};

function hasAdminListShape(bodyText: string): boolean {
  try {
    const body = JSON.parse(bodyText) as { orgs?: unknown } | null;
    return Array.isArray(body?.orgs);
  } catch {
    return false;
  }
}

/** One canary: a problem line, or null when its instance view is clean. */
async function inspectInstance(deps: CheckDeps, slug: string): Promise<string | null> {
  const response = await deps.request({
    method: 'GET',
    url: `${deps.settings.cpUrl}/cp/orgs/${encodeURIComponent(slug)}/instance`,
    accept: () => true,
  });
  if (response.status === 404) return `${slug}: org not found (HTTP 404)`;
  if (response.status !== 200) return `${slug}: HTTP ${response.status}`;
  let body: unknown;
  try {
    body = JSON.parse(response.bodyText);
  } catch {
    return `${slug}: the body is not JSON`;
  }
  // Values are registered before anything is built from them, so no report can print them.
  const leaks = findInstanceAnswerLeaks(body, deps.redactor);
  if (response.bodyText.includes('admin_token') && !leaks.some((l) => l.includes('admin_token')))
    leaks.unshift('admin_token field');
  if (leaks.length > 0) return `${slug}: ${leaks.join(', ')}`;
  // "Carries no secret" is a verdict about the instance view: an answer without its `status`
  // (`{}`, `null`, a proxy's JSON) shows nothing of it, so it cannot pass.
  if (!isInstanceView(body)) return `${slug}: HTTP 200, but not the instance view (no status field)`;
  return null;
}

function isInstanceView(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    typeof (body as { status?: unknown }).status === 'string'
  );
}

export const tenantHealthCheck: VerifyCheck = {
  id: 'tenant-health',
  title: 'Each canary tenant\'s public /health answers 200 {"status":"ok"}',
  source: 'built-in',
  waits: false,
  async run(deps) {
    if (deps.settings.canaries.length === 0) return noCanary();
    const results = await Promise.all(
      deps.settings.canaries.map(async (slug) => {
        const url = deps.settings.tenantHealthUrl(slug);
        const response = await deps.request({ method: 'GET', url, accept: () => true, retries: 0 });
        let status: unknown;
        try {
          status = (JSON.parse(response.bodyText) as { status?: unknown }).status;
        } catch {
          status = undefined;
        }
        const ok = response.status === 200 && status === 'ok';
        return {
          slug,
          ok,
          text: ok
            ? `${slug} ok`
            : `${slug} HTTP ${response.status}${response.status === 200 ? ` status ${String(status ?? '(none)')}` : ''}`,
        };
      }),
    );
    const bad = results.filter((r) => !r.ok);
    if (bad.length === 0) return pass(results.map((r) => r.text).join(', '));
    return fail(
      `unhealthy: ${bad.map((r) => r.text).join(', ')}`,
      `a 502 means the tenant container or its tunnel is down: read its container logs with \`molectl logs ${bad[0]!.slug}\` and its boot console with \`molectl console ${bad[0]!.slug}\``,
    );
  },
};

function noCanary(): CheckOutcome {
  return skip(
    'no canary tenant given',
    'pass --canary SLUG (repeatable), or set verify.canaries for this environment in the config file',
  );
}
