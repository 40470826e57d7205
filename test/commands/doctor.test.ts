import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { MemoryStream } from '../lib/aws/aws-fake-server.js';
import { unusedPort } from '../helpers/absent-path.js';

let sandbox: Sandbox;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ tenants: 3 });
  dir = mkdtempSync(join(tmpdir(), 'molectl-doctor-'));
});

afterAll(async () => {
  await sandbox.stop();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function runDoctor(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const stdout = new MemoryStream();
  const stderr = new MemoryStream();
  const base: Record<string, string> = {
    ...sandbox.env,
    HOME: dir,
    MOLECTL_CONFIG: join(dir, 'none.json'),
    MOLECTL_STATE_DIR: join(dir, 'state'),
    NO_COLOR: '1',
  };
  const merged: NodeJS.ProcessEnv = { ...base };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  const code = await main([...args], { stdout, stderr, env: merged, signal: new AbortController().signal });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

interface JsonCheck {
  name: string;
  status: string;
  detail: string;
  hint?: string;
}

function checksOf(run: Run): Record<string, JsonCheck> {
  const doc = JSON.parse(run.stdout) as { schemaVersion: number; checks: JsonCheck[] };
  expect(doc.schemaVersion).toBe(1);
  return Object.fromEntries(doc.checks.map((c) => [c.name, c]));
}

describe('molectl doctor against the sandbox', () => {
  it('passes every check and exits 0, showing account, region and SSM', async () => {
    const run = await runDoctor(['doctor']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`environment sandbox   CP ${sandbox.url}`);
    for (const name of ['config', 'cp health', 'cp token', 'aws identity', 'ssm']) {
      expect(lines.find((l) => l.startsWith(`${name} `))).toMatch(new RegExp(`^${name}\\s+pass\\s`));
    }
    expect(run.stdout).toContain('account 111122223333');
    expect(run.stdout).toContain('region us-east-2');
    expect(run.stdout).toContain('5 passed, 0 failed, 0 skipped');
    // Progress went to stderr, results to stdout.
    expect(run.stderr).toContain('all checks passed');
  });

  it('prints one JSON document with every check under --output json', async () => {
    const run = await runDoctor(['doctor', '-o', 'json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { ok: boolean; environment: string; checks: JsonCheck[] };
    expect(doc).toMatchObject({ ok: true, environment: 'sandbox' });
    expect(doc.checks.map((c) => [c.name, c.status])).toEqual([
      ['config', 'pass'],
      ['cp health', 'pass'],
      ['cp token', 'pass'],
      ['aws identity', 'pass'],
      ['ssm', 'pass'],
    ]);
    expect(doc.checks.find((c) => c.name === 'ssm')!.detail).toMatch(/managed instance/);
  });

  it('fails the token check with a hint and exits 1 when the CP rejects the token, never printing it', async () => {
    const sentinel = 'SENTINEL-wrong-cp-token-9d8c7b6a5f';
    const run = await runDoctor(['doctor', '--debug'], { CP_ADMIN_API_TOKEN: sentinel });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^cp token\s+fail\s/m);
    expect(run.stdout).toMatch(/^cp health\s+pass\s/m);
    expect(run.stdout).toMatch(/^aws identity\s+pass\s/m);
    expect(run.stdout).toContain('rejected the admin token (HTTP 401)');
    // The fix is a hint: stderr (issue 19).
    expect(run.stderr).toMatch(/^hint \(cp token\): check CP_ADMIN_API_TOKEN/m);
    expect(run.stdout).not.toMatch(/^hint/m);
    expect(run.stdout).toContain('4 passed, 1 failed, 0 skipped');
    for (const text of [run.stdout, run.stderr]) {
      expect(text).not.toContain(sentinel);
      expect(text).not.toContain(sandbox.state.cpAdminToken);
      expect(text).not.toContain(sandbox.env.AWS_SECRET_ACCESS_KEY);
    }
  });

  it('fails the token check when no token is configured', async () => {
    const run = await runDoctor(['doctor', '-o', 'json'], { CP_ADMIN_API_TOKEN: undefined });
    expect(run.code).toBe(1);
    const checks = checksOf(run);
    expect(checks['cp token']).toMatchObject({
      status: 'fail',
      detail: 'no CP admin token for environment sandbox',
      hint: expect.stringContaining('export CP_ADMIN_API_TOKEN'),
    });
    expect(checks['cp health']!.status).toBe('pass');
  });

  it('fails the AWS identity check with the region hint, and skips SSM, when no region resolves', async () => {
    // The SDK reads the profile files and AWS_REGION from process.env: pin them for this run.
    vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'no-aws-config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'no-aws-credentials'));
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_PROFILE', undefined);
    const config = join(dir, 'lab.json');
    writeFileSync(
      config,
      JSON.stringify({
        environments: { lab: { cpUrl: sandbox.url, tenantUrlTemplate: `${sandbox.url}/_tenants/{slug}` } },
      }),
    );
    const run = await runDoctor(['doctor', '-o', 'json'], {
      MOLECTL_CONFIG: config,
      MOLECTL_ENV: 'lab',
      MOLECTL_CP_URL: undefined,
      AWS_REGION: undefined,
    });
    expect(run.code).toBe(1);
    const checks = checksOf(run);
    expect(checks['aws identity']).toMatchObject({
      status: 'fail',
      detail: 'no AWS region',
      hint: 'pass --region, set MOLECTL_REGION or AWS_REGION, or set region in your AWS profile',
    });
    expect(checks['ssm']).toMatchObject({ status: 'skip' });
    expect(checks['config']!.detail).toContain(`environment lab (from MOLECTL_ENV); config file ${config}`);
    expect(checks['cp health']!.status).toBe('pass');
  });

  it('fails the AWS identity check saying how to provide credentials when there are none', async () => {
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    ])
      vi.stubEnv(name, undefined);
    vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'no-aws-config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'no-aws-credentials'));
    // No instance metadata service here: do not wait for one.
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    const run = await runDoctor(['doctor', '-o', 'json'], {
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
    });
    expect(run.code).toBe(1);
    const checks = checksOf(run);
    expect(checks['aws identity']).toMatchObject({
      status: 'fail',
      detail: 'no AWS credentials found',
      hint: expect.stringContaining('pass --profile <name>'),
    });
    expect(checks['ssm']!.status).toBe('skip');
    expect(checks['cp token']!.status).toBe('pass');
  });

  it('fails the CP health check naming the URL, and skips the token check, when the CP is unreachable', async () => {
    const port = await unusedPort();
    const run = await runDoctor(['doctor', '-o', 'json'], { MOLECTL_CP_URL: `http://127.0.0.1:${port}` });
    expect(run.code).toBe(1);
    const checks = checksOf(run);
    expect(checks['cp health']!.status).toBe('fail');
    expect(checks['cp health']!.detail).toContain(`127.0.0.1:${port}`);
    expect(checks['cp health']!.hint).toBeTruthy();
    expect(checks['cp token']!.status).toBe('skip');
    expect(checks['aws identity']!.status).toBe('pass');
  });

  it('an AWS endpoint that lacks an API: the check names the endpoint and AWS_ENDPOINT_URL, not AWS health', async () => {
    // Answers STS as AWS would and nothing else (like an emulator without SSM): 404 page not found.
    const partial = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url === '/' && body.includes('Action=GetCallerIdentity')) {
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end(
            '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::111122223333:user/emulator</Arn><UserId>AIDEMULATOR</UserId><Account>111122223333</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
          );
          return;
        }
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('404 page not found');
      });
    });
    await new Promise<void>((resolve) => partial.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(partial.address() as AddressInfo).port}`;
    try {
      const run = await runDoctor(['doctor'], { AWS_ENDPOINT_URL: endpoint });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/aws identity +pass .*account 111122223333/);
      expect(run.stdout).toContain(`ssm           fail`);
      expect(run.stdout + run.stderr).toContain(
        `the endpoint ${endpoint} (AWS_ENDPOINT_URL) does not serve ssm:DescribeInstanceInformation (HTTP 404`,
      );
      expect(run.stdout + run.stderr).toContain(
        'AWS_ENDPOINT_URL sends every AWS call there: point it at an endpoint that implements ssm',
      );
      // Issue 19, item 7: it said "check https://health.aws.amazon.com".
      expect(run.stdout + run.stderr).not.toContain('health.aws.amazon.com');

      // Nothing at all behind it: identity fails for the same named reason, and SSM is not asked.
      const json = await runDoctor(['doctor', '-o', 'json'], { AWS_ENDPOINT_URL: `${endpoint}/nothing-here` });
      const checks = checksOf(json);
      expect(checks['aws identity']).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining(`(AWS_ENDPOINT_URL) does not serve sts:GetCallerIdentity (HTTP 404`),
      });
      expect(checks['ssm']).toMatchObject({
        status: 'skip',
        detail: 'AWS is not usable as configured: see aws identity',
      });
    } finally {
      partial.close();
    }
  });

  it('cannot run on a broken config file: exit 3 naming the file and the key to fix', async () => {
    const config = join(dir, 'broken.json');
    writeFileSync(config, JSON.stringify({ environments: { sandbox: { awsRegion: 'nowhere' } } }));
    const run = await runDoctor(['doctor'], { MOLECTL_CONFIG: config });
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`error: config file ${config}: key "environments.sandbox.awsRegion"`);
  });

  it('shows examples in its help', async () => {
    const run = await runDoctor(['doctor', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain('molectl doctor -o json');
  });
});
