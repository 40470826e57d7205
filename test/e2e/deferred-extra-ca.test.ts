import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';
import { absentPath } from '../helpers/absent-path.js';
import { BIN } from '../helpers/spawn-cli.js';

// The installed `molectl` starts Node without NODE_EXTRA_CA_CERTS and loads the file at its first
// TLS connection (bin/molectl.js, src/lib/http/deferred-extra-ca.ts). What a user behind a TLS
// proxy with its own CA must still see: the CP and AWS, over https, trusted through that file.
// Here the sandbox sits behind an https proxy whose certificate is signed by a CA made for the
// test (openssl), which nothing but NODE_EXTRA_CA_CERTS names.

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let fixture: SandboxFixture;
let proxy: Server;
let dir: string;
let proxyUrl: string;

function makeCertificates(into: string): void {
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: into, stdio: 'ignore' });
  };
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ecKey,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=molectl test CA',
  );
  openssl('req', ...ecKey, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(into, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'server.ext',
  );
}

/** TLS in front of the sandbox's plain-http CP and AWS endpoint. */
function startTlsProxy(target: URL): Promise<Server> {
  const server = createServer(
    { key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) },
    (req, res) => {
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    },
  );
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** `molectl` as npm installs it: the file itself, through its shebang, with this Node on PATH. */
function installedMolectl(argv: string[], extraCa: string | undefined, endpoint = proxyUrl): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...fixture.env,
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME,
    MOLECTL_CONFIG: absentPath('molectl-config.json'),
    MOLECTL_CP_URL: endpoint,
    AWS_ENDPOINT_URL: endpoint,
    ...(extraCa === undefined ? {} : { NODE_EXTRA_CA_CERTS: extraCa }),
  };
  return new Promise((resolve) => {
    execFile(BIN, argv, { env, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'molectl-extra-ca-'));
  makeCertificates(dir);
  fixture = await startSandboxFixture({ tenants: 2 });
  proxy = await startTlsProxy(new URL(fixture.sandbox.url));
  proxyUrl = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  await fixture?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('NODE_EXTRA_CA_CERTS, loaded at the first TLS connection', () => {
  it('trusts the file for the CP (molectl’s own HTTP door) and for AWS (the SDK)', async () => {
    const ca = join(dir, 'ca.pem');
    const orgs = await installedMolectl(['org', 'list', '--output', 'json'], ca);
    expect(orgs.stderr).not.toMatch(/warning|error/i);
    expect(orgs.code).toBe(0);
    expect(JSON.parse(orgs.stdout).orgs.length).toBeGreaterThan(0);
    const secrets = await installedMolectl(['secrets', 'list', '--output', 'json'], ca);
    expect(secrets.code).toBe(0);
    expect(secrets.stdout.length).toBeGreaterThan(0);
  });

  it('trusts nothing extra without the variable: the same commands fail on the certificate', async () => {
    const orgs = await installedMolectl(['org', 'list'], undefined);
    expect(orgs.code).not.toBe(0);
    expect(orgs.stderr).toContain('presented a TLS certificate molectl does not trust');
    expect(orgs.stderr).toContain('NODE_EXTRA_CA_CERTS');
    const secrets = await installedMolectl(['secrets', 'list'], undefined);
    expect(secrets.code).not.toBe(0);
    expect(secrets.stderr).toContain('presented a TLS certificate molectl does not trust');
  });

  it('says, in Node’s words, that a file it cannot read is ignored', async () => {
    const missing = join(dir, 'no-such-bundle.pem');
    const orgs = await installedMolectl(['org', 'list'], missing);
    expect(orgs.stderr).toContain(`Warning: Ignoring extra certs from \`${missing}\`, load failed:`);
    expect(orgs.code).not.toBe(0);
  });

  it('costs nothing to a command that opens no TLS connection, and leaves its output alone', async () => {
    // Against the plain-http sandbox the file is never read: a missing one draws no warning
    // (Node, loading it at start, would print one before molectl ran).
    const missing = join(dir, 'no-such-bundle.pem');
    const run = await installedMolectl(['org', 'list', '--output', 'json'], missing, fixture.sandbox.url);
    expect(run.stderr).not.toMatch(/warning|certs/i);
    expect(run.code).toBe(0);
  });
});
