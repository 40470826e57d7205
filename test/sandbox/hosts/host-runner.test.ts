import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateTenantProvisionCall } from '../../../src/sandbox/cp/simulate-tenant.js';
import { readTenantContainer } from '../../../src/sandbox/hosts/tenant-container.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/start-sandbox.js';
import type { SimInstance } from '../../../src/sandbox/state.js';
import { createSecret } from '../../../src/sandbox/aws/secrets-store.js';

let sandbox: Sandbox;

function tenantHost(slug: string): SimInstance {
  const org = sandbox.state.orgs.get(slug);
  const instance = org?.tenantInstanceId ? sandbox.state.instances.get(org.tenantInstanceId) : undefined;
  if (!instance) throw new Error(`no tenant host for ${slug}`);
  return instance;
}

async function run(slug: string, script: string, timeoutSeconds = 30) {
  return sandbox.hosts.runScript(tenantHost(slug), script, {
    timeoutSeconds,
    commandId: `cmd-${Math.random().toString(16).slice(2)}`,
  });
}

// The migration a later command performs, written the way on-instance scripts must be: paths
// prefixed with ${MOLECTL_HOST_ROOT:-}, the secret fetched on the host, never in the script.
const MIGRATE = `set -euo pipefail
secret="$(aws secretsmanager get-secret-value --secret-id molecule/cp/provision-shared-secret --query SecretString --output text)"
docker inspect --format '{{json .Config.Env}}' molecule-tenant > "\${MOLECTL_HOST_ROOT:-}/root/env.json"
docker stop molecule-tenant >/dev/null
docker rename molecule-tenant molecule-tenant-premigration
mapfile -t envs < <(jq -r '.[]' "\${MOLECTL_HOST_ROOT:-}/root/env.json")
args=()
for kv in "\${envs[@]}"; do args+=(-e "$kv"); done
MOLECULE_CP_SHARED_SECRET="$secret" docker run -d --name molecule-tenant --restart unless-stopped -p 8080:8080 -p 3000:3000 \\
  "\${args[@]}" -e MOLECULE_CP_SHARED_SECRET -e MOLECULE_CP_URL=http://cp.example \\
  "$(docker inspect --format '{{.Config.Image}}' molecule-tenant-premigration)" >/dev/null
curl -fsS http://127.0.0.1:8080/health
`;

beforeAll(async () => {
  sandbox = await startSandbox({ tenants: 8, preCutover: 2, seed: 7 });
});

afterAll(async () => {
  await sandbox.stop();
});

