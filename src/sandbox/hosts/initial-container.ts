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
      NetworkMode: 'bridge',
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
    },
    Mounts: [
      { Type: 'bind', Source: '/var/lib/molecule', Destination: '/data', Mode: '', RW: true, Propagation: 'rprivate' },
    ],
    Config: {
      Hostname: id.slice(0, 12),
      Env: env,
      Cmd: null,
      Image: image,
      Labels: { 'com.moleculesai.role': 'tenant' },
      ExposedPorts: { '8080/tcp': {}, '3000/tcp': {} },
    },
    NetworkSettings: { Networks: { bridge: {} } },
  };
}
