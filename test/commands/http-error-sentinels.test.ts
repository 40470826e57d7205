import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deployServicesEnv,
  SANDBOX_REGISTRY_TOKEN,
  sandboxDeployCommit,
} from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// Issue 14, item 5: the error paths of every HTTP client (the CP, Railway, Vercel, the registry,
// Gitea) print no secret. A proxy stands between molectl and the sandbox; for the service under
// test it answers with an error that echoes the credential molectl sent (raw, base64 and
// URL-encoded; in the body, in a header, in a GraphQL error, as invalid JSON), which is what a
// misbehaving server or a debugging proxy does. molectl runs with --debug; the credential must
// appear in no stdout, stderr or file.

type Failure = 'status-500' | 'status-401' | 'invalid-json' | 'graphql-error' | 'long-echo';

let fx: SandboxFixture;
let proxy: Server;
let proxyUrl: string;
let work: string;
/** Path prefix answered with `failure`; everything else passes through to the sandbox. */
let hostile: { prefix: string; failure: Failure } | null = null;
const echoed: string[] = [];

function echoBody(auth: string): string {
  const text = `upstream rejected credentials ${auth} (b64 ${Buffer.from(auth).toString('base64')}, url ${encodeURIComponent(auth)})`;
  return text;
}

/** The test's credential in an Authorization header, replaced by the stand-in the sandbox accepts. */
function standInAuth(auth: string): string {
  const standIns = deployServicesEnv();
  let swapped = auth;
  for (const name of ['RAILWAY_TOKEN', 'VERCEL_TOKEN', 'GITEA_TOKEN'] as const)
    swapped = swapped.replace(TOKENS[name], standIns[name]!);
  return swapped;
}

async function forward(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k))
      headers[k] = k === 'authorization' ? standInAuth(v) : v;
  const upstream = await fetch(`${fx.sandbox.url}${req.url}`, {
    method: req.method,
    headers,
    ...(body.length ? { body } : {}),
    redirect: 'manual',
  });
  const out: Record<string, string> = {};
  upstream.headers.forEach((v, k) => {
    if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k)) out[k] = v;
  });
  res.writeHead(upstream.status, out);
  res.end(Buffer.from(await upstream.arrayBuffer()));
}

function answerHostile(req: IncomingMessage, res: ServerResponse, failure: Failure): void {
  const auth = req.headers.authorization ?? '';
  echoed.push(auth);
  const text = echoBody(auth);
  const headers = {
    'content-type': 'application/json',
    'x-debug-echo': auth,
    'www-authenticate': `Bearer error="${auth}"`,
  };
  if (failure === 'long-echo') {
    // A proxy's long error line quoting the credential (scheme dropped) across its 200th
    // character, where molectl cuts a remote error: half a secret matches no redaction rule.
    const lead =
      'upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: delayed connect error: 111; credential presented: ';
    const text = `${lead.padEnd(188, '.')}${auth.replace(/^\w+\s+/, '')} was rejected by the upstream`;
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: text, message: text, errors: [{ message: text }] }));
    return;
  }
  if (failure === 'invalid-json') {
    res.writeHead(200, headers);
    res.end(`{"data": ${text}`);
  } else if (failure === 'graphql-error') {
    res.writeHead(200, headers);
    res.end(JSON.stringify({ errors: [{ message: text }], error: text }));
  } else {
    res.writeHead(failure === 'status-500' ? 500 : 401, headers);
    res.end(JSON.stringify({ error: text, message: text, errors: [{ message: text }] }));
  }
}

beforeAll(async () => {
  fx = await startSandboxFixture({ tenants: 2, preCutover: 1, workspacesPerTenant: 1 });
  work = mkdtempSync(join(tmpdir(), 'molectl-http-errors-'));
  execFileSync('git', ['init', '-q', join(work, 'repo')]);
  execFileSync('git', [
    '-C',
    join(work, 'repo'),
    'remote',
    'add',
    'origin',
    'https://github.com/molecule-ai/molecule-core.git',
  ]);
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (hostile && req.url?.startsWith(hostile.prefix)) return answerHostile(req, res, hostile.failure);
      forward(req, Buffer.concat(chunks), res).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await fx?.stop();
  rmSync(work, { recursive: true, force: true });
});

// Credentials shaped like real ones: the sandbox's own stand-ins are public values molectl does
// not redact (src/lib/config/sandbox-stand-ins.ts), so they would prove nothing. The proxy swaps
// them for the stand-ins on the way to the sandbox (standInAuth).
const TOKENS = {
  RAILWAY_TOKEN: `rw-${randomBytes(18).toString('hex')}`,
  VERCEL_TOKEN: `vc-${randomBytes(18).toString('hex')}`,
  GITEA_TOKEN: `gt-${randomBytes(18).toString('hex')}`,
  REGISTRY_TOKEN: SANDBOX_REGISTRY_TOKEN,
};

