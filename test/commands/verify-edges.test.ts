import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { runCli } from '../helpers/run-cli.js';
import { unusedPort } from '../helpers/absent-path.js';

let sandbox: Sandbox;
let tmp: string;

beforeAll(async () => {
  sandbox = await startSandbox({ tenants: 1, speed: 'fast' });
  tmp = mkdtempSync(join(tmpdir(), 'molectl-verify-edges-'));
});

afterAll(async () => {
  await sandbox.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const env = () => ({ ...sandbox.env, ...deployServicesEnv(), MOLECTL_STATE_DIR: tmp });

describe('molectl verify, edges', () => {
  it('lists every built-in check id in --help', async () => {
    const run = await runCli(['verify', '--help'], { env: env() });
    expect(run.code).toBe(0);
    for (const id of [
      'cp-deploy',
      'cp-health',
      'cp-provision-gated',
      'cp-admin-gated',
      'cp-instance-no-secret',
      'image-published',
      'canvas-deploy',
      'tenant-health',
    ]) {
      expect(run.stdout).toContain(id);
    }
  });

  it('fails cp-admin-gated when an admin route answers without a token', async () => {
    const openAdmin: typeof fetch = async (input, init) => {
      const url = String(input);
      const headers = new Headers(init?.headers);
      if (url.includes('/cp/admin/orgs') && !headers.has('authorization'))
        return new Response('{"orgs":[]}', { status: 200, headers: { 'content-type': 'application/json' } });
      return fetch(input, init);
    };
    const run = await runCli(['verify', '--only', 'cp-admin-gated,cp-health', '-o', 'json'], {
      env: env(),
      overrides: { fetch: openAdmin },
    });
    const doc = JSON.parse(run.stdout);
    const byId = Object.fromEntries(doc.checks.map((c: { id: string }) => [c.id, c]));
    expect(byId['cp-admin-gated']).toMatchObject({
      status: 'fail',
      detail: 'GET /cp/admin/orgs without a token was answered with the org list (HTTP 200): the admin API is open',
    });
    expect(byId['cp-health']).toMatchObject({ status: 'pass' });
    expect(run.code).toBe(1);
  });

  it('calls a 200 HTML page on an admin route an unexpected answer, not an open admin API', async () => {
    sandbox.state.faults.flags['adminHtml'] = true;
    try {
      const run = await runCli(['verify', '--only', 'cp-admin-gated', '-o', 'json'], { env: env() });
      const check = JSON.parse(run.stdout).checks[0];
      expect(check).toMatchObject({ id: 'cp-admin-gated', status: 'fail' });
      expect(check.detail).toMatch(/unexpected answer: HTTP 200 that is not the admin API's/);
      expect(check.detail).not.toMatch(/is open/);
      expect(run.code).toBe(1);
    } finally {
      delete sandbox.state.faults.flags['adminHtml'];
    }
  });

  it('passes cp-admin-gated on a 403 refusal, and a CP token refused with 403 is exit 3', async () => {
    sandbox.state.faults.flags['adminForbidden'] = true;
    try {
      const run = await runCli(['verify', '--only', 'cp-admin-gated', '-o', 'json'], { env: env() });
      const check = JSON.parse(run.stdout).checks[0];
      expect(check).toMatchObject({
        id: 'cp-admin-gated',
        status: 'pass',
        detail: 'GET /cp/admin/orgs without a token answered 403',
      });
      expect(run.code).toBe(0);
      const list = await runCli(['org', 'list'], { env: { ...env(), CP_ADMIN_API_TOKEN: 'not-the-token' } });
      expect(list.code, list.stderr).toBe(3);
    } finally {
      delete sandbox.state.faults.flags['adminForbidden'];
    }
  });

  it('does not pass cp-instance-no-secret on a 200 that is not the instance view', async () => {
    sandbox.state.faults.flags['instanceRouteEmpty'] = true;
    try {
      const slug = [...sandbox.state.orgs.keys()][0]!;
      const run = await runCli(['verify', '--only', 'cp-instance-no-secret', '--canary', slug, '-o', 'json'], {
        env: env(),
      });
      const check = JSON.parse(run.stdout).checks[0];
      expect(check).toMatchObject({ id: 'cp-instance-no-secret', status: 'fail' });
      expect(check.detail).toBe(`${slug}: HTTP 200, but not the instance view (no status field)`);
      expect(run.code).toBe(1);
    } finally {
      delete sandbox.state.faults.flags['instanceRouteEmpty'];
    }
  });

  it('reports an unreachable CP as failed checks, not a crash', async () => {
    const port = await unusedPort();
    const run = await runCli(['verify', '--only', 'cp-health,cp-admin-gated', '-o', 'json'], {
      env: { ...env(), MOLECTL_CP_URL: `http://127.0.0.1:${port}` },
    });
    const doc = JSON.parse(run.stdout);
    expect(doc.checks.map((c: { status: string }) => c.status)).toEqual(['fail', 'fail']);
    expect(doc.checks[0].detail).toContain(`could not reach 127.0.0.1:${port}`);
    expect(run.code).toBe(1);
  });

  it('stops with exit 130 when interrupted during --wait', async () => {
    sandbox.state.faults.flags['railwayDeployFailed'] = 'DEPLOYING';
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted')), 200);
    const run = await runCli(['verify', '--only', 'cp-deploy', '--wait', '1m', '--interval', '50ms'], {
      env: env(),
      signal: controller.signal,
    });
    sandbox.state.faults.flags = {};
    expect(run.code).toBe(130);
  });

  it('writes --report-file in the --output format and prints the text table', async () => {
    const file = join(tmp, 'report.json');
    const run = await runCli(['verify', '--only', 'cp-health', '-o', 'json', '--report-file', file], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^cp-health\s+pass/m);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      schemaVersion: 1,
      ok: true,
      summary: { total: 1, passed: 1 },
    });
  });

  it('refuses a report file it cannot write with exit 2', async () => {
    const notADirectory = join(tmp, 'a-file');
    writeFileSync(notADirectory, '');
    const run = await runCli(['verify', '--only', 'cp-health', '--report-file', join(notADirectory, 'nope.txt')], {
      env: env(),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--report-file: .*a-file is not a directory/);
  });
});
