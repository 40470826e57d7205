import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleShapeSecrets } from '../../src/sandbox/cp/render-boot-console.js';
import { startHarness, type Harness } from './org-harness.js';

/**
 * The console-shapes fault: a boot console that leaks the tenant's secrets in the shapes other
 * bootstraps and Go services print (a registry login's -p, a Cloudflare tunnel token, a --token
 * flag, a Go %+v struct, a JSON-escaped config; the AWS CLI's text and table output, an ECS
 * name/value env list). Every one was shown in clear before.
 */

let h: Harness;
let secrets: string[];

beforeAll(async () => {
  h = await startHarness({ tenants: 1, faults: 'console-shapes=acme' });
  const token = h.sandbox.state.orgs.get('acme')!.adminToken;
  const { registryPassword, tunnelToken } = consoleShapeSecrets(token);
  const tunnelSecret = (JSON.parse(Buffer.from(tunnelToken, 'base64').toString('utf8')) as { s: string }).s;
  secrets = [token, registryPassword, tunnelToken, tunnelToken.slice(0, 40), tunnelSecret];
});
afterAll(async () => {
  await h.stop();
});

function expectNoSecrets(text: string): void {
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('molectl console: secrets in the shapes other bootstraps and Go services print', () => {
  it('the planted leaks are really in the console EC2 answers', () => {
    const tenant = [...h.sandbox.state.instances.values()].find((i) => i.role === 'molecule-tenant-instance')!;
    // (the tunnel's own secret is inside its base64 token, not in clear)
    for (const secret of secrets.slice(0, 4)) expect(tenant.console).toContain(secret);
    // The OAuth state is in the URL-safe alphabet, and not only by chance.
    expect(tenant.console).toMatch(/state=[A-Za-z0-9]*[-_][A-Za-z0-9_-]* 302/);
  });

  it('text output shows none of them, and the count names their kinds', async () => {
    const run = await h.run([
      'console',
      'acme',
      '--grep',
      'login|cloudflared|bootstrap|config|admin_token|ADMIN_TOKEN|SecretString|task env|relay|hooks|oauth|^cloud-init\\[1873\\]:   ',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('+ docker login -u molecule-bot -p [REDACTED:registry-password] ghcr.io');
    expect(run.stdout).toContain('+ cloudflared service install [REDACTED:tunnel-token]');
    expect(run.stdout).toMatch(/--token \[REDACTED:named-secret\]/);
    expect(run.stdout).toMatch(/AdminToken:\[REDACTED:named-secret\] CPURL:/);
    expect(run.stdout).toMatch(/\\"admin_token\\":\\"\[REDACTED:named-secret\]\\"/);
    expect(run.stdout).toContain('ENVIRONMENT\tADMIN_TOKEN\t[REDACTED:named-secret]');
    expect(run.stdout).toContain('||  SecretString  |  [REDACTED:named-secret]  ||');
    expect(run.stdout).toContain('"env":[{"name":"ADMIN_TOKEN","value":"[REDACTED:named-secret]"}]');
    expect(run.stdout).toContain('cloud-init[1873]: admin_token:\ncloud-init[1873]:   [REDACTED:named-secret]');
    expect(run.stdout).toContain('cloud-init[1873]: + echo ADMIN_TOKEN [REDACTED:named-secret]\n');
    expect(run.stdout).toContain('cloud-init[1873]: ADMIN_TOKEN [REDACTED:named-secret]\n');
    expect(run.stdout).toContain(
      String.raw`"body":"{\"event\":\"{\\\"admin_token\\\":\\\"[REDACTED:named-secret]\\\"}\"}"}`,
    );
    expect(run.stdout).toContain(
      'GET /cp/relay?payload=%7B%22admin_token%22%3A%22[REDACTED:named-secret]%22%2C%22slug',
    );
    expect(run.stdout).toContain('body=headers=Authorization%3A%20Bearer%20[REDACTED:bearer]&retry=1');
    expect(run.stdout).toContain('GET /oauth/callback?state=[REDACTED:base64] 302');
    expect(run.stdout).toContain(
      String.raw`"msg":"{\"env\":[{\"name\":\"ADMIN_TOKEN\",\"value\":\"[REDACTED:named-secret]\"}]}"}`,
    );
    expect(run.stderr).toMatch(/values redacted \(.*registry-password 1.*\)/);
    expect(run.stderr).toMatch(/tunnel-token 1/);
    expectNoSecrets(run.stdout + run.stderr);
  });

  it('neither --output json nor an --out file holds them', async () => {
    const json = await h.run(['console', 'acme', '-o', 'json']);
    expect(json.code).toBe(0);
    expectNoSecrets(json.stdout + json.stderr);
    expect(JSON.parse(json.stdout).redaction.byKind).toMatchObject({ 'registry-password': 1, 'tunnel-token': 1 });

    const file = join(mkdtempSync(join(tmpdir(), 'molectl-shapes-')), 'console.txt');
    const out = await h.run(['console', 'acme', '--out', file]);
    expect(out.code).toBe(0);
    expectNoSecrets(readFileSync(file, 'utf8') + out.stdout + out.stderr);
  });
});
