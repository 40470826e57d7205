import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, ExitCode, HttpError, InterruptedError, MolectlError } from '../../../src/lib/errors.js';
import { httpRequest, type RetryInfo } from '../../../src/lib/http/http-request.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { recordingSleep, sendJson, startLocalServer, type LocalServer } from './local-server.js';
import { stripRemoteMarks } from '../../../src/lib/output/remote-text.js';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function catchError(promise: Promise<unknown>): Promise<MolectlError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MolectlError);
  return error as MolectlError;
}

describe('httpRequest retries', () => {
  it('retries a GET on 503 and returns the eventual success, reporting each retry', async () => {
    server = await startLocalServer((_req, res, i) =>
      i < 2 ? sendJson(res, 503, { error: 'busy' }) : sendJson(res, 200, { ok: true }),
    );
    const { sleep, delays } = recordingSleep();
    const retries: RetryInfo[] = [];
    const response = await httpRequest({
      method: 'GET',
      url: `${server.url}/health`,
      sleep,
      random: () => 0.5,
      onRetry: (r) => retries.push(r),
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.bodyText)).toEqual({ ok: true });
    expect(server.requests).toHaveLength(3);
    // Full jitter with random()=0.5 over ceilings 250 ms and 500 ms.
    expect(delays).toEqual([125, 250]);
    expect(retries.map((r) => `retrying (${r.attempt}/${r.maxAttempts}) after ${r.reason}`)).toEqual([
      'retrying (2/4) after HTTP 503',
      'retrying (3/4) after HTTP 503',
    ]);
  });

  it('waits what Retry-After asks, in seconds or as an HTTP-date, up to 30 s', async () => {
    const now = Date.parse('2026-11-22T21:00:00Z');
    const answers: { status: number; headers: Record<string, string> }[] = [
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 503, headers: { 'retry-after': new Date(now + 12_000).toUTCString() } },
      { status: 429, headers: { 'retry-after': '30' } },
      { status: 200, headers: {} },
    ];
    server = await startLocalServer((_req, res, i) => sendJson(res, answers[i]!.status, {}, answers[i]!.headers));
    const { sleep, delays } = recordingSleep();
    const response = await httpRequest({ method: 'GET', url: server.url, sleep, now: () => now, retries: 3 });
    expect(response.status).toBe(200);
    expect(delays).toEqual([7_000, 12_000, 30_000]);
  });

  it('does not ask again sooner than a longer Retry-After says: the answer is final, and the hint says when', async () => {
    server = await startLocalServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/html', 'retry-after': '3600' }).end('<html>maintenance</html>');
    });
    const { sleep, delays } = recordingSleep();
    const error = await catchError(httpRequest({ method: 'GET', url: server.url, sleep, retries: 3 }));
    expect(error.message).toBe(`GET ${server.url}/ answered HTTP 503`);
    expect((error as MolectlError).hint).toBe(
      `${new URL(server.url).host} failed or is overloaded; try again in 60 min or later, as it asked (Retry-After: 3600)`,
    );
    expect(delays).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('sends a POST again after a 429 that says when (the server did not process it), never after a 429 without Retry-After or a 503', async () => {
    server = await startLocalServer((_req, res, i) =>
      i === 0 ? sendJson(res, 429, { error: 'slow down' }, { 'retry-after': '2' }) : sendJson(res, 201, { id: 'x' }),
    );
    const { sleep, delays } = recordingSleep();
    const created = await httpRequest({ method: 'POST', url: server.url, json: {}, sleep });
    expect(created.status).toBe(201);
    expect(delays).toEqual([2_000]);
    await server.close();

    for (const [status, headers] of [
      [429, {}],
      [503, { 'retry-after': '1' }],
    ] as const) {
      server = await startLocalServer((_req, res) => sendJson(res, status, { error: 'no' }, headers));
      const error = await catchError(
        httpRequest({ method: 'POST', url: server.url, json: {}, sleep: recordingSleep().sleep }),
      );
      expect((error as HttpError).status).toBe(status);
      expect(server.requests).toHaveLength(1);
      if (status === 429) expect(error.hint).toMatch(/rate limiting molectl \(HTTP 429\)/);
      await server.close();
    }
    server = undefined;
  });

  it('gives up after the configured retries with a clear message and exit code 1', async () => {
    server = await startLocalServer((_req, res) => sendJson(res, 503, { error: 'upstream unavailable' }));
    const { sleep } = recordingSleep();
    const error = await catchError(
      httpRequest({ method: 'GET', url: `${server.url}/cp/admin/orgs?limit=5`, retries: 2, sleep }),
    );
    expect(error).toBeInstanceOf(HttpError);
    expect(error.code).toBe(ExitCode.failed);
    expect((error as HttpError).status).toBe(503);
    expect(stripRemoteMarks(error.message)).toBe(
      `GET ${server.url}/cp/admin/orgs answered HTTP 503: upstream unavailable (gave up after 3 attempts)`,
    );
    expect(error.hint).toMatch(/try again later/);
    expect(server.requests).toHaveLength(3);
  });

  it('never retries a POST unless it is marked idempotent', async () => {
    server = await startLocalServer((_req, res) => sendJson(res, 503, {}));
    const { sleep } = recordingSleep();
    const error = await catchError(httpRequest({ method: 'POST', url: server.url, json: { a: 1 }, sleep }));
    expect((error as HttpError).status).toBe(503);
    expect(server.requests).toHaveLength(1);
    await catchError(
      httpRequest({ method: 'POST', url: server.url, json: { a: 1 }, idempotent: true, retries: 1, sleep }),
    );
    expect(server.requests).toHaveLength(3);
  });

  it('retries network errors on idempotent calls and then names the host', async () => {
    const closed = await startLocalServer(() => undefined);
    const url = closed.url;
    await closed.close();
    const { sleep, delays } = recordingSleep();
    const error = await catchError(httpRequest({ method: 'GET', url, retries: 2, sleep }));
    expect(error.message).toBe(`could not reach ${new URL(url).host} (ECONNREFUSED) (gave up after 3 attempts)`);
    expect(error.hint).toMatch(/network/);
    expect(delays).toHaveLength(2);
  });
  it('never retries a certificate it does not trust, and names NODE_EXTRA_CA_CERTS', async () => {
    let calls = 0;
    const fetch = (async () => {
      calls += 1;
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('self-signed certificate in certificate chain'), {
          code: 'SELF_SIGNED_CERT_IN_CHAIN',
        }),
      });
    }) as unknown as typeof globalThis.fetch;
    const { sleep, delays } = recordingSleep();
    const error = await catchError(
      httpRequest({ method: 'GET', url: 'https://cp.example.test/x', retries: 3, sleep, fetch }),
    );
    expect(error.message).toBe(
      'cp.example.test presented a TLS certificate molectl does not trust (SELF_SIGNED_CERT_IN_CHAIN)',
    );
    expect(error.hint).toMatch(/NODE_EXTRA_CA_CERTS/);
    expect(calls).toBe(1);
    expect(delays).toHaveLength(0);
  });
});

