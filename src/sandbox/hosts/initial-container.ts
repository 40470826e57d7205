import { createHash } from 'node:crypto';
import { hostMatches, type SandboxState, type SimInstance } from '../state.js';
import { parseUserDataEnv, parseUserDataImage, TENANT_CONTAINER_NAME } from './tenant-user-data.js';

/**
 * The tenant container a host starts with, derived from its user-data without touching disk: the
 * seed of both host modes (materialised directories and modelled records). Its JSON shape must
 * match what the docker shim's `docker run` writes (src/sandbox/hosts/shims/docker).
 */

export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What the env-multiline fault adds to a host's tenant container. */
export const MULTILINE_ENV = 'PLATFORM_BANNER=Welcome to Molecule\nScheduled maintenance: Sundays 02:00 UTC';

/** The older value the env-duplicate-secret fault puts before a host's shared secret. */
export const DUPLICATE_SECRET_VALUE = 'an-older-shared-secret-from-a-hand-fix-0000';

/**
 * The container-config fault: settings a tenant's `docker run` may have been given by hand or by
 * a newer user-data, which a recreate must carry (members in the order the docker shim's
 * _dk_run_extras writes them, so the JSON reads the same whichever side wrote it last).
 */
export const EXTRA_HOST_CONFIG = {
  CapAdd: ['NET_ADMIN'],
  CapDrop: ['MKNOD'],
  Dns: ['10.0.0.2'],
  ExtraHosts: ['metadata.internal:169.254.169.254'],
  Memory: 1073741824,
  MemorySwap: 1073741824,
  NanoCpus: 1500000000,
  LogConfig: { Type: 'json-file', Config: { 'max-file': '3', 'max-size': '10m' } },
  Tmpfs: { '/run/molecule': 'rw,size=16m' },
  Ulimits: [{ Name: 'nofile', Hard: 65536, Soft: 65536 }],
};
export const EXTRA_CONFIG = {
  Entrypoint: ['/usr/local/bin/tenant-entrypoint.sh'],
  Healthcheck: {
    Test: ['CMD-SHELL', 'curl -fsS http://127.0.0.1:8080/health || exit 1'],
    Interval: 30000000000,
    Retries: 3,
  },
  StopSignal: 'SIGINT',
};
/**
 * The healthcheck-exec fault: a healthcheck in exec form, as compose's `test: [CMD, ...]` sets
 * it. `docker run` has no option for it: a recreate leaves it to the image, which has none here.
 */
export const EXEC_HEALTHCHECK = { Test: ['CMD', '/usr/local/bin/healthcheck', '--quiet'], Interval: 10000000000 };
/** The container-config fault's `--hostname` (docker's own is the id's first 12 digits). */
export const CONFIGURED_HOSTNAME = 'tenant-platform';
const COMPOSE_NETWORK = 'molecule_default';
/** The container-device fault: a device (`--device /dev/fuse`), which a recreate must carry. */
export const EXTRA_DEVICES = [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }];
/** The container-hardened fault: `--security-opt no-new-privileges:true --sysctl net.core.somaxconn=1024`. */
export const HARDENED_HOST_CONFIG = {
  SecurityOpt: ['no-new-privileges:true'],
  Sysctls: { 'net.core.somaxconn': '1024' },
};
/**
 * The compose-mounts fault: docker compose v2 gives a container's volumes as `HostConfig.Mounts`
 * (what `docker run --mount` sets), not as `Binds`: a read-only bind and a named volume here.
 * Docker lists them again among the container's `Mounts`, as the docker shim does.
 */
export const COMPOSE_MOUNTS = [
  { Type: 'bind', Source: '/etc/molecule/platform', Target: '/etc/platform', ReadOnly: true },
  { Type: 'volume', Source: 'molecule_canvas-cache', Target: '/var/cache/canvas' },
];
export const COMPOSE_MOUNT_POINTS = [
  {
    Type: 'bind',
    Source: '/etc/molecule/platform',
    Destination: '/etc/platform',
    Mode: '',
    RW: false,
    Propagation: 'rprivate',
  },
  {
    Type: 'volume',
    Name: 'molecule_canvas-cache',
    Source: '/var/lib/docker/volumes/molecule_canvas-cache/_data',
    Destination: '/var/cache/canvas',
    Driver: 'local',
    Mode: 'z',
    RW: true,
    Propagation: '',
  },
];

