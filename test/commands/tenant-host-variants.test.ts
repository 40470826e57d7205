import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../src/lib/output/fingerprint.js';
import { renderTenantCommands } from '../../src/lib/tenant-secret-delivery/tenant-script.js';
import { parseScriptResult } from '../../src/lib/tenant-secret-delivery/parse-script-result.js';
import {
  COMPOSE_MOUNT_POINTS,
  COMPOSE_MOUNTS,
  CONFIGURED_HOSTNAME,
  EXEC_HEALTHCHECK,
  EXTRA_CONFIG,
  EXTRA_DEVICES,
  EXTRA_HOST_CONFIG,
  HARDENED_HOST_CONFIG,
} from '../../src/sandbox/hosts/initial-container.js';
import { containersDir, readTenantContainer } from '../../src/sandbox/hosts/tenant-container.js';
import type { SandboxState, SimInstance } from '../../src/sandbox/state.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// Ways a real tenant host may answer that the sandbox's first reading of the contract did not
// model (each is a documented sandbox fault, docs/sandbox.md), and what the on-host script
// (scripts/tenant-cp-secret.sh, run under bash on simulated hosts) and molectl then do.

const APPLY = ['--env', 'sandbox', 'migrate', 'cp-secret', 'apply', '--yes', '--soak', '0', '--health-timeout', '5s'];

/**
 * The apply script for the secret's AWSCURRENT run on one host directly, as a plan made before
 * the host changed would send it: what the script itself does, without molectl's plan in front.
 */
async function runApplyScript(f: SandboxFixture, slug: string, runId: string, before = '') {
  const { state } = f.sandbox;
  const secret = state.secrets.get(state.cpSharedSecretId)!;
  const version = secret.versions.find((v) => v.stages.includes('AWSCURRENT'))!;
  const commands = renderTenantCommands({
    mode: 'apply',
    containerName: 'molecule-tenant',
    cpUrl: f.sandbox.url,
    expectedFingerprint: fingerprintOf(version.value),
    delivery: 'secrets-manager',
    secretArn: secret.arn,
    secretVersionId: version.versionId,
    runId,
    healthTimeoutSeconds: 5,
  });
  return f.sandbox.hosts.runScript(tenantOf(state, slug), before + commands.join('\n'), {
    timeoutSeconds: 60,
    commandId: `apply-${runId}`,
  });
}

function tenantOf(state: SandboxState, slug: string): SimInstance {
  return state.instances.get(state.orgs.get(slug)!.tenantInstanceId!)!;
}

describe('a host whose docker daemon does not answer (docker-down)', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 2, faults: 'docker-down=beta' });
  });
  afterAll(() => f.stop());

  it('plan calls it not judged (exit 5), never "no platform container"', async () => {
    const r = await f.molectl(['migrate', 'cp-secret', 'plan', '-o', 'json']);
    expect(r.code, r.stderr).toBe(5);
    const plan = JSON.parse(r.stdout) as { targets: Array<{ slug: string; class: string; reason: string }> };
    const beta = plan.targets.find((t) => t.slug === 'beta')!;
    expect(beta.class).toBe('probe-failed');
    expect(beta.reason).toMatch(/^docker did not answer on the host: Cannot connect to the Docker daemon/);
    expect(r.stderr).toMatch(/1 tenant could not be judged .* — beta/);
  });

  it('fleet audit names the daemon, not a missing container', async () => {
    const r = await f.molectl(['fleet', 'audit', '--orgs', 'beta', '--checks', 'cp-secret-missing', '-o', 'json']);
    expect(r.code, r.stderr).toBe(5);
    const doc = JSON.parse(r.stdout) as {
      tenants: Array<{ tenant: string; findings: Array<{ status: string; detail: string }> }>;
    };
    const [finding] = doc.tenants.find((t) => t.tenant === 'beta')!.findings;
    expect(finding).toMatchObject({ status: 'unknown' });
    expect(finding!.detail).toMatch(/docker did not answer on the host/);
  });

  it('apply changes nothing there and says why', async () => {
    const r = await f.molectl([...APPLY, '--orgs', 'beta']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/no platform container|no container named/);
    const beta = readTenantContainer(f.sandbox.state, tenantOf(f.sandbox.state, 'beta'))!;
    expect(beta.running).toBe(true);
    expect(beta.env.MOLECULE_CP_SHARED_SECRET).toBeUndefined();
  });
});

