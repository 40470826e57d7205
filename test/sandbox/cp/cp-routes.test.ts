import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateRawSqlDelete, simulateTenantProvisionCall } from '../../../src/sandbox/cp/simulate-tenant.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/start-sandbox.js';

let sandbox: Sandbox;

async function call(
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? sandbox.state.cpAdminToken : options.token;
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, text };
}

async function waitFor(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function liveInstances(slug: string): string[] {
  return [...sandbox.state.instances.values()]
    .filter(
      (i) =>
        i.tags.some((t) => t.Key === 'OrgSlug' && t.Value === slug) &&
        i.state !== 'terminated' &&
        i.state !== 'shutting-down',
    )
    .map((i) => i.tags.find((t) => t.Key === 'Role')?.Value ?? '');
}

beforeAll(async () => {
  sandbox = await startSandbox({
    tenants: 6,
    preCutover: 3,
    workspacesPerTenant: 2,
    seed: 3,
    faults: 'provision-fail=broken,cascade-fail=delta:terminate-tenant,leak=epsilon',
  });
});

afterAll(async () => {
  await sandbox.stop();
});

describe('simulated CP: admin routes', () => {
  it('answers /health without auth', async () => {
    expect(await call('GET', '/health', { token: null })).toMatchObject({
      status: 200,
      json: { service: 'molecule-cp', status: 'ok' },
    });
  });

  it('refuses admin routes without the CP admin token', async () => {
    expect(await call('GET', '/cp/admin/orgs', { token: null })).toMatchObject({
      status: 401,
      json: { error: 'unauthorized' },
    });
    expect(await call('GET', '/cp/admin/orgs', { token: 'wrong' })).toMatchObject({
      status: 401,
      json: { error: 'unauthorized' },
    });
  });

  it('lists orgs with their instance status and honours limit', async () => {
    const all = await call('GET', '/cp/admin/orgs?limit=500');
    expect(all.status).toBe(200);
    expect(all.json.orgs.map((o: any) => o.slug)).toEqual(['acme', 'beta', 'gamma', 'delta', 'epsilon', 'zeta']);
    expect(all.json.orgs[0]).toMatchObject({ instance_status: 'running', name: 'Acme Inc' });
    expect(all.json.orgs[0]).not.toHaveProperty('status');
    expect((await call('GET', '/cp/admin/orgs?limit=2')).json.orgs).toHaveLength(2);
  });

  it('creates an org that becomes running with a tenant, workspaces and a stored admin token; 409 on a taken slug', async () => {
    const created = await call('POST', '/cp/admin/orgs', {
      body: { slug: 'newco', name: 'New Co', owner_user_id: 'u1' },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ slug: 'newco', instance_status: 'provisioning' });
    expect(created.json.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call('POST', '/cp/admin/orgs', { body: { slug: 'newco', name: 'x' } })).status).toBe(409);
    await waitFor(() => sandbox.state.orgs.get('newco')?.instanceStatus === 'running');
    expect(liveInstances('newco').sort()).toEqual(['tenant', 'workspace']);
    const token = await call('GET', '/cp/admin/orgs/newco/admin-token');
    expect(token.json.admin_token).toBe(sandbox.state.orgs.get('newco')?.adminToken);
    expect(sandbox.state.secrets.get('molecule/tenants/newco/admin-token')?.versions[0]?.value).toBe(
      token.json.admin_token,
    );
    // New orgs are post-cutover: their container can provision.
    expect(await simulateTenantProvisionCall(sandbox.state, 'newco')).toBe(201);
  });

  it('ends in failed when provisioning is made to fail, with a failure signature on the console', async () => {
    expect((await call('POST', '/cp/admin/orgs', { body: { slug: 'broken', name: 'Broken' } })).status).toBe(201);
    await waitFor(() => sandbox.state.orgs.get('broken')?.instanceStatus === 'failed');
    const org = sandbox.state.orgs.get('broken');
    const consoleText = sandbox.state.instances.get(org?.tenantInstanceId ?? '')?.console ?? '';
    expect(consoleText).toContain('denied: denied');
    expect(consoleText).toContain('Failed to run module scripts-user');
    expect((await call('GET', '/_tenants/broken/health', { token: null })).status).toBe(502);
  });

  it('leaks tenant secrets on the boot console the way a set -x bootstrap does', async () => {
    const org = sandbox.state.orgs.get('gamma');
    const consoleText = sandbox.state.instances.get(org?.tenantInstanceId ?? '')?.console ?? '';
    expect(consoleText.split('\n').length).toBeGreaterThan(200);
    expect(consoleText).toContain(`-e ADMIN_TOKEN=${org?.adminToken}`);
    expect(consoleText).toContain(`Authorization: Bearer ${org?.adminToken}`);
    const ws = org?.workspaceIds[0] ?? '';
    const wsConsole = await call('GET', `/cp/admin/workspaces/${ws}/console`);
    expect(wsConsole.status).toBe(200);
    expect(wsConsole.json.output).toContain('WORKSPACE_TOKEN=mol_pk_');
    expect((await call('GET', '/cp/admin/workspaces/nope/console')).status).toBe(404);
  });

  it('deletes a tenant in a cascade: 400 without confirm, 404 unknown, instances terminated and row gone', async () => {
    expect((await call('DELETE', '/cp/admin/tenants/zeta', { body: { confirm: 'zet' } })).status).toBe(400);
    expect((await call('DELETE', '/cp/admin/tenants/nobody', { body: { confirm: 'nobody' } })).status).toBe(404);
    const res = await call('DELETE', '/cp/admin/tenants/zeta', { body: { confirm: 'zeta' } });
    expect(res.status).toBe(200);
    expect(res.json.purge_id).toBeTruthy();
    expect(sandbox.state.orgs.has('zeta')).toBe(false);
    expect(liveInstances('zeta')).toEqual([]);
    expect(sandbox.state.secrets.has('molecule/tenants/zeta/admin-token')).toBe(false);
  });

  it('fails a cascade midway once with 500 + purge_id, and resumes from the last finished step on retry', async () => {
    const first = await call('DELETE', '/cp/admin/tenants/delta', { body: { confirm: 'delta' } });
    expect(first.status).toBe(500);
    expect(first.json.error).toContain('delete-secret');
    expect(sandbox.state.orgs.has('delta')).toBe(true);
    expect(liveInstances('delta')).toEqual([]);
    const retry = await call('DELETE', '/cp/admin/tenants/delta', { body: { confirm: 'delta' } });
    expect(retry.status).toBe(200);
    expect(retry.json.purge_id).toBe(first.json.purge_id);
    expect(retry.json.steps.slice(0, 3)).toEqual([
      { step: 'terminate-workspaces', status: 'already-done' },
      { step: 'terminate-tenant', status: 'already-done' },
      { step: 'delete-secret', status: 'done' },
    ]);
    expect(sandbox.state.orgs.has('delta')).toBe(false);
  });

  it('leaks a workspace instance when the leak fault names the org', async () => {
    expect((await call('DELETE', '/cp/admin/tenants/epsilon', { body: { confirm: 'epsilon' } })).status).toBe(200);
    expect(liveInstances('epsilon')).toEqual(['workspace']);
  });

  it('simulates the raw-SQL delete: the row is gone, the instances keep running', () => {
    expect(simulateRawSqlDelete(sandbox.state, 'beta')).toBe(true);
    expect(sandbox.state.orgs.has('beta')).toBe(false);
    expect(liveInstances('beta').sort()).toEqual(['tenant', 'workspace', 'workspace']);
  });
});

