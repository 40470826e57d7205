import { afterEach, describe, expect, it } from 'vitest';
import { CpClient, type CpClientOptions } from '../../../src/lib/cp/cp-client.js';
import { TenantPurgeIncompleteError } from '../../../src/lib/cp/tenant-purge-incomplete-error.js';
import { ConfigError, ExitCode, HttpError, MolectlError, NotFoundError, UsageError } from '../../../src/lib/errors.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { recordingSleep, sendJson, startLocalServer, type Handler, type LocalServer } from '../http/local-server.js';
import { hasRemoteText, stripRemoteMarks } from '../../../src/lib/output/remote-text.js';

const CP_TOKEN = 'SENTINEL-cp-admin-token-7c1e55';
const TENANT_TOKEN = 'SENTINEL-tenant-admin-token-90ab12';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function startCp(handler: Handler, overrides: Partial<CpClientOptions> = {}) {
  server = await startLocalServer(handler);
  const redactor = new Redactor();
  let tokenLookups = 0;
  const { sleep, delays } = recordingSleep();
  const cp = new CpClient({
    baseUrl: `${server.url}/`,
    getAdminToken: async () => {
      tokenLookups += 1;
      return `${CP_TOKEN}\n`;
    },
    redactor,
    sleep,
    ...overrides,
  });
  return { cp, redactor, delays, server, lookups: () => tokenLookups };
}

async function catchError(promise: Promise<unknown>): Promise<MolectlError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MolectlError);
  return error as MolectlError;
}

function everythingAbout(error: MolectlError): string {
  return `${error.message}\n${error.hint}\n${JSON.stringify(error)}\n${String(error.stack)}`;
}