describe('a host whose bash is 4.2, as on Amazon Linux 2 (old-bash)', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 1, preCutover: 1, faults: 'old-bash=acme' });
  });
  afterAll(() => f.stop());

  it('refuses bash 4.4 options there, as bash 4.2 does', async () => {
    const r = await f.sandbox.hosts.runScript(tenantOf(f.sandbox.state, 'acme'), "mapfile -d '' a < /dev/null", {
      timeoutSeconds: 30,
      commandId: 'old-bash-check',
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('mapfile: -d: invalid option');
  });

  it('apply migrates it: the script reads docker run options without mapfile -d', async () => {
    const r = await f.molectl(APPLY);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/acme\s+needs-migration\s+migrated/);
    const acme = readTenantContainer(f.sandbox.state, tenantOf(f.sandbox.state, 'acme'))!;
    expect(acme.running).toBe(true);
    expect(acme.env.MOLECULE_CP_SHARED_SECRET).toBeDefined();
  });
});

describe('a tenant whose platform container is stopped', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 2 });
    const stopped = await f.sandbox.hosts.runScript(tenantOf(f.sandbox.state, 'acme'), 'docker stop molecule-tenant', {
      timeoutSeconds: 30,
      commandId: 'setup-stop',
    });
    expect(stopped.exitCode).toBe(0);
  });
  afterAll(() => f.stop());

  it('plan classes it not-running and apply leaves it stopped', async () => {
    const plan = await f.molectl(['migrate', 'cp-secret', 'plan', '-o', 'json']);
    const doc = JSON.parse(plan.stdout) as { targets: Array<{ slug: string; class: string; reason: string }> };
    expect(doc.targets.find((t) => t.slug === 'acme')).toMatchObject({
      class: 'not-running',
      reason: 'the platform container is stopped: a migration would start it',
    });
    const r = await f.molectl(APPLY);
    expect(r.stdout).toMatch(/beta\s+needs-migration\s+migrated/);
    const acme = readTenantContainer(f.sandbox.state, tenantOf(f.sandbox.state, 'acme'))!;
    expect(acme.running).toBe(false);
    expect(acme.env.MOLECULE_CP_SHARED_SECRET).toBeUndefined();
  });

  it('the script itself refuses to recreate it (a plan made while it ran), changing nothing', async () => {
    const { state } = f.sandbox;
    const r = await runApplyScript(f, 'acme', 'stopped');
    expect(r.exitCode).toBe(1);
    expect(parseScriptResult(r.stdout)).toMatchObject({ status: 'not-running' });
    const acme = readTenantContainer(state, tenantOf(state, 'acme'))!;
    expect(acme.running).toBe(false);
    expect(acme.env.MOLECULE_CP_SHARED_SECRET).toBeUndefined();
  });
});

describe('a tenant container started with --restart always (restart-always)', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 2, faults: 'restart-always=acme' });
  });
  afterAll(() => f.stop());

  const policyOf = (slug: string, name: string): string | undefined => {
    const { state } = f.sandbox;
    const file = join(containersDir(tenantOf(state, slug).hostRoot!), `${name}.json`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { HostConfig: { RestartPolicy: { Name: string } } }).HostConfig
      .RestartPolicy.Name;
  };

  it('apply keeps the old container with restart policy no, so a reboot cannot start it beside the new one', async () => {
    const r = await f.molectl(APPLY);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const runId = /run (\S+): ledger/.exec(r.stderr)![1]!;
    expect(policyOf('acme', 'molecule-tenant')).toBe('always');
    expect(policyOf('acme', `molecule-tenant-molectl-${runId}`)).toBe('no');
    // beta's unless-stopped container is left as it was: a stopped one stays stopped.
    expect(policyOf('beta', `molecule-tenant-molectl-${runId}`)).toBe('unless-stopped');

    const back = await f.molectl([
      '--env',
      'sandbox',
      'migrate',
      'cp-secret',
      'rollback',
      runId,
      '--orgs',
      'acme',
      '--yes',
    ]);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(policyOf('acme', 'molecule-tenant')).toBe('always');
    const acme = readTenantContainer(f.sandbox.state, tenantOf(f.sandbox.state, 'acme'))!;
    expect(acme.running).toBe(true);
    expect(acme.env.MOLECULE_CP_SHARED_SECRET).toBeUndefined();
  });
});

