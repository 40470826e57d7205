import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putSecretValue } from '../../src/sandbox/aws/secrets-store.js';
import { readTenantContainer } from '../../src/sandbox/hosts/tenant-container.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// Issue 12, items 3, 8 and 9: what the plan pins, which URL tenants get, and probes that
// "succeed" without a result.

const APPLY = ['--env', 'sandbox', 'migrate', 'cp-secret', 'apply', '--yes', '--soak', '0', '--health-timeout', '5s'];

describe('migrate cp-secret plan verdicts', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  let tmp: string;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 3, preCutover: 3 });
    tmp = mkdtempSync(join(tmpdir(), 'molectl-plan-verdicts-'));
  });
  afterAll(async () => {
    await f.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses to pin when two versions claim AWSCURRENT (exit 1), naming both', async () => {
    const { state } = f.sandbox;
    const secret = state.secrets.get(state.cpSharedSecretId)!;
    const current = secret.versions.find((v) => v.stages.includes('AWSCURRENT'))!.versionId;
    const other = putSecretValue(state, state.cpSharedSecretId, 'an-older-value-of-the-shared-secret', {
      stages: ['AWSPREVIOUS'],
    }).versionId;
    state.faults.flags['duplicateAwsCurrent'] = secret.name;
    try {
      const r = await f.molectl(['migrate', 'cp-secret', 'plan']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/error: 2 versions of molecule\/cp\/provision-shared-secret claim AWSCURRENT/);
      expect(r.stderr).toContain(current);
      expect(r.stderr).toContain(other);
      expect(r.stderr).toMatch(/hint: .*update-secret-version-stage/);
      expect(state.requests.filter((q) => q.action === 'SendCommand')).toHaveLength(0);
    } finally {
      delete state.faults.flags['duplicateAwsCurrent'];
    }
  });

  it('asks Secrets Manager for the AWSCURRENT stage by name', async () => {
    const mark = f.sandbox.state.requests.length;
    await f.molectl(['migrate', 'cp-secret', 'plan', '-o', 'json']);
    const get = f.sandbox.state.requests.slice(mark).find((q) => q.action === 'GetSecretValue')!;
    expect(JSON.parse(get.body)).toMatchObject({ VersionStage: 'AWSCURRENT' });
  });

  it("gives tenants the environment's CP URL, never an operator's MOLECTL_CP_URL override", async () => {
    const r = await f.molectl(['--env', 'staging', 'migrate', 'cp-secret', 'plan', '-o', 'json'], {
      env: { MOLECTL_CP_URL: f.sandbox.url },
    });
    const plan = JSON.parse(r.stdout) as { environment: { cpUrl: string; tenantCpUrl: string } };
    expect(plan.environment.cpUrl).toBe(f.sandbox.url);
    expect(plan.environment.tenantCpUrl).toBe('https://staging-api.moleculesai.app');
  });

  it('refuses a plain-http or loopback tenant CP URL outside the sandbox (exit 3), before any probe', async () => {
    const config = join(tmp, 'config.json');
    writeFileSync(config, JSON.stringify({ environments: { staging: { tenantCpUrl: 'http://127.0.0.1:4510' } } }));
    const mark = f.sandbox.state.requests.length;
    const r = await f.molectl(['--env', 'staging', 'migrate', 'cp-secret', 'plan'], {
      env: { MOLECTL_CP_URL: f.sandbox.url, MOLECTL_CONFIG: config },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/tenants need an https URL that is not loopback; nothing was planned/);
    expect(r.stderr).toMatch(/hint: set environments\.staging\.tenantCpUrl/);
    expect(f.sandbox.state.requests.slice(mark)).toHaveLength(0);
  });

  it('a probe that ends Success with no output is a failed probe: counted in the progress, exit 5', async () => {
    f.sandbox.state.faults.flags['ssmEmptyOutput'] = 'acme';
    try {
      const r = await f.molectl(['migrate', 'cp-secret', 'plan', '-o', 'json']);
      expect(r.code).toBe(5);
      const plan = JSON.parse(r.stdout) as { targets: Array<{ slug: string; class: string; reason: string }> };
      expect(plan.targets.find((t) => t.slug === 'acme')).toMatchObject({
        class: 'probe-failed',
        reason: 'probe printed no result line',
      });
      expect(r.stderr).toMatch(/1 gave no result \(probe-failed\)/);
      expect(r.stderr).not.toMatch(/3\/3 answered, 0 failed/);
    } finally {
      delete f.sandbox.state.faults.flags['ssmEmptyOutput'];
    }
  });

  it('an apply that reached everyone it could while a tenant went unprobed is partial (exit 5), naming it', async () => {
    f.sandbox.state.faults.flags['ssmEmptyOutput'] = 'acme';
    try {
      const r = await f.molectl(APPLY);
      expect(r.code, r.stderr).toBe(5);
      expect(r.stderr).toMatch(
        /1 tenant was not reached \(it may still need the secret\) — acme \(probe-failed: probe printed no result line\)/,
      );
      expect(r.stdout).toMatch(/: partial\./);
    } finally {
      delete f.sandbox.state.faults.flags['ssmEmptyOutput'];
    }
  });

  it('and with nothing left to change but acme unjudged, it is not "nothing to do" (exit 5)', async () => {
    f.sandbox.state.faults.flags['ssmEmptyOutput'] = 'acme';
    try {
      const r = await f.molectl(APPLY);
      expect(r.code).toBe(5);
      expect(r.stdout).toMatch(/nothing changed: 2 current, 0 not changeable, 1 not judged/);
      expect(r.stdout).not.toMatch(/nothing to do/);
    } finally {
      delete f.sandbox.state.faults.flags['ssmEmptyOutput'];
    }
  });

  it('rides out dropped connections on read-only work: a plan with 20% of connections reset still judges every tenant', async () => {
    const { state } = f.sandbox;
    state.faults.connectionResetRate = 0.2;
    const before = state.connectionsReset;
    try {
      const r = await f.molectl(['migrate', 'cp-secret', 'plan', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const plan = JSON.parse(r.stdout) as { targets: Array<{ class: string }> };
      expect(plan.targets).toHaveLength(3);
      expect(plan.targets.every((t) => t.class === 'current' || t.class === 'needs-migration')).toBe(true);
      expect(state.connectionsReset - before).toBeGreaterThan(0);
    } finally {
      state.faults.connectionResetRate = 0;
    }
  });
});

// A fleet of its own: this apply migrates every tenant.
describe('the CP URL tenants get', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  let tmp: string;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 3, preCutover: 3 });
    tmp = mkdtempSync(join(tmpdir(), 'molectl-tenant-url-'));
  });
  afterAll(async () => {
    await f.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("gives tenants the environment's CP URL, never the operator's --cp-url: the containers get the configured one", async () => {
    // The same sandbox CP under two spellings: the configured tenant URL and the operator's --cp-url.
    const configured = f.sandbox.url;
    const operators = configured.replace('127.0.0.1', 'localhost');
    const config = join(tmp, 'tenant-url.json');
    writeFileSync(config, JSON.stringify({ environments: { sandbox: { tenantCpUrl: configured } } }));
    const mark = f.sandbox.state.requests.length;
    const r = await f.molectl(['--cp-url', operators, ...APPLY, '-o', 'json'], {
      env: { MOLECTL_CP_URL: undefined, MOLECTL_CONFIG: config },
    });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { environment: { cpUrl: string; tenantCpUrl: string } };
    expect(doc.environment).toMatchObject({ cpUrl: operators, tenantCpUrl: configured });
    const scripts = f.sandbox.state.requests.slice(mark).filter((q) => q.action === 'SendCommand');
    expect(scripts.filter((q) => q.body.includes(configured)).length).toBeGreaterThan(0);
    expect(scripts.filter((q) => q.body.includes(operators))).toEqual([]);
    const { state } = f.sandbox;
    for (const org of state.orgs.values()) {
      const env = readTenantContainer(state, state.instances.get(org.tenantInstanceId!)!)?.env;
      expect(env?.['MOLECULE_CP_URL'], org.slug).toBe(configured);
    }
  });
});