describe('CpClient admin routes', () => {
  it('reads /health without asking for the admin token', async () => {
    const { cp, lookups, server } = await startCp((_req, res) =>
      sendJson(res, 200, { service: 'molecule-cp', status: 'ok', commit: 'abc' }),
    );
    expect(await cp.health()).toMatchObject({ service: 'molecule-cp', status: 'ok' });
    expect(lookups()).toBe(0);
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('lists orgs with the bearer token (asked for once, trimmed), keeping extra fields', async () => {
    const orgs = [
      { id: 'u-1', slug: 'acme', instance_status: 'running', created_at: '2026-04-01T00:00:00Z', plan: 'pro' },
    ];
    const { cp, lookups, server } = await startCp((_req, res) => sendJson(res, 200, { orgs, next: null }));
    expect(await cp.listOrgs()).toEqual({ rows: orgs, unreadable: [], limit: 500, more: null, limitRefused: null });
    await cp.listOrgs({ limit: 20 });
    expect(server.requests.map((r) => r.url)).toEqual(['/cp/admin/orgs?limit=500', '/cp/admin/orgs?limit=20']);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${CP_TOKEN}`);
    expect(lookups()).toBe(1);
  });

  it.each([
    [{ next_cursor: 'opaque-SENTINEL-cursor' }, {}, 'next_cursor'],
    [{ has_more: true }, {}, 'has_more'],
    [{ pagination: { next: 2, total: 1 } }, {}, 'pagination.next'],
    [{ meta: { total_count: 9 } }, {}, 'meta.total_count 9'],
    [{ total: 3 }, {}, 'total 3'],
    [{ total: 1, next_cursor: '', has_more: false, next: null }, {}, null],
    [{ nextPageToken: 'opaque' }, {}, 'nextPageToken'],
    [{ hasMore: true }, {}, 'hasMore'],
    [{ next_maintenance: '2026-12-24', more_info: 'https://status.example', cursor_style: 'opaque' }, {}, null],
    [{}, { link: '</cp/admin/orgs?limit=500&page=2>; rel="next"' }, 'a Link header with rel="next"'],
  ])('says when the answer holds more than the page (%j %j), by field name only', async (extra, headers, more) => {
    const orgs = [{ id: 'u-1', slug: 'acme', instance_status: 'running', created_at: null }];
    const { cp } = await startCp((_req, res) => sendJson(res, 200, { orgs, ...extra }, headers));
    expect((await cp.listOrgs()).more).toBe(more);
  });

  it('asks for a page size the CP refused only once per process, and every later page still says so', async () => {
    const orgs = [{ id: 'u-1', slug: 'acme', instance_status: 'running', created_at: null }];
    const { cp, server } = await startCp((req, res) => {
      const limit = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('limit'));
      if (limit > 100) return sendJson(res, 400, { error: 'limit must be at most 100' });
      sendJson(res, 200, { orgs });
    });
    // The CP's words are remote text: marked as such for the redactor, so matched, not compared.
    const refused = { limit: 500, answer: expect.stringMatching(/^HTTP 400: \W*limit must be at most 100\W*$/) };
    expect((await cp.listOrgs()).limitRefused).toEqual(refused);
    expect(await cp.listOrgs()).toMatchObject({ limit: 100, limitRefused: refused });
    expect((await cp.listOrgs({ limit: 20 })).limitRefused).toBeNull();
    expect(server.requests.map((r) => r.url)).toEqual([
      '/cp/admin/orgs?limit=500',
      '/cp/admin/orgs?limit=100',
      '/cp/admin/orgs?limit=100',
      '/cp/admin/orgs?limit=20',
    ]);
  });

  it('reads a long page whole (the body cap grows with the limit asked for), and still caps it', async () => {
    const row = (i: number) => ({
      id: `u-${i}`,
      slug: `org-${i}`,
      instance_status: 'running',
      created_at: '2026-04-01T00:00:00Z',
      note: 'x'.repeat(200),
    });
    const { cp } = await startCp((req, res) => {
      const limit = Number(new URL(req.url!, 'http://cp').searchParams.get('limit'));
      sendJson(res, 200, { orgs: Array.from({ length: limit }, (_, i) => row(i)) });
    });
    // ~2.8 MB for 10,000 rows: past the 1 MiB every other answer is held to.
    expect((await cp.listOrgs({ limit: 10_000 })).rows).toHaveLength(10_000);
    await server!.close();
    // Rows with a few KB of extra fields each: 500 of them (~1.5 MB) are still one readable page.
    const { cp: rich } = await startCp((_req, res) =>
      sendJson(res, 200, { orgs: Array.from({ length: 500 }, (_, i) => ({ ...row(i), note: 'x'.repeat(3000) })) }),
    );
    expect((await rich.listOrgs({ limit: 500 })).rows).toHaveLength(500);
    await server!.close();
    const { cp: padded } = await startCp((_req, res) =>
      sendJson(res, 200, { orgs: Array.from({ length: 600 }, (_, i) => ({ ...row(i), note: 'x'.repeat(10_000) })) }),
    );
    expect((await catchError(padded.listOrgs({ limit: 600 }))).message).toMatch(/larger than the .* cap/);
  });

  it('turns a rejected admin token into exit code 3 naming the token sources, without the token', async () => {
    const { cp, server } = await startCp((req, res) =>
      sendJson(res, 401, { error: `invalid token ${req.headers.authorization}` }),
    );
    const error = await catchError(cp.listOrgs());
    expect(error.code).toBe(ExitCode.credentials);
    expect(error.message).toBe(`the CP at ${server.url} rejected the admin token (HTTP 401)`);
    expect(error.hint).toBe(
      `check CP_ADMIN_API_TOKEN (or cpTokenFile / cpTokenCommand in the config) for ${server.url}`,
    );
    expect(everythingAbout(error)).not.toContain(CP_TOKEN);
    expect(stripRemoteMarks((error as HttpError).remoteError!)).toBe('invalid token Bearer [REDACTED:cp-admin-token]');
    // The CP's words are marked as remote text: printed with shapes redacted and controls escaped.
    expect(hasRemoteText((error as HttpError).remoteError!)).toBe(true);
  });

  it('sets an odd row apart as unreadable (naming the field, never quoting the body) and keeps the rest', async () => {
    const { cp } = await startCp((_req, res) =>
      sendJson(res, 200, {
        orgs: [
          { id: 'u-1', instance_status: 'running', created_at: 'x', note: 'RAW-BODY-SENTINEL' },
          { id: null, slug: 'beta', created_at: null },
          { id: 'u-3', slug: 'gamma', instance_status: 'running', created_at: null },
        ],
      }),
    );
    const page = await cp.listOrgs();
    expect(page.rows.map((r) => [r.slug, r.created_at])).toEqual([['gamma', null]]);
    expect(page.unreadable).toEqual([
      { index: 0, slug: null, problem: expect.stringMatching(/^slug: .*expected string/) },
      { index: 1, slug: 'beta', problem: expect.stringMatching(/id: .*; instance_status: /) },
    ]);
    expect(JSON.stringify(page)).not.toContain('RAW-BODY-SENTINEL');
  });

  it('names the failing field when the list itself has the wrong shape, never quoting the body', async () => {
    const { cp } = await startCp((_req, res) => sendJson(res, 200, { organisations: [], note: 'RAW-BODY-SENTINEL' }));
    const error = await catchError(cp.listOrgs());
    expect(error.code).toBe(ExitCode.failed);
    expect(error.message).toMatch(/answered with an unexpected shape: orgs: .*expected array/);
    expect(error.message).not.toContain('RAW-BODY-SENTINEL');
    expect(error.hint).toMatch(/up to date/);
  });

  it('says a body that is not JSON is not JSON, without quoting it', async () => {
    const { cp } = await startCp((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>RAW-BODY-SENTINEL</html>');
    });
    const error = await catchError(cp.health());
    expect(error.message).toMatch(/answered HTTP 200 with a body that is not JSON$/);
    expect(error.message).not.toContain('RAW-BODY-SENTINEL');
  });

  it('retries idempotent reads on 503 and reports the retry', async () => {
    const seen: string[] = [];
    const { cp, delays } = await startCp(
      (_req, res, i) => (i === 0 ? sendJson(res, 503, {}) : sendJson(res, 200, { status: 'ok' })),
      {
        onRetry: (r) => seen.push(`retrying (${r.attempt}/${r.maxAttempts}) after ${r.reason}`),
        retries: 2,
      },
    );
    expect((await cp.health()).status).toBe('ok');
    expect(seen).toEqual(['retrying (2/3) after HTTP 503']);
    expect(delays).toHaveLength(1);
  });

  it('refuses an empty admin token as a configuration problem (exit 3) without sending anything', async () => {
    const { cp, server } = await startCp((_req, res) => sendJson(res, 200, { orgs: [] }), {
      getAdminToken: async () => '  \n',
    });
    const error = await catchError(cp.listOrgs());
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.hint).toMatch(/CP_ADMIN_API_TOKEN/);
    expect(server.requests).toHaveLength(0);
    await expect(cp.listOrgs({ limit: 0 })).rejects.toBeInstanceOf(UsageError);
  });

  it('refuses a plain-http CP URL off loopback before asking for the token or sending anything', () => {
    let asked = false;
    const build = () =>
      new CpClient({
        baseUrl: 'http://api.moleculesai.app',
        getAdminToken: async () => ((asked = true), CP_TOKEN),
        redactor: new Redactor(),
      });
    expect(build).toThrow(ConfigError);
    expect(asked).toBe(false);
  });
});

describe('CpClient org lifecycle', () => {
  it('creates an org with the snake_case body and returns its id', async () => {
    const { cp, server } = await startCp((_req, res) => sendJson(res, 201, { id: 'org-uuid-1', slug: 'acme' }));
    expect(await cp.createOrg({ slug: 'acme', name: 'Acme', ownerUserId: 'user-1' })).toEqual({
      httpStatus: 201,
      id: 'org-uuid-1',
      createdAt: null,
      // The CP's own answer time (its Date header), which judges a 200's org by the CP's clock.
      answeredAt: expect.any(Date),
    });
    expect(server.requests[0]!.method).toBe('POST');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ slug: 'acme', name: 'Acme', owner_user_id: 'user-1' });
  });

  it('takes any 2xx as created, whatever the body (the id is then unknown)', async () => {
    for (const [status, body] of [
      [201, ''],
      [200, '<html>ok</html>'],
      [202, '{"slug":"acme"}'],
      [204, ''],
      // An envelope naming another org is not this org's answer.
      [201, '{"org":{"id":"u-other","slug":"other"}}'],
    ] as const) {
      const { cp } = await startCp((_req, res) => {
        res.writeHead(status);
        res.end(body);
      });
      expect(await cp.createOrg({ slug: 'acme', name: 'Acme', ownerUserId: 'user-1' })).toEqual({
        httpStatus: status,
        id: null,
        createdAt: null,
        answeredAt: expect.any(Date),
      });
    }
  });

  it('reads the id from an envelope ({"org":{...}} or {"data":{...}})', async () => {
    for (const key of ['org', 'data']) {
      const { cp } = await startCp((_req, res) =>
        sendJson(res, 201, { [key]: { id: 'u-9', slug: 'acme', created_at: '2026-04-01T00:00:00Z' } }),
      );
      expect(await cp.createOrg({ slug: 'acme', name: 'Acme', ownerUserId: 'user-1' })).toEqual({
        httpStatus: 201,
        id: 'u-9',
        createdAt: '2026-04-01T00:00:00Z',
        answeredAt: expect.any(Date),
      });
      await server!.close();
    }
  });

  it('reports a taken slug (409) as a failed operation, exit 1 (issue 4)', async () => {
    const { cp } = await startCp((_req, res) => sendJson(res, 409, { error: 'duplicate key' }));
    const error = await catchError(cp.createOrg({ slug: 'acme', name: 'Acme', ownerUserId: 'user-1' }));
    expect(error.message).toBe('org slug "acme" is already taken');
    expect(error.code).toBe(ExitCode.failed);
    expect(error.hint).toMatch(/another slug/);
  });

  it('never repeats an org creation that timed out, and says how to check', async () => {
    const { cp, server } = await startCp(() => undefined, { timeoutMs: 150 });
    const error = await catchError(cp.createOrg({ slug: 'acme', name: 'Acme', ownerUserId: 'user-1' }));
    expect(error.message).toMatch(/POST .*\/cp\/admin\/orgs timed out after 150 ms; the outcome is unknown/);
    expect(error.hint).toBe('run `molectl org list` to see whether org "acme" was created before trying again');
    expect(server.requests).toHaveLength(1);
  });

  it('refuses a slug that could reshape the URL before sending anything', async () => {
    const { cp, server } = await startCp((_req, res) => sendJson(res, 200, {}));
    const error = await catchError(cp.deleteTenant('../orgs'));
    expect(error).toBeInstanceOf(UsageError);
    expect(server.requests).toHaveLength(0);
  });

  it('deletes a tenant with the confirm body', async () => {
    const { cp, server } = await startCp((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    expect(await cp.deleteTenant('acme')).toEqual({ status: 'deleted', httpStatus: 204 });
    expect(server.requests[0]!.method).toBe('DELETE');
    expect(server.requests[0]!.url).toBe('/cp/admin/tenants/acme');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ confirm: 'acme' });
  });

  it('surfaces a half-done cascade (500 + purge_id) as a retryable typed error', async () => {
    const { cp } = await startCp((_req, res) =>
      sendJson(res, 500, { error: 'terminate instances: throttled', purge_id: 'p-42' }),
    );
    const error = await catchError(cp.deleteTenant('acme'));
    expect(error).toBeInstanceOf(TenantPurgeIncompleteError);
    expect((error as TenantPurgeIncompleteError).purgeId).toBe('p-42');
    expect((error as TenantPurgeIncompleteError).retryable).toBe(true);
    expect(stripRemoteMarks(error.message)).toBe(
      'deleting tenant "acme" stopped part way (purge p-42): terminate instances: throttled',
    );
    expect(error.hint).toMatch(/run the same delete/);
  });

  it('reports an unknown slug as not found, exit 4', async () => {
    const { cp } = await startCp((_req, res) => sendJson(res, 404, { error: 'org not found' }));
    const error = await catchError(cp.getOrgAdminToken('ghost'));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.code).toBe(ExitCode.notFound);
    expect(error.message).toMatch(/^org "ghost" not found on the CP at /);
  });

  it('registers a fetched tenant admin token with the redactor before returning it', async () => {
    const { cp, redactor } = await startCp((req, res) =>
      req.url.endsWith('/admin-token')
        ? sendJson(res, 200, { admin_token: TENANT_TOKEN })
        : sendJson(res, 500, { error: `boom ${TENANT_TOKEN}` }),
    );
    expect(await cp.getOrgAdminToken('acme')).toBe(TENANT_TOKEN);
    expect(redactor.redact(`ADMIN=${TENANT_TOKEN} b64=${Buffer.from(TENANT_TOKEN).toString('base64')}`)).not.toMatch(
      /SENTINEL|U0VOVElORUwt/,
    );
    const error = await catchError(cp.listOrgs());
    expect(everythingAbout(error)).not.toContain(TENANT_TOKEN);
    expect(error.message).toContain('boom [REDACTED:tenant-admin-token]');
  });

  it('names the admin_token field when the token response has the wrong shape, without quoting the body', async () => {
    const { cp } = await startCp((_req, res) => sendJson(res, 200, { admin_token: 12345, hint: 'RAW-BODY-SENTINEL' }));
    const error = await catchError(cp.getOrgAdminToken('acme'));
    expect(error.message).toMatch(/unexpected shape: admin_token: .*expected string, received number$/);
    expect(error.message).not.toContain('RAW-BODY-SENTINEL');
  });
});

describe('CpClient fleet, console and tenant routes', () => {
  it('asks for a fleet redeploy with snake_case options and types the results', async () => {
    const results = [
      { slug: 'acme', phase: 'done', ssm_status: 'Success', ssm_exit_code: 0, healthz_ok: true, error: null },
    ];
    const { cp, server } = await startCp((_req, res) => sendJson(res, 200, { ok: true, results }));
    const body = await cp.redeployFleet({
      targetTag: 'v1.2.3',
      canarySlug: 'acme',
      soakSeconds: 60,
      batchSize: 5,
      dryRun: true,
    });
    expect(body).toEqual({ ok: true, results });
    expect(JSON.parse(server.requests[0]!.body)).toEqual({
      target_tag: 'v1.2.3',
      canary_slug: 'acme',
      soak_seconds: 60,
      batch_size: 5,
      dry_run: true,
    });
  });

  it('returns a workspace console', async () => {
    const { cp, server } = await startCp((_req, res) => sendJson(res, 200, { output: 'cloud-init done' }));
    expect(await cp.getWorkspaceConsole('0f1e2d3c-aaaa-bbbb-cccc-111122223333')).toBe('cloud-init done');
    expect(server.requests[0]!.url).toBe('/cp/admin/workspaces/0f1e2d3c-aaaa-bbbb-cccc-111122223333/console');
  });

  it('reads an org instance without auth and exposes the raw keys; a leaked admin_token is registered at once', async () => {
    const { cp, redactor, lookups, server } = await startCp((_req, res) =>
      sendJson(res, 200, {
        slug: 'acme',
        status: 'running',
        ip: '10.0.0.5',
        region: 'us-east-2',
        admin_token: TENANT_TOKEN,
      }),
    );
    const { instance, keys } = await cp.getOrgInstance('acme');
    expect(instance.status).toBe('running');
    expect(keys).toContain('admin_token');
    expect(redactor.redact(TENANT_TOKEN)).not.toContain(TENANT_TOKEN);
    expect(lookups()).toBe(0);
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('probes the provision route and returns the status: 401 without a bearer, 404 when unmounted', async () => {
    const { cp, server } = await startCp((req, res) =>
      req.headers.authorization
        ? sendJson(res, 404, { error: 'not found' })
        : sendJson(res, 401, { error: 'unauthorized' }),
    );
    const probed = await cp.probeProvisionRoute();
    expect({ ...probed, remoteError: stripRemoteMarks(probed.remoteError ?? '') }).toEqual({
      status: 401,
      remoteError: 'unauthorized',
    });
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
    expect(
      (await cp.probeProvisionRoute({ bearer: 'SENTINEL-provision-secret-1', adminToken: TENANT_TOKEN })).status,
    ).toBe(404);
    expect(server.requests[1]!.headers['x-molecule-admin-token']).toBe(TENANT_TOKEN);
    expect(server.requests).toHaveLength(2);
  });

  it('proves tenant credentials with the workspace status call; a rejected pair is exit 3 without values', async () => {
    const secret = 'SENTINEL-shared-secret-5d5d5d';
    const { cp, server } = await startCp((req, res) =>
      req.headers.authorization === `Bearer ${secret}`
        ? sendJson(res, 200, { state: 'running' })
        : sendJson(res, 401, {}),
    );
    const input = { workspaceId: 'ws-1', instanceId: 'i-0abc', sharedSecret: secret, adminToken: TENANT_TOKEN };
    expect(await cp.getWorkspaceStatus(input)).toEqual({ state: 'running' });
    expect(server.requests[0]!.url).toBe('/cp/workspaces/ws-1/status?instance_id=i-0abc');
    expect(server.requests[0]!.headers['x-molecule-admin-token']).toBe(TENANT_TOKEN);
    const error = await catchError(cp.getWorkspaceStatus({ ...input, sharedSecret: 'SENTINEL-wrong-secret-000' }));
    expect(error.code).toBe(ExitCode.credentials);
    expect(everythingAbout(error)).not.toMatch(/SENTINEL/);
  });

  it('reads the tenant config with the tenant headers and registers secret-looking values', async () => {
    const shared = 'SENTINEL-config-secret-abcdef';
    const { cp, redactor, server } = await startCp((_req, res) =>
      sendJson(res, 200, {
        MOLECULE_CP_URL: 'https://api.moleculesai.app',
        MOLECULE_CP_SHARED_SECRET: shared,
        PORT: 8080,
      }),
    );
    const config = await cp.getTenantConfig({ adminToken: TENANT_TOKEN, orgId: 'org-uuid-1' });
    expect(config.MOLECULE_CP_URL).toBe('https://api.moleculesai.app');
    expect(server.requests[0]!.headers['x-molecule-org-id']).toBe('org-uuid-1');
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${TENANT_TOKEN}`);
    expect(redactor.redact(`${shared} https://api.moleculesai.app`)).toBe(
      '[REDACTED:tenant-config-secret] https://api.moleculesai.app',
    );
  });
});