describe('a container env value with a line break (env-multiline)', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 2, faults: 'env-multiline=acme' });
  });
  afterAll(() => f.stop());

  it('plan leaves it out, naming the variable; the script refuses it; the value is still there', async () => {
    const { state } = f.sandbox;
    const plan = await f.molectl(['migrate', 'cp-secret', 'plan', '-o', 'json']);
    const doc = JSON.parse(plan.stdout) as { targets: Array<{ slug: string; class: string; reason: string }> };
    expect(doc.targets.find((t) => t.slug === 'acme')).toMatchObject({
      class: 'not-deliverable',
      reason: 'env value(s) with a line break (PLATFORM_BANNER) that the recreate cannot carry over',
    });

    const r = await runApplyScript(f, 'acme', 'multiline');
    expect(r.exitCode).toBe(1);
    expect(parseScriptResult(r.stdout)).toMatchObject({ status: 'unsupported-env' });
    const acme = readTenantContainer(state, tenantOf(state, 'acme'))!;
    expect(acme.running).toBe(true);
    expect(acme.env.PLATFORM_BANNER).toBe('Welcome to Molecule\nScheduled maintenance: Sundays 02:00 UTC');
    expect(acme.env.MOLECULE_CP_SHARED_SECRET).toBeUndefined();
  });
});

describe(
  'MOLECULE_CP_SHARED_SECRET set twice, an older value first (env-duplicate-secret)',
  { timeout: 180_000 },
  () => {
    let f: SandboxFixture;
    beforeAll(async () => {
      // acme and beta are pre-cutover; gamma carries the value from its user-data, and a hand fix's older one before it.
      f = await startSandboxFixture({ tenants: 3, preCutover: 2, faults: 'env-duplicate-secret=gamma' });
    });
    afterAll(() => f.stop());

    const secretEntries = (slug: string): string[] => {
      const file = join(containersDir(tenantOf(f.sandbox.state, slug).hostRoot!), 'molecule-tenant.json');
      const doc = JSON.parse(readFileSync(file, 'utf8')) as { Config: { Env: string[] } };
      return doc.Config.Env.filter((kv) => kv.startsWith('MOLECULE_CP_SHARED_SECRET='));
    };

    it('is never current: plan calls it stale, apply leaves exactly one value', async () => {
      const plan = await f.molectl(['migrate', 'cp-secret', 'plan', '-o', 'json']);
      const doc = JSON.parse(plan.stdout) as { targets: Array<{ slug: string; class: string; reason: string }> };
      expect(doc.targets.find((t) => t.slug === 'gamma')).toMatchObject({
        class: 'stale',
        reason: 'MOLECULE_CP_SHARED_SECRET set more than once with different values',
      });
      const r = await f.molectl(APPLY);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/gamma\s+stale\s+migrated/);
      const { state } = f.sandbox;
      const current = state.secrets.get(state.cpSharedSecretId)!.versions.find((v) => v.stages.includes('AWSCURRENT'))!;
      expect(secretEntries('gamma')).toEqual([`MOLECULE_CP_SHARED_SECRET=${current.value}`]);
    });
  },
);

