import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getDeployServices,
  SANDBOX_RAILWAY_TOKEN,
  SANDBOX_REGISTRY_TOKEN,
  SANDBOX_VERCEL_TOKEN,
  sandboxDeployCommit,
} from '../../../src/sandbox/deploy-services/deploy-services-state.js';
import { DEPLOYMENTS_QUERY, PROJECT_QUERY } from '../../../src/lib/verify/clients/railway-client.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/start-sandbox.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ tenants: 0, seed: 7 });
});

afterAll(async () => {
  await sandbox.stop();
});

async function railway(query: string, variables: unknown, token = SANDBOX_RAILWAY_TOKEN) {
  const res = await fetch(`${sandbox.url}/_railway/graphql/v2`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, json: (await res.json()) as any };
}

describe('simulated Railway GraphQL', () => {
  it('resolves services and environments of the project by name', async () => {
    const { json } = await railway(PROJECT_QUERY, { id: 'sandbox-project' });
    expect(json.data.project.services.edges.map((e: any) => e.node.name)).toEqual(['controlplane']);
    expect(json.data.project.environments.edges.map((e: any) => e.node.name)).toEqual(['production', 'staging']);
  });

  it('lists the latest deployment first, on the sandbox commit', async () => {
    const { json } = await railway(DEPLOYMENTS_QUERY, {
      input: { projectId: 'sandbox-project', serviceId: 'svc-controlplane', environmentId: 'env-production' },
      first: 1,
    });
    expect(json.data.deployments.edges).toEqual([
      {
        node: expect.objectContaining({
          id: 'dep-production-2',
          status: 'SUCCESS',
          meta: expect.objectContaining({ commitHash: sandboxDeployCommit(sandbox.state) }),
        }),
      },
    ]);
  });

  it('answers a bad token with a GraphQL Not Authorized error, as Railway does', async () => {
    const { status, json } = await railway(PROJECT_QUERY, { id: 'sandbox-project' }, 'wrong');
    expect(status).toBe(200);
    expect(json.errors[0].message).toBe('Not Authorized');
  });

  it('railwayDeployFailed sets the latest deployment status', async () => {
    sandbox.state.faults.flags['railwayDeployFailed'] = 'CRASHED';
    const { json } = await railway(DEPLOYMENTS_QUERY, {
      input: { projectId: 'sandbox-project', serviceId: 'svc-controlplane', environmentId: 'env-production' },
      first: 1,
    });
    delete sandbox.state.faults.flags['railwayDeployFailed'];
    expect(json.data.deployments.edges[0].node.status).toBe('CRASHED');
  });
});

describe('simulated Vercel', () => {
  const list = (query: string, token = SANDBOX_VERCEL_TOKEN) =>
    fetch(`${sandbox.url}/_vercel/v6/deployments?${query}`, { headers: { authorization: `Bearer ${token}` } });

  it('returns the latest production deployment of the project', async () => {
    const res = await list('projectId=prj_sandbox_canvas&target=production&limit=1');
    const json = (await res.json()) as any;
    expect(json.deployments).toHaveLength(1);
    expect(json.deployments[0]).toMatchObject({
      uid: 'dpl_sandbox2',
      state: 'READY',
      target: 'production',
      meta: { githubCommitSha: sandboxDeployCommit(sandbox.state) },
    });
  });

  it('refuses a bad token with 403 and an unknown project with 404', async () => {
    expect((await list('projectId=prj_sandbox_canvas', 'nope')).status).toBe(403);
    expect((await list('projectId=prj_other')).status).toBe(404);
  });

  it('vercelDeployError marks the latest production deployment ERROR', async () => {
    sandbox.state.faults.flags['vercelDeployError'] = true;
    const json = (await (await list('projectId=prj_sandbox_canvas&target=production&limit=1')).json()) as any;
    delete sandbox.state.faults.flags['vercelDeployError'];
    expect(json.deployments[0].state).toBe('ERROR');
  });
});

describe('simulated OCI registry', () => {
  const commit = () => sandboxDeployCommit(sandbox.state);
  const manifestUrl = (tag: string) => `${sandbox.url}/v2/molecule-ai/platform-tenant/manifests/${tag}`;

  it('challenges an anonymous HEAD, issues a pull token, then answers with the digest', async () => {
    const first = await fetch(manifestUrl(commit()), { method: 'HEAD' });
    expect(first.status).toBe(401);
    const challenge = first.headers.get('www-authenticate')!;
    expect(challenge).toBe(
      `Bearer realm="${sandbox.url}/_registry/token",service="sandbox-registry",scope="repository:molecule-ai/platform-tenant:pull"`,
    );
    const tokenRes = await fetch(
      `${sandbox.url}/_registry/token?service=sandbox-registry&scope=repository:molecule-ai/platform-tenant:pull`,
    );
    const { token } = (await tokenRes.json()) as { token: string };
    const second = await fetch(manifestUrl(commit()), {
      method: 'HEAD',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(second.status).toBe(200);
    expect(second.headers.get('docker-content-digest')).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(getDeployServices(sandbox.state).registryTokens.has(token)).toBe(true);
  });

  it('answers 404 for an unknown tag, and for the commit under registryImageMissing', async () => {
    const auth = { authorization: `Bearer ${SANDBOX_REGISTRY_TOKEN}` };
    expect((await fetch(manifestUrl('nope'), { method: 'HEAD', headers: auth })).status).toBe(404);
    sandbox.state.faults.flags['registryImageMissing'] = true;
    const missing = await fetch(manifestUrl(commit()), { method: 'HEAD', headers: auth });
    delete sandbox.state.faults.flags['registryImageMissing'];
    expect(missing.status).toBe(404);
    expect((await fetch(manifestUrl(commit()), { method: 'HEAD', headers: auth })).status).toBe(200);
  });

  it('records requests by service', () => {
    const services = new Set(sandbox.state.requests.map((r) => r.service));
    expect([...services]).toEqual(expect.arrayContaining(['railway', 'vercel', 'registry']));
  });

  it('derives the commit from the seed', async () => {
    const other = await startSandbox({ tenants: 0, seed: 8 });
    try {
      expect(sandboxDeployCommit(other.state)).not.toBe(commit());
      expect(commit()).toMatch(/^[0-9a-f]{40}$/);
    } finally {
      await other.stop();
    }
  });
});
