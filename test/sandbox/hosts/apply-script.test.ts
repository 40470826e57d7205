import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materialiseHost } from '../../../src/sandbox/hosts/materialise-host.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/start-sandbox.js';
import type { SimInstance } from '../../../src/sandbox/state.js';

// The apply script run directly on one simulated host, with the header molectl puts before it,
// for what the command tests cannot arrange: a docker that fails one call at a chosen moment, and
// the files the script leaves on the host.

const script = readFileSync(new URL('../../../scripts/tenant-cp-secret.sh', import.meta.url), 'utf8');

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ tenants: 3, preCutover: 2, seed: 11, faults: 'docker-fail=beta' });
});
afterAll(async () => {
  await sandbox.stop();
});

function tenantHost(slug: string): SimInstance {
  const id = sandbox.state.orgs.get(slug)?.tenantInstanceId;
  const instance = id ? sandbox.state.instances.get(id) : undefined;
  if (!instance) throw new Error(`no tenant host for ${slug}`);
  return instance;
}

function applyHeader(cpUrl: string): string {
  const secret = sandbox.state.secrets.get(sandbox.state.cpSharedSecretId)!;
  const current = secret.versions.find((v) => v.stages.includes('AWSCURRENT'))!;
  const fingerprint = `sha256:${createHash('sha256').update(current.value).digest('hex').slice(0, 12)}`;
  const vars = {
    MOLECTL_MODE: 'apply',
    MOLECTL_CONTAINER: 'molecule-tenant',
    MOLECTL_CP_URL: cpUrl,
    MOLECTL_EXPECTED_FP: fingerprint,
    MOLECTL_DELIVERY: 'secrets-manager',
    MOLECTL_SECRET_ID: secret.arn,
    MOLECTL_SECRET_VERSION: current.versionId,
    MOLECTL_RUN_ID: 'final-read',
    MOLECTL_AWS_REGION: sandbox.state.region,
    MOLECTL_HEALTH_TIMEOUT: '20',
  };
  return Object.entries(vars)
    .map(([k, v]) => `export ${k}='${v}'\n`)
    .join('');
}

async function runApply(slug: string, cpUrl: string, before = '') {
  const r = await sandbox.hosts.runScript(tenantHost(slug), applyHeader(cpUrl) + before + script, {
    timeoutSeconds: 60,
    commandId: `apply-${slug}-${Math.random().toString(16).slice(2)}`,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('MOLECTL_RESULT '));
  expect(line, r.stderr).toBeDefined();
  return { ...r, result: JSON.parse(line!.slice('MOLECTL_RESULT '.length)) as { status: string; reason?: string } };
}

/**
 * The files in the host's /etc/molecule besides the host's own: the durable tenant.env, nothing of
 * the run's. The host lock's file stays by design (removing a flock file races the next locker).
 */
function addedToEnvDir(slug: string, before: string[]): string[] {
  return envDirNow(slug)
    .filter((name) => !before.includes(name) && name !== '.molectl.lock')
    .sort();
}

function envDirNow(slug: string): string[] {
  // Hosts are written out at their first script: this is the listing that script would see.
  return readdirSync(join(materialiseHost(sandbox.state, tenantHost(slug)), 'etc', 'molecule'));
}

// Wraps the host's docker: once a container was run, every later inspect fails.
const INSPECT_FAILS_AFTER_RUN = `eval "molectl_test_$(declare -f docker)"
docker() {
  if [ "$1" = run ]; then MOLECTL_TEST_RAN=1; fi
  if [ "$1" = inspect ] && [ -n "\${MOLECTL_TEST_RAN:-}" ]; then echo 'Error response from daemon: i/o timeout' >&2; return 1; fi
  molectl_test_docker "$@"
}
`;

describe('apply after the recreate', () => {
  // apply's last word is a read of the new container: "migrated" only when that read shows the
  // value. The simulated docker always answers it, so here it fails every inspect after the run,
  // as a daemon that stalls or restarts right then would.
  it('does not call a container migrated when it cannot read it back, even when it held the value before', async () => {
    // A post-cutover tenant holds the value already; a new CP URL makes apply recreate it.
    const before = envDirNow('gamma');
    const r = await runApply('gamma', 'https://cp-new.example', INSPECT_FAILS_AFTER_RUN);
    expect(r.result.status).toBe('rolled-back');
    expect(r.result.reason).toContain('holds nothing');
    expect(r.exitCode).toBe(1);
    expect(addedToEnvDir('gamma', before).filter((name) => name !== 'tenant.env')).toEqual([]);
  });
});

describe('the files apply leaves on the host', () => {
  it('a migration leaves tenant.env alone in /etc/molecule: the run env and its options are removed', async () => {
    const before = envDirNow('acme');
    const r = await runApply('acme', 'https://cp.example');
    expect(r.result.status).toBe('migrated');
    expect(addedToEnvDir('acme', before)).toEqual(['tenant.env']);
  });

  it('a docker run that fails leaves nothing: the old container is put back, and the env file as it was (none)', async () => {
    const before = envDirNow('beta');
    const r = await runApply('beta', 'https://cp.example');
    expect(r.result.status).toBe('rolled-back');
    expect(addedToEnvDir('beta', before)).toEqual([]);
  });
});