describe('fleet audit on a container with MOLECULE_CP_SHARED_SECRET set twice', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 1, preCutover: 0, faults: 'env-duplicate-secret=acme' });
  });
  afterAll(() => f.stop());

  it('fails cp-secret-stale, never passes it on the last value alone', async () => {
    const r = await f.molectl(['fleet', 'audit', '--checks', 'cp-secret-stale', '-o', 'json']);
    const doc = JSON.parse(r.stdout) as {
      tenants: Array<{ tenant: string; findings: Array<{ status: string; detail: string }> }>;
    };
    const [finding] = doc.tenants.find((t) => t.tenant === 'acme')!.findings;
    expect(finding).toMatchObject({ status: 'fail' });
    expect(finding!.detail).toMatch(/MOLECULE_CP_SHARED_SECRET is set more than once with different values/);
    expect(r.code).not.toBe(0);
  });
});

describe('a tenant container with settings of its own (container-config)', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 2, faults: 'container-config=acme', recordHostArgv: true });
  });
  afterAll(() => f.stop());

  const inspectOf = (slug: string, name = 'molecule-tenant') =>
    JSON.parse(
      readFileSync(join(containersDir(tenantOf(f.sandbox.state, slug).hostRoot!), `${name}.json`), 'utf8'),
    ) as {
      HostConfig: Record<string, unknown>;
      Config: Record<string, unknown>;
      NetworkSettings: { Networks: Record<string, { Aliases?: string[] }> };
    };

  it('apply recreates it with every one of them: caps, hosts, dns, limits, log options, healthcheck, entrypoint, alias', async () => {
    const r = await f.molectl(APPLY);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/acme\s+needs-migration\s+migrated/);
    const run = f.sandbox.hosts
      .recordedArgv()
      .map((argv) => argv.join(' '))
      .find((l) => l.startsWith('docker run ') && l.includes('--cap-add'));
    expect(run).toBeDefined();
    for (const option of [
      '--cap-add NET_ADMIN',
      '--cap-drop MKNOD',
      '--dns 10.0.0.2',
      '--add-host metadata.internal:169.254.169.254',
      '--memory 1073741824 --memory-swap 1073741824',
      '--cpus 1.500000000',
      '--log-driver json-file --log-opt max-file=3 --log-opt max-size=10m',
      '--tmpfs /run/molecule:rw,size=16m',
      '--ulimit nofile=65536:65536',
      '--network molecule_default',
      '--network-alias platform',
      '--stop-signal SIGINT',
      '--health-cmd curl -fsS http://127.0.0.1:8080/health || exit 1 --health-interval 30000000000ns --health-retries 3',
      '--entrypoint /usr/local/bin/tenant-entrypoint.sh',
      '--hostname tenant-platform',
    ])
      expect(run).toContain(` ${option} `);
    // What docker inspect shows of the new container is what the old one showed.
    const now = inspectOf('acme');
    expect(now.HostConfig).toMatchObject(EXTRA_HOST_CONFIG);
    expect(now.Config).toMatchObject({ ...EXTRA_CONFIG, Hostname: CONFIGURED_HOSTNAME });
    expect(now.NetworkSettings.Networks).toEqual({ molecule_default: { Aliases: ['platform'] } });
    // The kept old container, re-rendered by the shim from its state, reads as it did.
    const runId = /run (\S+): ledger/.exec(r.stderr)![1]!;
    const kept = inspectOf('acme', `molecule-tenant-molectl-${runId}`);
    expect({ ...kept.HostConfig, RestartPolicy: null }).toEqual({ ...now.HostConfig, RestartPolicy: null });
    expect({ ...kept.Config, Env: null }).toEqual({ ...now.Config, Env: null });
    const acme = readTenantContainer(f.sandbox.state, tenantOf(f.sandbox.state, 'acme'))!;
    expect(acme.env.MOLECULE_CP_SHARED_SECRET).toBeDefined();
  });
});

