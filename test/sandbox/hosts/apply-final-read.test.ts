import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/start-sandbox.js';
import type { SimInstance } from '../../../src/sandbox/state.js';

// apply's last word is a read of the new container: "migrated" only when that read shows the
// value. The simulated docker always answers it, so here the script runs on a host with one
// more line before it: after `docker run`, `docker inspect` fails, as a daemon that stalls or
// restarts right then would make it.

const script = readFileSync(new URL('../../../scripts/tenant-cp-secret.sh', import.meta.url), 'utf8');

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ tenants: 3, preCutover: 1, seed: 11 });
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

// Wraps the host's docker: once a container was run, every later inspect fails.
const INSPECT_FAILS_AFTER_RUN = `eval "molectl_test_$(declare -f docker)"
docker() {
  if [ "$1" = run ]; then MOLECTL_TEST_RAN=1; fi
  if [ "$1" = inspect ] && [ -n "\${MOLECTL_TEST_RAN:-}" ]; then echo 'Error response from daemon: i/o timeout' >&2; return 1; fi
  molectl_test_docker "$@"
}
`;

describe('apply after the recreate', () => {
  it('does not call a container migrated when it cannot read it back, even when it held the value before', async () => {
    // A post-cutover tenant holds the value already; a new CP URL makes apply recreate it.
    const host = tenantHost('gamma');
    const r = await sandbox.hosts.runScript(host, applyHeader('https://cp-new.example') + INSPECT_FAILS_AFTER_RUN + script, {
      timeoutSeconds: 60,
      commandId: 'final-read',
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('MOLECTL_RESULT '));
    expect(line).toBeDefined();
    const result = JSON.parse(line!.slice('MOLECTL_RESULT '.length)) as { status: string; reason: string };
    expect(result.status).toBe('rolled-back');
    expect(result.reason).toContain('holds nothing');
    expect(r.exitCode).toBe(1);
  });
});