describe('simulated tenant hosts', () => {
  it('starts pre-cutover tenants without the CP secret, so their provisioning calls are refused', async () => {
    const container = readTenantContainer(sandbox.state, tenantHost('acme'));
    expect(container?.running).toBe(true);
    expect(container?.env['MOLECULE_CP_SHARED_SECRET']).toBeUndefined();
    expect(container?.env['MOLECULE_CP_URL']).toBeUndefined();
    expect(await simulateTenantProvisionCall(sandbox.state, 'acme')).toBe(401);
    const post = readTenantContainer(sandbox.state, tenantHost('gamma'));
    expect(post?.env['MOLECULE_CP_SHARED_SECRET']).toBe(sandbox.state.provisionSharedSecret);
    expect(await simulateTenantProvisionCall(sandbox.state, 'gamma')).toBe(201);
  });

  it('reflects a migration script (inspect, stop, rename, run with an extra var) in the container state', async () => {
    const result = await run('acme', MIGRATE);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe('{"status":"ok"}');
    expect(result.stdout).not.toContain(sandbox.state.provisionSharedSecret);

    const container = readTenantContainer(sandbox.state, tenantHost('acme'));
    expect(container?.running).toBe(true);
    expect(container?.env['MOLECULE_CP_SHARED_SECRET']).toBe(sandbox.state.provisionSharedSecret);
    expect(container?.inspect.HostConfig).toMatchObject({ RestartPolicy: { Name: 'unless-stopped' } });
    const old = readTenantContainer(sandbox.state, tenantHost('acme'), 'molecule-tenant-premigration');
    expect(old?.running).toBe(false);
    expect(await simulateTenantProvisionCall(sandbox.state, 'acme')).toBe(201);
  });

  it('loses the migration when the auto-updater recreates the container from user-data', async () => {
    const update = await sandbox.runAutoUpdater('acme');
    expect(update.exitCode).toBe(0);
    const container = readTenantContainer(sandbox.state, tenantHost('acme'));
    expect(container?.running).toBe(true);
    expect(container?.image).toBe('ghcr.io/molecule-ai/platform-tenant:latest');
    expect(container?.env['MOLECULE_CP_SHARED_SECRET']).toBeUndefined();
    expect(await simulateTenantProvisionCall(sandbox.state, 'acme')).toBe(401);
    const log = readFileSync(join(tenantHost('acme').hostRoot ?? '', 'var/log/molecule-auto-update.log'), 'utf8');
    expect(log).toContain('recreated molecule-tenant');
  });

  it('ignores an env file a migration leaves behind: only changing the updater itself makes a change durable', async () => {
    const envFile = `set -euo pipefail
umask 077
secret="$(aws secretsmanager get-secret-value --secret-id molecule/cp/provision-shared-secret --query SecretString --output text)"
mkdir -p "\${MOLECTL_HOST_ROOT:-}/etc/molecule"
printf 'MOLECULE_CP_SHARED_SECRET=%s\\nMOLECULE_CP_URL=%s\\n' "$secret" http://cp.example > "\${MOLECTL_HOST_ROOT:-}/etc/molecule/tenant.env"
`;
    expect((await run('beta', envFile)).exitCode).toBe(0);
    const update = await sandbox.runAutoUpdater('beta', { tag: '2026.06.01-abc1234' });
    expect(update.exitCode).toBe(0);
    const container = readTenantContainer(sandbox.state, tenantHost('beta'));
    expect(container?.image).toBe('ghcr.io/molecule-ai/platform-tenant:2026.06.01-abc1234');
    expect(container?.env['MOLECULE_CP_SHARED_SECRET']).toBeUndefined();
    expect(container?.env['ORG_SLUG']).toBe('beta');
    expect(await simulateTenantProvisionCall(sandbox.state, 'beta')).toBe(401);
  });

  it('answers local health only while the container runs, and docker exec sees the container env', async () => {
    const r = await run(
      'delta',
      `docker exec molecule-tenant printenv ORG_SLUG
curl -fsS http://127.0.0.1:8080/health; echo
docker stop molecule-tenant >/dev/null
curl -fsS http://127.0.0.1:8080/health || echo "down rc=$?"
docker ps --format '{{.Names}}' | wc -l
docker ps -a --filter name=^molecule-tenant$ --format '{{.Names}} {{.State}}'
docker start molecule-tenant >/dev/null
curl -s -o /dev/null -w '%{http_code}\\n' http://localhost:8080/health
`,
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'delta',
      '{"status":"ok"}',
      'down rc=7',
      '0',
      'molecule-tenant exited',
      '200',
      '',
    ]);
  });

  it('prints docker-like inspect JSON and template fields', async () => {
    const r = await run(
      'gamma',
      `docker inspect molecule-tenant | jq -r '.[0].Name, .[0].State.Status, (.[0].Config.Env | length > 5)'
docker inspect --format '{{.Name}} {{.State.Running}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.NetworkMode}} {{json .HostConfig.Binds}}' molecule-tenant
docker inspect nope >/dev/null 2>&1 || echo "missing rc=$?"
docker logs --tail 5 molecule-tenant | wc -l
`,
    );
    expect(r.stdout.split('\n')).toEqual([
      '/molecule-tenant',
      'running',
      'true',
      '/molecule-tenant true unless-stopped bridge ["/var/lib/molecule:/data"]',
      'missing rc=1',
      '5',
      '',
    ]);
  });

  it('makes docker run fail on hosts named by the docker-fail fault, leaving a Created container', async () => {
    sandbox.state.faults.dockerFailHosts = ['epsilon'];
    try {
      const r = await run(
        'epsilon',
        `docker rm -f molecule-tenant >/dev/null
docker run -d --name molecule-tenant -p 8080:8080 ghcr.io/molecule-ai/platform-tenant:latest`,
      );
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toContain('OCI runtime create failed');
      expect(readTenantContainer(sandbox.state, tenantHost('epsilon'))?.status).toBe('created');
    } finally {
      sandbox.state.faults.dockerFailHosts = [];
    }
  });

  it('kills a script at its timeout, children included', async () => {
    const started = Date.now();
    const r = await run('zeta', 'echo started; sleep 30 & wait', 1);
    expect(r.timedOut).toBe(true);
    expect(r.stdout).toBe('started\n');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(sandbox.hosts.active).toBe(0);
  });

  it('starts scripts a few at a time, yet a script that waits holds back the others for no longer than a turn', async () => {
    // More waiting scripts than turns (two per core), all started together: each takes a turn
    // (cpu-turns.ts) and keeps it for at most 250 ms, so a quick script queued behind them still
    // ends in a moment.
    const sleepers = Array.from({ length: 2 * availableParallelism() + 2 }, () => run('zeta', 'sleep 3; echo slept'));
    const started = Date.now();
    const quick = await run('eta', 'echo quick');
    const quickMs = Date.now() - started;
    expect(quick.stdout).toBe('quick\n');
    expect(quickMs).toBeLessThan(2500);
    for (const r of await Promise.all(sleepers)) expect(r.stdout).toBe('slept\n');
    expect(sandbox.hosts.active).toBe(0);
  });

  it('runs scripts with a minimal root env and the host directory as cwd', async () => {
    const r = await run('zeta', 'echo "$USER|$PWD|${AWS_SECRET_ACCESS_KEY:-none}|${CP_ADMIN_API_TOKEN:-none}"');
    const root = tenantHost('zeta').hostRoot ?? '';
    expect(r.stdout).toBe(`root|${root}|none|none\n`);
    expect(existsSync(join(root, 'usr/local/bin/molecule-auto-update.sh'))).toBe(true);
  });

  it('answers aws shim errors the way aws-cli does', async () => {
    const r = await run(
      'zeta',
      `aws secretsmanager get-secret-value --secret-id does/not/exist --query SecretString --output text; echo "rc=$?"
aws ssm put-parameter --name /molecule/test --value v1 --type SecureString >/dev/null && aws ssm get-parameter --name /molecule/test --with-decryption --query Parameter.Value --output text`,
    );
    expect(r.stderr).toContain(
      'An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation',
    );
    expect(r.stdout).toBe('rc=254\nv1\n');
  });

  it('keeps a secret fetched on the host out of the script, the host API argv and the recorded requests', async () => {
    const sentinel = 'SENTINEL-host-secret-7f3a9c1e5b';
    createSecret(sandbox.state, 'molecule/test/sentinel', sentinel);
    const script = `set -euo pipefail
v="$(aws secretsmanager get-secret-value --secret-id molecule/test/sentinel --query SecretString --output text)"
printf 'X=%s\\n' "$v" > "\${MOLECTL_HOST_ROOT:-}/etc/molecule/sentinel.env"
echo "len=\${#v}"`;
    expect(script).not.toContain(sentinel);
    const before = sandbox.state.requests.length;
    const r = await run('eta', script);
    expect(r).toMatchObject({ exitCode: 0, stdout: `len=${sentinel.length}\n` });
    expect(readFileSync(join(tenantHost('eta').hostRoot ?? '', 'etc/molecule/sentinel.env'), 'utf8')).toBe(
      `X=${sentinel}\n`,
    );
    // Host API calls are not molectl's requests: nothing is recorded, so nothing can leak there.
    expect(sandbox.state.requests.length).toBe(before);
    expect(JSON.stringify(sandbox.state.requests)).not.toContain(sentinel);
  });
});