describe(
  'settings the recreate carries since docker inspect shows them whole: devices, security options, sysctls, compose --mount entries',
  { timeout: 180_000 },
  () => {
    let f: SandboxFixture;
    beforeAll(async () => {
      f = await startSandboxFixture({
        tenants: 4,
        preCutover: 4,
        faults: 'container-device=acme,container-hardened=beta,compose-mounts=gamma,container-pid-host=delta',
        recordHostArgv: true,
      });
    });
    afterAll(() => f.stop());

    const inspectOf = (slug: string) =>
      JSON.parse(
        readFileSync(join(containersDir(tenantOf(f.sandbox.state, slug).hostRoot!), 'molecule-tenant.json'), 'utf8'),
      ) as {
        Id: string;
        HostConfig: Record<string, unknown>;
        Mounts: Array<Record<string, unknown>>;
        Config: { Env: string[] };
      };
    /** Migrates one host with the apply script; returns the `docker run` it ran. */
    const migrate = async (slug: string): Promise<string> => {
      const before = inspectOf(slug);
      const r = await runApplyScript(f, slug, `carry-${slug}`);
      expect(parseScriptResult(r.stdout), r.stderr).toMatchObject({ status: 'migrated' });
      const after = inspectOf(slug);
      expect(after.Id).not.toBe(before.Id);
      expect(after.Config.Env.some((kv) => kv.startsWith('MOLECULE_CP_SHARED_SECRET='))).toBe(true);
      const run = f.sandbox.hosts
        .recordedArgv()
        .map((argv) => argv.join(' '))
        .filter((l) => l.startsWith('docker run ') && l.includes('--env-file'))
        .pop();
      expect(run).toBeDefined();
      return run!;
    };

    it('plan: the ones carried are deliverable; --pid host is still not', async () => {
      const plan = await f.molectl(['migrate', 'cp-secret', 'plan', '-o', 'json']);
      const doc = JSON.parse(plan.stdout) as { targets: Array<{ slug: string; class: string; reason: string }> };
      const classOf = (slug: string) => doc.targets.find((t) => t.slug === slug);
      for (const slug of ['acme', 'beta', 'gamma']) expect(classOf(slug)).toMatchObject({ class: 'needs-migration' });
      expect(classOf('delta')).toMatchObject({
        class: 'not-deliverable',
        reason: 'started with settings the recreate cannot carry over (--pid)',
      });
    });

    it('a device (container-device): the recreated container has it', async () => {
      const run = await migrate('acme');
      expect(run).toContain(' --device /dev/fuse:/dev/fuse:rwm ');
      expect(inspectOf('acme').HostConfig['Devices']).toEqual(EXTRA_DEVICES);
    });

    it('a security option and a sysctl (container-hardened): the recreated container has them', async () => {
      const run = await migrate('beta');
      expect(run).toContain(' --security-opt no-new-privileges:true ');
      expect(run).toContain(' --sysctl net.core.somaxconn=1024 ');
      expect(inspectOf('beta').HostConfig).toMatchObject(HARDENED_HOST_CONFIG);
    });

    it('compose v2 --mount entries (compose-mounts): the recreated container has the bind and the volume, each once', async () => {
      const run = await migrate('gamma');
      expect(run).toContain(' --mount type=bind,source=/etc/molecule/platform,target=/etc/platform,readonly ');
      expect(run).toContain(' --mount type=volume,source=molecule_canvas-cache,target=/var/cache/canvas ');
      // The volume's mount point is listed among the container's mounts too: not given again as -v.
      expect(run).not.toContain('-v molecule_canvas-cache:');
      const now = inspectOf('gamma');
      expect(now.HostConfig['Mounts']).toEqual(COMPOSE_MOUNTS);
      expect(now.Mounts.map((m) => m['Destination'])).toEqual(['/data', '/etc/platform', '/var/cache/canvas']);
      expect(now.Mounts.slice(1)).toEqual(COMPOSE_MOUNT_POINTS);
      // The kept old container, re-rendered by the shim from its state after the rename, reads as it did.
      const kept = JSON.parse(
        readFileSync(
          join(containersDir(tenantOf(f.sandbox.state, 'gamma').hostRoot!), 'molecule-tenant-molectl-carry-gamma.json'),
          'utf8',
        ),
      ) as { HostConfig: Record<string, unknown>; Mounts: unknown[] };
      expect(kept.HostConfig['Mounts']).toEqual(COMPOSE_MOUNTS);
      expect(kept.Mounts).toEqual(now.Mounts);
    });

    it('a setting still not carried (container-pid-host): the script refuses it and changes nothing', async () => {
      const { state } = f.sandbox;
      const before = readTenantContainer(state, tenantOf(state, 'delta'))!;
      const r = await runApplyScript(f, 'delta', 'pid');
      expect(r.exitCode).toBe(1);
      expect(parseScriptResult(r.stdout)).toMatchObject({
        status: 'unsupported-config',
        reason: 'molecule-tenant was started with settings the recreate cannot carry over (--pid); nothing changed',
      });
      const delta = readTenantContainer(state, tenantOf(state, 'delta'))!;
      expect(delta.id).toBe(before.id);
      expect(delta.running).toBe(true);
      expect(delta.env.MOLECULE_CP_SHARED_SECRET).toBeUndefined();
    });

    it("the updater's helper refuses such a setting as apply does, instead of recreating without it", async () => {
      // acme is migrated (above); then its container is made again by hand with --pid host and the
      // user-data's env (no shared secret), as an image update would: the helper must not drop --pid.
      const host = tenantOf(f.sandbox.state, 'acme');
      const remade = await f.sandbox.hosts.runScript(
        host,
        [
          'image=$(docker inspect --type container --format "{{.Config.Image}}" molecule-tenant)',
          'docker rm -f molecule-tenant >/dev/null',
          'docker run -d --name molecule-tenant --pid host -p 8080:8080 -p 3000:3000 "$image" >/dev/null',
          '"$MOLECTL_HOST_ROOT/usr/local/sbin/molectl-tenant-env"',
        ].join('\n'),
        { timeoutSeconds: 60, commandId: 'remade-pid-host' },
      );
      expect(remade.exitCode).toBe(1);
      expect(remade.stderr).toContain(
        'container molecule-tenant lost the durable CP settings, but it was started with settings the recreate cannot carry over (--pid); not recreating it',
      );
      const now = inspectOf('acme');
      expect(now.HostConfig['PidMode']).toBe('host');
      expect(now.Config.Env.some((kv) => kv.startsWith('MOLECULE_CP_SHARED_SECRET='))).toBe(false);

      // The same for an env value with a line break, which --env-file cannot carry (apply: unsupported-env).
      const multiline = await f.sandbox.hosts.runScript(
        host,
        [
          'image=$(docker inspect --type container --format "{{.Config.Image}}" molecule-tenant)',
          'docker rm -f molecule-tenant >/dev/null',
          `docker run -d --name molecule-tenant -e "PLATFORM_BANNER=$(printf 'line one\\nline two')" -p 8080:8080 -p 3000:3000 "$image" >/dev/null`,
          '"$MOLECTL_HOST_ROOT/usr/local/sbin/molectl-tenant-env"',
        ].join('\n'),
        { timeoutSeconds: 60, commandId: 'remade-multiline' },
      );
      expect(multiline.exitCode, multiline.stderr).toBe(1);
      expect(multiline.stderr).toContain(
        'container molecule-tenant lost the durable CP settings, but its env has value(s) with a line break (PLATFORM_BANNER) that the recreate cannot carry over; not recreating it',
      );
      expect(inspectOf('acme').Config.Env).toContain('PLATFORM_BANNER=line one\nline two');
    });
  },
);