describe('simulated CP: tenant-facing routes', () => {
  it('gates /cp/workspaces/provision: 401 without bearer, 401 with a wrong credential, 201 with both right', async () => {
    const org = sandbox.state.orgs.get('acme')!;
    const secret = sandbox.state.provisionSharedSecret;
    expect((await call('POST', '/cp/workspaces/provision', { token: null, body: {} })).status).toBe(401);
    expect(
      (
        await call('POST', '/cp/workspaces/provision', {
          token: 'wrong',
          headers: { 'x-molecule-admin-token': org.adminToken },
          body: {},
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await call('POST', '/cp/workspaces/provision', {
          token: secret,
          headers: { 'x-molecule-admin-token': 'wrong' },
          body: {},
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await call('POST', '/cp/workspaces/provision', {
          token: secret,
          headers: { 'x-molecule-admin-token': org.adminToken },
          body: {},
        })
      ).status,
    ).toBe(201);
    const status = await call('GET', `/cp/workspaces/x/status?instance_id=${org.tenantInstanceId}`, {
      token: secret,
      headers: { 'x-molecule-admin-token': org.adminToken },
    });
    expect(status).toMatchObject({ status: 200, json: { state: 'running' } });
    expect(
      (await call('GET', `/cp/workspaces/x/status?instance_id=${org.tenantInstanceId}`, { token: null })).status,
    ).toBe(401);
  });

  it('answers 404 on the provision routes when they are unmounted', async () => {
    sandbox.state.faults.flags['provisionRoutesUnmounted'] = true;
    try {
      expect((await call('POST', '/cp/workspaces/provision', { token: null, body: {} })).status).toBe(404);
    } finally {
      delete sandbox.state.faults.flags['provisionRoutesUnmounted'];
    }
  });

  it('serves the instance route without the admin token unless the leak flag is set', async () => {
    const res = await call('GET', '/cp/orgs/acme/instance', { token: null });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(['ip', 'region', 'slug', 'status']);
    sandbox.state.faults.flags['instanceLeaksToken'] = true;
    try {
      expect((await call('GET', '/cp/orgs/acme/instance', { token: null })).json.admin_token).toBe(
        sandbox.state.orgs.get('acme')?.adminToken,
      );
    } finally {
      delete sandbox.state.faults.flags['instanceLeaksToken'];
    }
  });

  it('returns tenant config for the tenant admin token and org id, without the shared secret', async () => {
    const org = sandbox.state.orgs.get('acme')!;
    const res = await call('GET', '/cp/tenants/config', {
      token: org.adminToken,
      headers: { 'x-molecule-org-id': org.id },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ORG_ID: org.id, ORG_SLUG: 'acme', MOLECULE_CP_URL: sandbox.url });
    expect(res.text).not.toContain(sandbox.state.provisionSharedSecret);
    expect((await call('GET', '/cp/tenants/config', { token: org.adminToken })).status).toBe(401);
  });

  it('serves a tenant health endpoint that follows its container', async () => {
    expect(await call('GET', '/_tenants/acme/health', { token: null })).toMatchObject({
      status: 200,
      json: { status: 'ok' },
    });
    const r = await sandbox.hosts.runScript(
      sandbox.state.instances.get(sandbox.state.orgs.get('acme')!.tenantInstanceId!)!,
      'docker stop molecule-tenant',
      {
        timeoutSeconds: 10,
        commandId: 'stop-acme',
      },
    );
    expect(r.exitCode).toBe(0);
    expect((await call('GET', '/_tenants/acme/health', { token: null })).status).toBe(502);
    expect(await simulateTenantProvisionCall(sandbox.state, 'acme')).toBe(0);
  });

  it('records CP requests in arrival order with their status', async () => {
    const before = sandbox.state.requests.length;
    await call('GET', '/health', { token: null });
    const last = sandbox.state.requests.slice(before);
    expect(last).toHaveLength(1);
    expect(last[0]).toMatchObject({ service: 'cp', action: 'GET /health', status: 200 });
  });
});

describe('simulated CP: fleet redeploy', () => {
  it('plans without acting on dry_run, then recreates containers from user-data, canary first', async () => {
    const dry = await call('POST', '/cp/admin/tenants/redeploy-fleet', {
      body: { target_tag: 'v2', canary_slug: 'gamma', batch_size: 2, dry_run: true },
    });
    expect(dry.status).toBe(200);
    expect(dry.json.results[0]).toMatchObject({ slug: 'gamma', phase: 'canary', ssm_status: 'Planned' });
    const res = await call('POST', '/cp/admin/tenants/redeploy-fleet', {
      body: { target_tag: 'v2', canary_slug: 'gamma', batch_size: 2, soak_seconds: 0 },
    });
    expect(res.status).toBe(200);
    expect(res.json.ok).toBe(true);
    expect(res.json.results[0]).toMatchObject({
      slug: 'gamma',
      phase: 'canary',
      ssm_status: 'Success',
      ssm_exit_code: 0,
      healthz_ok: true,
      error: '',
    });
    expect(res.json.results.map((r: any) => r.slug)).toContain('acme');
    // acme's stopped container was recreated: healthy again.
    expect((await call('GET', '/_tenants/acme/health', { token: null })).status).toBe(200);
    expect((await call('POST', '/cp/admin/tenants/redeploy-fleet', { body: {} })).status).toBe(400);
  });
});

describe('simulated CP: 5xx faults', () => {
  it('answers a seeded, reproducible share of CP requests with 503', async () => {
    const pattern = async (): Promise<number[]> => {
      const sb = await startSandbox({ tenants: 1, seed: 11, faults: 'cp5xx=0.3' });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 40; i++) statuses.push((await fetch(`${sb.url}/health`)).status);
        return statuses;
      } finally {
        await sb.stop();
      }
    };
    const a = await pattern();
    const failures = a.filter((s) => s === 503).length;
    expect(failures).toBeGreaterThan(3);
    expect(failures).toBeLessThan(25);
    expect(a.every((s) => s === 200 || s === 503)).toBe(true);
    expect(await pattern()).toEqual(a);
  });
});
