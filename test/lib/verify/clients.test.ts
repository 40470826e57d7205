import { describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse } from '../../../src/lib/http/http-request.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { fetchLatestRailwayDeployment } from '../../../src/lib/verify/clients/railway-client.js';
import { headManifest } from '../../../src/lib/verify/clients/registry-client.js';
import { fetchLatestVercelDeployment } from '../../../src/lib/verify/clients/vercel-client.js';

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

/** A scripted door: answers in order, records what was asked. */
function scripted(answers: Answer[]) {
  const calls: HttpRequest[] = [];
  const request = async (req: HttpRequest): Promise<HttpResponse> => {
    calls.push(req);
    const a = answers[calls.length - 1] ?? { status: 500 };
    const bodyText = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
    if (req.accept && !req.accept(a.status)) throw new Error(`HTTP ${a.status}`);
    return { status: a.status, headers: new Headers(a.headers ?? {}), bodyText, url: String(req.url), attempts: 1 };
  };
  return { request, calls };
}

const railwayTarget = {
  apiUrl: 'https://railway.test/graphql/v2',
  token: 'rw-token-123456',
  projectId: 'p1',
  serviceName: 'controlplane',
  environmentName: 'production',
};

describe('Railway client', () => {
  it('resolves ids by name, then reads the latest deployment and its commit', async () => {
    const { request, calls } = scripted([
      {
        status: 200,
        body: {
          data: {
            project: {
              services: { edges: [{ node: { id: 's1', name: 'controlplane' } }] },
              environments: { edges: [{ node: { id: 'e1', name: 'production' } }] },
            },
          },
        },
      },
      {
        status: 200,
        body: {
          data: { deployments: { edges: [{ node: { id: 'd1', status: 'success', meta: { commitHash: 'abc' } } }] } },
        },
      },
    ]);
    expect(await fetchLatestRailwayDeployment(request, railwayTarget)).toEqual({
      id: 'd1',
      status: 'SUCCESS',
      commitHash: 'abc',
    });
    expect((calls[1]!.json as { variables: unknown }).variables).toEqual({
      input: { projectId: 'p1', serviceId: 's1', environmentId: 'e1' },
      first: 1,
    });
    expect(calls.every((c) => c.headers?.authorization === 'Bearer rw-token-123456')).toBe(true);
  });

  it('skips the lookup when ids are configured, and returns null without deployments', async () => {
    const { request, calls } = scripted([{ status: 200, body: { data: { deployments: { edges: [] } } } }]);
    expect(
      await fetchLatestRailwayDeployment(request, { ...railwayTarget, serviceId: 's', environmentId: 'e' }),
    ).toBeNull();
    expect(calls).toHaveLength(1);
  });

  it('names a missing service and a GraphQL error', async () => {
    const noService = scripted([
      { status: 200, body: { data: { project: { services: { edges: [] }, environments: { edges: [] } } } } },
    ]);
    await expect(fetchLatestRailwayDeployment(noService.request, railwayTarget)).rejects.toThrow(
      'has no service named "controlplane"',
    );
    const gqlError = scripted([{ status: 200, body: { errors: [{ message: 'Problem processing request' }] } }]);
    await expect(fetchLatestRailwayDeployment(gqlError.request, railwayTarget)).rejects.toThrow(
      // Railway's words are remote text (marked, so redacted and escaped when printed).
      /^Railway's API answered an error: \W?Problem processing request\W?$/,
    );
    const denied = scripted([{ status: 401 }]);
    await expect(fetchLatestRailwayDeployment(denied.request, railwayTarget)).rejects.toMatchObject({ code: 3 });
  });
});