export interface DockerInspect {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; [k: string]: unknown };
  Config: { Env: string[]; Image: string; Labels: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

/** The container user-data's `docker run` created at boot, or null when the org failed to provision. */
export function buildInitialContainer(state: SandboxState, instance: SimInstance): DockerInspect | null {
  const slug = instance.tags.find((t) => t.Key === 'OrgSlug')?.Value;
  const org = slug ? state.orgs.get(slug) : undefined;
  if (org?.instanceStatus === 'failed') return null;
  const image = parseUserDataImage(instance.userData);
  const env = [DEFAULT_PATH_ENV, ...parseUserDataEnv(instance.userData).map(([k, v]) => `${k}=${v}`)];
  // The env-multiline fault: a value with line breaks, as a PEM key or a banner set by hand has.
  if (hostMatches(instance, state.faults.envMultilineHosts)) env.push(MULTILINE_ENV);
  // The env-duplicate-secret fault: a hand fix that added the variable again, an older value first.
  const secretAt = env.findIndex((kv) => kv.startsWith('MOLECULE_CP_SHARED_SECRET='));
  if (secretAt >= 0 && hostMatches(instance, state.faults.envDuplicateSecretHosts))
    env.splice(secretAt, 0, `MOLECULE_CP_SHARED_SECRET=${DUPLICATE_SECRET_VALUE}`);
  const configured = hostMatches(instance, state.faults.containerConfigHosts);
  const device = hostMatches(instance, state.faults.containerDeviceHosts);
  const hardened = hostMatches(instance, state.faults.containerHardenedHosts);
  const composeMounts = hostMatches(instance, state.faults.composeMountsHosts);
  const created = instance.launchTime.toISOString().replace('Z', '000000Z');
  const id = createHash('sha256').update(`container:${instance.instanceId}`).digest('hex');
  return {
    Id: id,
    Created: created,
    Path: '/usr/local/bin/entrypoint.sh',
    Args: ['serve'],
    State: {
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 4242,
      ExitCode: 0,
      Error: '',
      StartedAt: created,
      FinishedAt: '0001-01-01T00:00:00Z',
    },
    Image: `sha256:${createHash('sha256').update(image).digest('hex')}`,
    Name: `/${TENANT_CONTAINER_NAME}`,
    RestartCount: 0,
    HostConfig: {
      Binds: ['/var/lib/molecule:/data'],
      // A compose-made container: its network is the project's, with the service's alias.
      NetworkMode: configured ? COMPOSE_NETWORK : 'bridge',
      PortBindings: {
        '8080/tcp': [{ HostIp: '', HostPort: '8080' }],
        '3000/tcp': [{ HostIp: '', HostPort: '3000' }],
      },
      // The restart-always fault: a user-data whose docker run said --restart always.
      RestartPolicy: {
        Name: hostMatches(instance, state.faults.restartAlwaysHosts) ? 'always' : 'unless-stopped',
        MaximumRetryCount: 0,
      },
      AutoRemove: false,
      ...(configured ? EXTRA_HOST_CONFIG : {}),
      // In the order the docker shim's _dk_run_extras writes them.
      ...(device ? { Devices: EXTRA_DEVICES } : {}),
      ...(hardened ? HARDENED_HOST_CONFIG : {}),
      ...(composeMounts ? { Mounts: COMPOSE_MOUNTS } : {}),
      ...(hostMatches(instance, state.faults.containerPidHostHosts) ? { PidMode: 'host' } : {}),
    },
    Mounts: [
      { Type: 'bind', Source: '/var/lib/molecule', Destination: '/data', Mode: '', RW: true, Propagation: 'rprivate' },
      ...(composeMounts ? COMPOSE_MOUNT_POINTS : []),
    ],
    Config: {
      Hostname: configured ? CONFIGURED_HOSTNAME : id.slice(0, 12),
      Env: env,
      Cmd: null,
      Image: image,
      Labels: { 'com.moleculesai.role': 'tenant' },
      ExposedPorts: { '8080/tcp': {}, '3000/tcp': {} },
      ...(configured ? EXTRA_CONFIG : {}),
      ...(hostMatches(instance, state.faults.healthcheckExecHosts) ? { Healthcheck: EXEC_HEALTHCHECK } : {}),
    },
    NetworkSettings: { Networks: configured ? { [COMPOSE_NETWORK]: { Aliases: ['platform'] } } : { bridge: {} } },
  };
}