describe('a tenant container whose healthcheck is in exec form (healthcheck-exec)', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 2, faults: 'healthcheck-exec=acme' });
  });
  afterAll(() => f.stop());

  it('apply sees that the image did not give it back to the new container and puts the old one back', async () => {
    const { state } = f.sandbox;
    const before = readTenantContainer(state, tenantOf(state, 'acme'))!;
    const r = await f.molectl([...APPLY, '-o', 'json']);
    expect(r.code).not.toBe(0);
    const doc = JSON.parse(r.stdout) as { targets: Array<{ slug: string; action: string; error: string | null }> };
    // acme is the canary: the rest waits for it.
    expect(doc.targets.find((t) => t.slug === 'beta')).toMatchObject({ action: 'untouched' });
    expect(doc.targets.find((t) => t.slug === 'acme')).toMatchObject({
      action: 'rolled-back',
      error:
        "the new container's settings (healthcheck) differ from the old one's (the image gave other ones); the previous container is running again",
    });
    const acme = readTenantContainer(state, tenantOf(state, 'acme'))!;
    expect(acme.id).toBe(before.id);
    expect(acme.running).toBe(true);
    expect(acme.inspect.Config['Healthcheck']).toEqual(EXEC_HEALTHCHECK);
    expect(acme.env.MOLECULE_CP_SHARED_SECRET).toBeUndefined();
    // The env file is put back too (here: there was none), or the updater's helper would recreate
    // the restored container with the very values, and settings, the apply gave up on.
    expect(existsSync(join(tenantOf(state, 'acme').hostRoot!, 'etc', 'molecule', 'tenant.env'))).toBe(false);
  });

  it('an env file that was there before the apply is put back byte for byte', async () => {
    const file = join(tenantOf(f.sandbox.state, 'acme').hostRoot!, 'etc', 'molecule', 'tenant.env');
    mkdirSync(dirname(file), { recursive: true });
    const before = 'PLATFORM_REGION=us-east-2\nMOLECULE_CP_URL=https://old-cp.example\n';
    writeFileSync(file, before, { mode: 0o600 });
    const r = await runApplyScript(f, 'acme', 'keep-env');
    expect(parseScriptResult(r.stdout), r.stderr).toMatchObject({ status: 'rolled-back' });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});