describe('Vercel client', () => {
  const target = { apiUrl: 'https://vercel.test', token: 'vc-token-123456', projectId: 'prj_1', teamId: 'team_1' };

  it('asks for the latest production deployment and reads readyState and any *CommitSha', async () => {
    const { request, calls } = scripted([
      { status: 200, body: { deployments: [{ uid: 'dpl_1', readyState: 'ready', meta: { gitlabCommitSha: 'fff' } }] } },
    ]);
    expect(await fetchLatestVercelDeployment(request, target)).toEqual({
      id: 'dpl_1',
      state: 'READY',
      commitSha: 'fff',
    });
    const url = new URL(String(calls[0]!.url));
    expect(Object.fromEntries(url.searchParams)).toEqual({
      projectId: 'prj_1',
      target: 'production',
      limit: '1',
      teamId: 'team_1',
    });
  });

  it('returns null for no deployments and a credentials error for 403', async () => {
    expect(
      await fetchLatestVercelDeployment(scripted([{ status: 200, body: { deployments: [] } }]).request, target),
    ).toBeNull();
    await expect(fetchLatestVercelDeployment(scripted([{ status: 403 }]).request, target)).rejects.toMatchObject({
      code: 3,
    });
  });
});

describe('registry client', () => {
  const query = { registryUrl: 'https://reg.test', imageName: 'org/img', tag: 'v1' };

  it('follows the anonymous token flow and registers the token', async () => {
    const redactor = new Redactor();
    const { request, calls } = scripted([
      {
        status: 401,
        headers: {
          'www-authenticate':
            'Bearer realm="https://auth.test/token",service="reg.test",scope="repository:org/img:pull"',
        },
      },
      { status: 200, body: { token: 'anon-pull-token-abcdef' } },
      { status: 200, headers: { 'docker-content-digest': 'sha256:abc' } },
    ]);
    expect(await headManifest(request, query, redactor)).toEqual({ found: true, digest: 'sha256:abc' });
    expect(String(calls[1]!.url)).toBe('https://auth.test/token?service=reg.test&scope=repository%3Aorg%2Fimg%3Apull');
    expect(calls[1]!.headers?.authorization).toBeUndefined();
    expect(calls[2]!.headers?.authorization).toBe('Bearer anon-pull-token-abcdef');
    expect(redactor.redact('anon-pull-token-abcdef')).not.toContain('anon-pull-token-abcdef');
  });

  it('sends a configured token to the registry only, and reports 404 as not found', async () => {
    const { request, calls } = scripted([{ status: 404 }]);
    expect(await headManifest(request, { ...query, token: 'configured-token' }, new Redactor())).toEqual({
      found: false,
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.method).toBe('HEAD');
    expect(calls[0]!.headers?.authorization).toBe('Bearer configured-token');
  });

  it('explains a registry without a token flow, and a token service that gives none', async () => {
    await expect(
      headManifest(
        scripted([{ status: 401, headers: { 'www-authenticate': 'Basic realm="x"' } }]).request,
        query,
        new Redactor(),
      ),
    ).rejects.toThrow('offers no anonymous token flow');
    const empty = scripted([
      { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.test/token"' } },
      { status: 200, body: {} },
    ]);
    await expect(headManifest(empty.request, query, new Redactor())).rejects.toThrow('answered without a token');
  });
});

describe('deploy checks without a recorded commit', () => {
  it('say the deployment records no commit instead of comparing nothing', async () => {
    const { canvasDeployCheck } = await import('../../../src/lib/verify/checks/deploy-checks.js');
    const { resolveVerifySettings } = await import('../../../src/lib/verify/resolve-verify-settings.js');
    const { BUILT_IN_ENVIRONMENTS } = await import('../../../src/lib/config/environments.js');
    const settings = resolveVerifySettings(
      { ...BUILT_IN_ENVIRONMENTS.production!, verify: { vercelProjectId: 'prj_1' } },
      { expectCommit: 'abcdef1234' },
    );
    const { request } = scripted([
      { status: 200, body: { deployments: [{ uid: 'dpl_cli', state: 'READY', meta: {} }] } },
    ]);
    const outcome = await canvasDeployCheck.run({
      request,
      settings,
      env: { VERCEL_TOKEN: 'vc-token-123456' },
      redactor: new Redactor(),
      cp: null as never,
      adminToken: async () => '',
    });
    expect(outcome).toMatchObject({
      status: 'fail',
      detail: 'latest production deployment dpl_cli records no commit, expected abcdef1234',
    });
    expect(outcome.hint).toContain('--meta githubCommitSha');
  });
});