describe('httpRequest timeouts and cancellation', () => {
  it('never retries a non-idempotent POST that timed out, and says the outcome is unknown', async () => {
    server = await startLocalServer(() => undefined); // accepts, never answers
    const { sleep } = recordingSleep();
    const started = Date.now();
    const error = await catchError(
      httpRequest({
        method: 'POST',
        url: `${server.url}/cp/admin/orgs`,
        json: {},
        timeoutMs: 150,
        sleep,
        unknownOutcomeHint: 'run `molectl org list` first',
      }),
    );
    expect(error.message).toBe(
      `POST ${server.url}/cp/admin/orgs timed out after 150 ms; the outcome is unknown: the server may or may not have acted on it`,
    );
    expect(error.hint).toBe('run `molectl org list` first');
    expect(error.code).toBe(ExitCode.failed);
    expect(server.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('retries a GET that timed out, then gives up', async () => {
    server = await startLocalServer(() => undefined);
    const { sleep } = recordingSleep();
    const error = await catchError(httpRequest({ method: 'GET', url: server.url, timeoutMs: 100, retries: 1, sleep }));
    expect(error.message).toMatch(/timed out after 100 ms \(gave up after 2 attempts\)$/);
    expect(server.requests).toHaveLength(2);
  });

  it('times out a server that sends its headers and then stalls the body (one timer covers the body too)', async () => {
    server = await startLocalServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"orgs": [');
    });
    const { sleep } = recordingSleep();
    const started = Date.now();
    const error = await catchError(httpRequest({ method: 'GET', url: server.url, timeoutMs: 150, retries: 0, sleep }));
    expect(error.message).toBe(`GET ${server.url}/ timed out after 150 ms`);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reads a body that comes in many pieces, and calls a connection cut mid-body a network failure', async () => {
    const pieces = Array.from({ length: 50 }, (_, i) => `{"n":${i}}`);
    server = await startLocalServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url === '/cut') {
        res.write('[{"n":0},');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      let i = 0;
      const next = (): void => {
        if (i === pieces.length) return void res.end(']');
        res.write((i === 0 ? '[' : ',') + pieces[i++]);
        setImmediate(next);
      };
      next();
    });
    const whole = await httpRequest({ method: 'GET', url: `${server.url}/pieces` });
    expect(JSON.parse(whole.bodyText)).toHaveLength(50);
    const { sleep } = recordingSleep();
    const error = await catchError(httpRequest({ method: 'GET', url: `${server.url}/cut`, retries: 1, sleep }));
    expect(error.message).toBe(
      `GET ${server.url}/cut: the connection broke while ${new URL(server.url).host} was sending its answer (ECONNRESET) (gave up after 2 attempts)`,
    );
    expect(server.requests).toHaveLength(3);
  });

  it.each([
    ['before the answer', (): void => undefined],
    [
      'while its body is read',
      (_req: unknown, res: ServerResponse): void => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('[');
      },
    ],
  ])(
    'aborts an in-flight call when the caller signal fires (Ctrl-C), %s, with exit code 130',
    async (_when, answer) => {
      server = await startLocalServer(answer);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const error = await catchError(
        httpRequest({ method: 'GET', url: server.url, timeoutMs: 10_000, signal: controller.signal }),
      );
      expect(error).toBeInstanceOf(InterruptedError);
      expect(error.code).toBe(ExitCode.interrupted);
    },
  );
});