describe('two runs changing one host at once', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 2 });
  });
  afterAll(() => f.stop());

  const keptContainers = (slug: string): string[] =>
    readdirSync(containersDir(tenantOf(f.sandbox.state, slug).hostRoot!))
      .filter((n) => n.startsWith('molecule-tenant-molectl-') && n.endsWith('.json'))
      .sort();

  it('a run that finds the host lock held past its wait fails host-busy and changes nothing', async () => {
    const { state } = f.sandbox;
    const host = tenantOf(state, 'acme');
    const before = readTenantContainer(state, host)!;
    // Another run holding the lock (as an apply does for its whole recreate).
    const holder = f.sandbox.hosts.runScript(
      host,
      [
        'mkdir -p "$MOLECTL_HOST_ROOT/etc/molecule"',
        'exec 9>>"$MOLECTL_HOST_ROOT/etc/molecule/.molectl.lock"',
        'flock 9',
        ': > "$MOLECTL_HOST_ROOT/holding"',
        'sleep 4',
      ].join('\n'),
      { timeoutSeconds: 30, commandId: 'lock-holder' },
    );
    for (let i = 0; i < 100 && !existsSync(join(host.hostRoot!, 'holding')); i++) await sleep(50);
    const r = await runApplyScript(f, 'acme', 'busy', 'export MOLECTL_LOCK_WAIT=1\n');
    expect(r.exitCode).toBe(1);
    expect(parseScriptResult(r.stdout)).toMatchObject({
      status: 'host-busy',
      reason:
        "another molectl run or the auto-updater's helper is changing molecule-tenant on this host (waited 1s); nothing changed: run it again",
    });
    const acme = readTenantContainer(state, host)!;
    expect(acme.id).toBe(before.id);
    expect(acme.env.MOLECULE_CP_SHARED_SECRET).toBeUndefined();
    expect(keptContainers('acme')).toEqual([]);
    expect((await holder).exitCode).toBe(0);
  });

  it('two applies sent at once: one recreates the container, the other waits and finds it current', async () => {
    const [a, b] = await Promise.all([runApplyScript(f, 'beta', 'first'), runApplyScript(f, 'beta', 'second')]);
    const statuses = [parseScriptResult(a.stdout)?.status, parseScriptResult(b.stdout)?.status].sort();
    expect(statuses, a.stderr + b.stderr).toEqual(['current', 'migrated']);
    expect(keptContainers('beta')).toHaveLength(1);
    const beta = readTenantContainer(f.sandbox.state, tenantOf(f.sandbox.state, 'beta'))!;
    expect(beta.running).toBe(true);
    expect(beta.env.MOLECULE_CP_SHARED_SECRET).toBeDefined();
  });
});

