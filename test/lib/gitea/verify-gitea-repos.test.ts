import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeRepoChecks, verifyGiteaRepos } from '../../../src/lib/gitea/verify-gitea-repos.js';
import { giteaRepoAnswer } from '../../helpers/gitea-repo-answer.js';

let server: Server;
let baseUrl: string;
const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const path = req.url ?? '';
    if (path === '/api/v1/repos/molecule-ai/molecule-core')
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(giteaRepoAnswer('molecule-ai/molecule-core'));
    if (path === '/api/v1/repos/molecule-ai/private') {
      if (req.headers.authorization === 'token s3cret-token')
        return void res.writeHead(200).end(giteaRepoAnswer('molecule-ai/private'));
      return void res.writeHead(404).end('{"message":"not found"}');
    }
    // A proxy or a moved Gitea sending the caller (and its token) elsewhere, same repository path.
    if (path === '/api/v1/repos/molecule-ai/elsewhere')
      return void res
        .writeHead(307, { location: 'https://login.example.com/api/v1/repos/molecule-ai/elsewhere-too?sso=1' })
        .end();
    if (path === '/api/v1/repos/molecule-ai/same-name')
      return void res.writeHead(302, { location: '/api/v1/repos/molecule-ai/same-name' }).end();
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

/** A server answering every request with one status and body; stopped by the returned function. */
async function answering(status: number, body: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const one = createServer((_req, res) => void res.writeHead(status).end(body));
  await new Promise<void>((resolve) => one.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(one.address() as AddressInfo).port}`,
    stop: () => new Promise((resolve) => void one.close(() => resolve())),
  };
}

describe('verifyGiteaRepos', () => {
  it('reports existing, missing and renamed repositories, each once', async () => {
    const results = await verifyGiteaRepos(
      ['molecule-ai/molecule-core', 'molecule-ai/ghost', 'molecule-ai/molecule-core', 'molecule-ai/old-name'],
      { baseUrl },
    );
    expect(results).toEqual([
      {
        repo: 'molecule-ai/ghost',
        state: 'missing',
        status: 404,
        detail: 'not found (or private: set GITEA_TOKEN to see private repos)',
      },
      { repo: 'molecule-ai/molecule-core', state: 'exists', status: 200 },
      { repo: 'molecule-ai/old-name', state: 'moved', status: 301, detail: 'renamed on Gitea to molecule-ai/new-name' },
    ]);
  });

  it('calls a redirect to another host, or to the same name, unknown (not renamed), and never follows it', async () => {
    seen.length = 0;
    const results = await verifyGiteaRepos(['molecule-ai/elsewhere', 'molecule-ai/same-name'], {
      baseUrl,
      token: 's3cret-token',
    });
    expect(results).toEqual([
      {
        repo: 'molecule-ai/elsewhere',
        state: 'unknown',
        status: 307,
        detail:
          'Gitea answered HTTP 307, a redirect to https://login.example.com/api/v1/repos/molecule-ai/elsewhere-too (not followed: the token would go with it)',
      },
      {
        repo: 'molecule-ai/same-name',
        state: 'unknown',
        status: 302,
        detail: `Gitea answered HTTP 302, a redirect to ${baseUrl}/api/v1/repos/molecule-ai/same-name (not followed: the token would go with it)`,
      },
    ]);
    expect(seen.map((s) => s.path)).toEqual([
      '/api/v1/repos/molecule-ai/elsewhere',
      '/api/v1/repos/molecule-ai/same-name',
    ]);
    expect(judgeRepoChecks(results).ok).toBe(false);
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
    await expect(verifyGiteaRepos(['a/b'], { baseUrl: 'http://git.example.com', token: 't' })).rejects.toThrow(
      /must use https/,
    );
  });

  it('an unreachable server is no verdict: every repo is unknown, with the cause, and is asked about once', async () => {
    const port = await closedPort();
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls += 1;
      return fetch(input, init);
    };
    const results = await verifyGiteaRepos(['a/b', 'a/c', 'a/d'], {
      baseUrl: `http://127.0.0.1:${port}`,
      timeoutMs: 2000,
      concurrency: 1,
      fetch: counting,
    });
    expect(calls).toBe(3); // the first repo, with its two retries; the others are not asked
    expect(results.map((r) => r.state)).toEqual(['unknown', 'unknown', 'unknown']);
    for (const r of results) expect(r.detail).toContain(`could not reach 127.0.0.1:${port} (ECONNREFUSED)`);
    const verdict = judgeRepoChecks(results);
    expect(verdict).toMatchObject({ ok: false, exitCode: 1 });
    expect(verdict.message).toContain(
      `3 unknown: no verdict from Gitea (could not reach 127.0.0.1:${port} (ECONNREFUSED)`,
    );
    expect(verdict.message).not.toMatch(/missing/);
  });

  it('judges: success only when every target exists; a refused token is exit 3', () => {
    expect(judgeRepoChecks([{ repo: 'a/b', state: 'exists' }])).toMatchObject({ ok: true, exitCode: 0 });
    expect(judgeRepoChecks([])).toEqual({ ok: true, exitCode: 0, message: 'no target repositories to check on Gitea' });
    expect(
      judgeRepoChecks([
        { repo: 'a/b', state: 'exists' },
        { repo: 'a/c', state: 'missing' },
      ]),
    ).toMatchObject({
      ok: false,
      exitCode: 1,
      message: '1 of 2 target repositories not confirmed on Gitea: 1 missing',
    });
    expect(judgeRepoChecks([{ repo: 'a/b', state: 'denied', status: 401 }])).toMatchObject({ ok: false, exitCode: 3 });
  });

  it('a 200 that is not the repository (a web page, an empty object) is unknown, never exists', async () => {
    for (const body of ['<!doctype html><title>Sign in</title>', '{}', '{"full_name":"\\u001b[2Jx/y"}']) {
      const server = await answering(200, body);
      try {
        expect(await verifyGiteaRepos(['molecule-ai/sdk'], { baseUrl: server.url })).toEqual([
          {
            repo: 'molecule-ai/sdk',
            state: 'unknown',
            status: 200,
            detail: "Gitea answered 200 without the repository's full_name (is the Gitea base URL Gitea's?)",
          },
        ]);
      } finally {
        await server.stop();
      }
    }
  });

  it('a 200 naming the repository in another case exists; naming another one, it was renamed on Gitea', async () => {
    const sameRepo = await answering(200, giteaRepoAnswer('Molecule-AI/SDK'));
    const renamed = await answering(200, giteaRepoAnswer('molecule-ai/sdk-python'));
    try {
      expect(await verifyGiteaRepos(['molecule-ai/sdk'], { baseUrl: sameRepo.url })).toEqual([
        { repo: 'molecule-ai/sdk', state: 'exists', status: 200 },
      ]);
      expect(await verifyGiteaRepos(['molecule-ai/sdk'], { baseUrl: renamed.url })).toEqual([
        { repo: 'molecule-ai/sdk', state: 'moved', status: 200, detail: 'renamed on Gitea to molecule-ai/sdk-python' },
      ]);
    } finally {
      await Promise.all([sameRepo.stop(), renamed.stop()]);
    }
  });

  it('a 5xx answer is unknown, not missing', async () => {
    const failing = createServer((_req, res) => void res.writeHead(500).end('{}'));
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
      expect(await verifyGiteaRepos(['a/b'], { baseUrl: url })).toEqual([
        { repo: 'a/b', state: 'unknown', status: 500, detail: 'Gitea answered HTTP 500' },
      ]);
    } finally {
      await new Promise((resolve) => failing.close(resolve));
    }
  });
});

/** A loopback port that nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