describe('httpRequest safety', () => {
  it('caps a 5 MiB body and says so, streamed or declared', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    server = await startLocalServer((req, res) => {
      if (req.url === '/declared') res.writeHead(200, { 'content-length': String(5 * 1024 * 1024) });
      else res.writeHead(200, { 'content-type': 'application/json' }); // chunked, no length
      let sent = 0;
      const pump = (): void => {
        while (sent < 80 && !res.destroyed) {
          sent += 1;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    for (const path of ['/streamed', '/declared']) {
      const error = await catchError(httpRequest({ method: 'GET', url: `${server.url}${path}` }));
      expect(error.message).toBe(
        `GET ${server.url}${path}: the response body is larger than the 1 MiB cap; molectl stopped reading it`,
      );
      expect(error.message).not.toContain('xxxx');
    }
  });

  it('refuses plain http to a non-loopback host without sending anything', async () => {
    let called = 0;
    const fetch = (async () => {
      called += 1;
      return new Response('{}');
    }) as typeof globalThis.fetch;
    const error = await catchError(httpRequest({ method: 'GET', url: 'http://api.moleculesai.app/health', fetch }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe(ExitCode.credentials);
    expect(error.message).toMatch(/refusing plain http:\/\/ to api\.moleculesai\.app/);
    expect(error.hint).toMatch(/https:\/\/api\.moleculesai\.app\/health/);
    expect(called).toBe(0);
  });

  it('sends User-Agent molectl/<package version>', async () => {
    server = await startLocalServer((_req, res) => sendJson(res, 200, {}));
    await httpRequest({ method: 'GET', url: server.url });
    const version = (
      JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
    ).version;
    expect(server.requests[0]!.headers['user-agent']).toBe(`molectl/${version}`);
  });

  it('puts the structured error field in the message, never the raw body or a header value', async () => {
    const token = 'SENTINEL-header-token-3f9a1c';
    server = await startLocalServer((req, res, i) => {
      if (i === 0) return sendJson(res, 400, { error: `bad request for ${token}`, debug: 'RAW-BODY-ONLY' });
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end(`<html>RAW-BODY-ONLY ${req.headers.authorization}</html>`);
    });
    const redactor = new Redactor();
    redactor.register(token, 'test-token');
    const headers = { authorization: `Bearer ${token}` };
    const first = await catchError(httpRequest({ method: 'POST', url: server.url, headers, redactor }));
    expect(stripRemoteMarks((first as HttpError).remoteError!)).toBe('bad request for [REDACTED:test-token]');
    const second = await catchError(httpRequest({ method: 'POST', url: server.url, headers, redactor }));
    for (const error of [first, second]) {
      const text = `${error.message} ${error.hint} ${JSON.stringify(error)} ${String(error.stack)}`;
      expect(text).not.toContain(token);
      expect(text).not.toContain('RAW-BODY-ONLY');
    }
    expect(second.message).toBe(`POST ${server.url}/ answered HTTP 500`);
  });

  it('refuses a header value with a line break without echoing it or sending anything', async () => {
    server = await startLocalServer((_req, res) => sendJson(res, 200, {}));
    const error = await catchError(
      httpRequest({ method: 'GET', url: server.url, headers: { authorization: 'Bearer SENTINEL-nl-token\n' } }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      'the authorization header for 127.0.0.1 contains a line break or a character HTTP headers cannot carry',
    );
    expect(`${error.message}${error.hint}`).not.toContain('SENTINEL');
    expect(server.requests).toHaveLength(0);
  });

  it('does not follow redirects (credential headers would travel) and says where it pointed', async () => {
    server = await startLocalServer((_req, res) => {
      res.writeHead(302, { location: 'https://elsewhere.example/login?token=abc' });
      res.end();
    });
    const error = await catchError(httpRequest({ method: 'GET', url: server.url }));
    expect((error as HttpError).status).toBe(302);
    expect(error.message).toContain('answered HTTP 302, redirected to https://elsewhere.example/login (not followed)');
    expect(error.message).not.toContain('token=abc');
    expect(error.hint).toMatch(/does not follow redirects/);
    expect(server.requests).toHaveLength(1);
  });
});
