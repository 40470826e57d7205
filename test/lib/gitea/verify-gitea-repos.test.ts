import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyGiteaRepos } from '../../../src/lib/gitea/verify-gitea-repos.js';

let server: Server;
let baseUrl: string;
const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const path = req.url ?? '';
    if (path === '/api/v1/repos/molecule-ai/molecule-core') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":1}');
    if (path === '/api/v1/repos/molecule-ai/private') {
      if (req.headers.authorization === 'token s3cret-token') return void res.writeHead(200).end('{}');
      return void res.writeHead(404).end('{"message":"not found"}');
    }
    if (path === '/api/v1/repos/molecule-ai/old-name') {
      return void res.writeHead(301, { location: '/api/v1/repos/molecule-ai/new-name' }).end();
    }
    res.writeHead(404).end('{"message":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('verifyGiteaRepos', () => {
  it('reports existing, missing and renamed repositories, each once', async () => {
    const results = await verifyGiteaRepos(['molecule-ai/molecule-core', 'molecule-ai/ghost', 'molecule-ai/molecule-core', 'molecule-ai/old-name'], { baseUrl });
    expect(results).toEqual([
      { repo: 'molecule-ai/ghost', state: 'missing', status: 404, detail: 'not found (or private: set GITEA_TOKEN to see private repos)' },
      { repo: 'molecule-ai/molecule-core', state: 'exists', status: 200 },
      { repo: 'molecule-ai/old-name', state: 'moved', status: 301, detail: 'renamed on Gitea to molecule-ai/new-name' },
    ]);
  });

  it('sends GITEA_TOKEN as "Authorization: token" and never puts it in a result', async () => {
    seen.length = 0;
    const results = await verifyGiteaRepos(['molecule-ai/private'], { baseUrl, token: 's3cret-token' });
    expect(results).toEqual([{ repo: 'molecule-ai/private', state: 'exists', status: 200 }]);
    expect(seen[0]?.headers.authorization).toBe('token s3cret-token');
    expect(JSON.stringify(results)).not.toContain('s3cret');
  });

  it('sends no Authorization header without a token', async () => {
    seen.length = 0;
    await verifyGiteaRepos(['molecule-ai/private'], { baseUrl });
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });

  it('refuses plain http to a non-loopback host before sending anything', async () => {
    await expect(verifyGiteaRepos(['a/b'], { baseUrl: 'http://git.example.com', token: 't' })).rejects.toThrow(/must use https/);
  });

  it('reports an unreachable server as an error per repo, not a crash', async () => {
    const results = await verifyGiteaRepos(['a/b'], { baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 });
    expect(results[0]?.state).toBe('error');
  });
});