function molectl(argv: string[]): Promise<CliRun> {
  return runCli(['--debug', '--env', 'sandbox', ...argv], {
    env: { ...fx.env, ...TOKENS, MOLECTL_CP_URL: proxyUrl },
  });
}

function filesUnder(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push([path, readFileSync(path, 'latin1')]);
    }
  };
  walk(dir);
  return out;
}

const forms = (v: string): string[] => [v, encodeURIComponent(v), Buffer.from(v).toString('base64').replace(/=+$/, '')];

// [client, the prefix it calls under the proxy, the secret its requests carry, the commands that call it]
const CLIENTS: Array<[string, string, () => string, string[][]]> = [
  [
    'the CP',
    '/cp/admin/',
    () => fx.sandbox.state.cpAdminToken,
    [
      ['org', 'list'],
      ['org', 'show', 'acme'],
      ['org', 'create', 'err-probe', '--name', 'E', '--owner', 'u-1', '--no-wait'],
    ],
  ],
  [
    'Railway',
    '/_railway/',
    () => TOKENS.RAILWAY_TOKEN,
    [
      ['verify', '--only', 'cp-deploy'],
      ['secrets', 'status', 'cp-shared-secret'],
      ['-y', 'secrets', 'rotate', 'cp-shared-secret'],
    ],
  ],
  ['Vercel', '/_vercel/', () => TOKENS.VERCEL_TOKEN, [['verify', '--only', 'canvas-deploy']]],
  [
    'the registry',
    '/v2/',
    () => TOKENS.REGISTRY_TOKEN,
    [['verify', '--only', 'image-published', '--expect-commit', '__COMMIT__']],
  ],
  [
    'Gitea',
    '/_gitea/',
    () => TOKENS.GITEA_TOKEN,
    [
      ['secrets', 'status', 'cp-admin-api-token'],
      ['gitea', 'remotes', '__REPO__', '--verify-remote', '--gitea-url', '__GITEA__'],
    ],
  ],
];
const FAILURES: Failure[] = ['status-500', 'status-401', 'invalid-json', 'graphql-error', 'long-echo'];

describe('the error paths of every HTTP client', { timeout: 300_000 }, () => {
  it('Gitea has a secret to list: the admin token secret exists', async () => {
    // `secrets status cp-admin-api-token` reads its Gitea consumer only when the secret exists.
    const file = join(work, 'admin-token.txt');
    writeFileSync(file, `${fx.sandbox.state.cpAdminToken}\n`, { mode: 0o600 });
    const put = await runCli(['--env', 'sandbox', '-y', 'secrets', 'put', 'cp-admin-api-token', '--value-file', file], {
      env: { ...fx.env, ...deployServicesEnv() },
    });
    expect(put.code, put.stderr).toBe(0);
  });

  describe.each(CLIENTS)('%s', (_client, prefix, secret, invocations) => {
    it.each(FAILURES)('answering %s, echoing the credential: no secret printed or written', async (failure) => {
      hostile = { prefix, failure };
      echoed.length = 0;
      const runs: CliRun[] = [];
      // How many hostile answers each invocation got, with the secret in the request.
      const answered: number[] = [];
      try {
        for (const argv of invocations) {
          const args = argv.map((a) =>
            a === '__REPO__'
              ? join(work, 'repo')
              : a === '__GITEA__'
                ? `${proxyUrl}/_gitea`
                : a === '__COMMIT__'
                  ? sandboxDeployCommit(fx.sandbox.state)
                  : a,
          );
          echoed.length = 0;
          runs.push(await molectl(args));
          answered.push(echoed.filter((auth) => auth.includes(secret())).length);
        }
      } finally {
        hostile = null;
      }
      // Each invocation met the hostile answer with the secret in its request: the error path ran.
      expect(
        answered.every((n) => n > 0),
        JSON.stringify(answered),
      ).toBe(true);
      for (const run of runs)
        for (const form of forms(secret())) {
          expect(run.stdout).not.toContain(form);
          expect(run.stderr).not.toContain(form);
          // nor a part of it (an error cut inside the secret)
          expect(run.stdout + run.stderr).not.toContain(form.slice(0, 12));
        }
      for (const [path, text] of filesUnder(fx.stateDir))
        for (const form of forms(secret())) expect(text, path).not.toContain(form);
    });
  });
});