describe('a host with an image named like the container (same-name-image)', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 2, faults: 'same-name-image=acme' });
    const removed = await f.sandbox.hosts.runScript(tenantOf(f.sandbox.state, 'acme'), 'docker rm -f molecule-tenant', {
      timeoutSeconds: 30,
      commandId: 'setup-rm',
    });
    expect(removed.exitCode).toBe(0);
  });
  afterAll(() => f.stop());

  it('without its container, plan says no platform container, not the image read as a stopped one', async () => {
    const image = await f.sandbox.hosts.runScript(tenantOf(f.sandbox.state, 'acme'), 'docker inspect molecule-tenant', {
      timeoutSeconds: 30,
      commandId: 'inspect-image',
    });
    expect(image.stdout).toContain('"RepoTags":["molecule-tenant:latest"]');
    const plan = await f.molectl(['migrate', 'cp-secret', 'plan', '-o', 'json']);
    const doc = JSON.parse(plan.stdout) as { targets: Array<{ slug: string; class: string; reason: string }> };
    expect(doc.targets.find((t) => t.slug === 'acme')).toMatchObject({
      class: 'no-container',
      reason: 'no platform container',
    });
    const r = await runApplyScript(f, 'acme', 'image');
    expect(parseScriptResult(r.stdout)).toMatchObject({ status: 'no-container' });
  });
});

describe('the auto-updater while a molectl run holds the host', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 1, preCutover: 1 });
  });
  afterAll(() => f.stop());

  const runUpdater = (wait: number) =>
    f.sandbox.hosts.runScript(
      tenantOf(f.sandbox.state, 'acme'),
      `export MOLECTL_LOCK_WAIT=${wait}\nexec bash "$MOLECTL_HOST_ROOT/usr/local/bin/molecule-auto-update.sh" 2026.12.01-abc1234\n`,
      { timeoutSeconds: 60, commandId: `updater-${wait}` },
    );

  it('waits for it and does not recreate the container under it; alone, it updates and keeps the value', async () => {
    const { state } = f.sandbox;
    const host = tenantOf(state, 'acme');
    const r = await f.molectl(APPLY);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const migrated = readTenantContainer(state, host)!;
    const holder = f.sandbox.hosts.runScript(
      host,
      'exec 9>>"$MOLECTL_HOST_ROOT/etc/molecule/.molectl.lock"\nflock 9\n: > "$MOLECTL_HOST_ROOT/holding"\nsleep 4\n',
      { timeoutSeconds: 30, commandId: 'lock-holder' },
    );
    for (let i = 0; i < 100 && !existsSync(join(host.hostRoot!, 'holding')); i++) await sleep(50);
    const busy = await runUpdater(1);
    expect(busy.exitCode).toBe(1);
    expect(busy.stderr).toContain('a molectl run is changing the container; not updating now');
    expect(readTenantContainer(state, host)!.id).toBe(migrated.id);
    expect((await holder).exitCode).toBe(0);

    // Alone: the updater recreates the container and its helper (under the same lock) puts the value back.
    const update = await runUpdater(5);
    expect(update.exitCode, update.stderr).toBe(0);
    const updated = readTenantContainer(state, host)!;
    expect(updated.image).toBe('ghcr.io/molecule-ai/platform-tenant:2026.12.01-abc1234');
    expect(updated.env.MOLECULE_CP_SHARED_SECRET).toBe(migrated.env.MOLECULE_CP_SHARED_SECRET);
  });
});
