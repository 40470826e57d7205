import { createHash, randomBytes } from 'node:crypto';
import { fingerprintOf } from '../../lib/output/fingerprint.js';
import { isAwsApiError } from '../aws/aws-api-error.js';
import { getParameter } from '../aws/parameter-store.js';
import { getSecretValue } from '../aws/secrets-store.js';
import { checkTenantCredentials } from '../cp/tenant-auth.js';
import { hostMatches, type SandboxState, type SimInstance } from '../state.js';
import { getModelledHost, type ModelledHost } from './modelled-hosts.js';
import { DEFAULT_PATH_ENV, type DockerInspect } from './initial-container.js';

/**
 * What scripts/tenant-cp-secret.sh prints and does on a host, computed instead of run: the
 * sandbox's modelled mode answers with it after the modelled host time. Each branch mirrors a
 * path of the script (probe_main, apply_main, rollback_main, cp_auth_check_main) on the host
 * record of modelled-hosts.ts. test/sandbox/hosts/modelled-mode.test.ts runs the same plan and
 * apply in both modes and requires the same per-tenant outcomes and ledger: a change to the
 * script that this model does not follow fails there.
 */

export interface ModelledScriptResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const SECRET_KEY = 'MOLECULE_CP_SHARED_SECRET';
const URL_KEY = 'MOLECULE_CP_URL';
const SCRIPT_MARK = '# molectl on-tenant script: put the CP shared secret into the platform container';

/** The MOLECTL_* values the command's header lines export, or null when this is not the cp-secret script. */
export function readCpSecretScriptInputs(script: string): Record<string, string> | null {
  if (!script.includes(SCRIPT_MARK)) return null;
  const vars: Record<string, string> = {};
  for (const m of script.matchAll(/^export (MOLECTL_[A-Z_]+)='([^']*)'$/gm)) vars[m[1]!] = m[2]!;
  return vars;
}

export function modelCpSecretScript(
  state: SandboxState,
  instance: SimInstance,
  vars: Record<string, string>,
): ModelledScriptResult {
  const run = new ScriptRun(state, instance, vars);
  // The docker-down fault: every docker call fails with the daemon's message (why_no_container).
  if (hostMatches(instance, state.faults.dockerDownHosts) && run.mode !== 'probe' && DOCKER_MODES.has(run.mode))
    return run.fail('docker-unavailable', `docker did not answer: ${DAEMON_DOWN}`);
  switch (run.mode) {
    case 'probe':
      return run.probe();
    case 'apply':
      return run.apply();
    case 'rollback':
      return run.rollback();
    case 'cp-auth-check':
      return run.cpAuthCheck();
    default:
      return run.fail('usage', `unknown MOLECTL_MODE ${run.mode}`);
  }
}

class ScriptRun {
  readonly mode: string;
  private readonly name: string;
  private readonly host: ModelledHost;
  private stderr = '';

  constructor(
    private readonly state: SandboxState,
    private readonly instance: SimInstance,
    private readonly vars: Record<string, string>,
  ) {
    this.mode = vars['MOLECTL_MODE'] ?? 'probe';
    this.name = vars['MOLECTL_CONTAINER'] ?? 'molecule-tenant';
    this.host = getModelledHost(state, instance);
  }

  probe(): ModelledScriptResult {
    if (hostMatches(this.instance, this.state.faults.dockerDownHosts))
      return this.result(0, {
        status: 'docker-unavailable',
        reason: DAEMON_DOWN,
        python3: true,
        awsHost: true,
        updater: this.host.updater,
      });
    const c = this.host.containers.get(this.name);
    if (!c)
      return this.result(0, {
        status: 'probed',
        container: false,
        python3: true,
        awsHost: true,
        updater: this.host.updater,
      });
    const env = envOf(c);
    const durable = this.durableValue(SECRET_KEY);
    const userData = new RegExp(`${SECRET_KEY}=([^\\s\\\\"']+)`).exec(this.instance.userData)?.[1];
    return this.result(0, {
      status: 'probed',
      container: true,
      running: c.State.Running,
      image: c.Config.Image,
      hasSecret: env.has(SECRET_KEY),
      fingerprint: fp(env.get(SECRET_KEY)),
      hasUrl: env.has(URL_KEY),
      cpUrl: env.get(URL_KEY) ?? '',
      durableFingerprint: fp(durable),
      userDataFingerprint: fp(userData),
      multilineEnv: multilineNames(env),
      conflictingEnv: conflictingNames(c),
      uncarriedConfig: uncarriedOptions(c),
      updater: this.host.updater,
      python3: true,
      awsHost: true,
      awsContainer: false,
    });
  }

  apply(): ModelledScriptResult {
    const old = this.host.containers.get(this.name);
    if (!old) return this.fail('no-container', `no container named ${this.name}`);
    const previous = fp(envOf(old).get(SECRET_KEY));
    const backup = `${this.name}-molectl-${this.vars['MOLECTL_RUN_ID'] ?? 'manual'}`;
    const secret = this.fetchSecret();
    if (secret === null)
      return this.fail(
        'fetch-failed',
        `could not read the secret with the instance role (${this.vars['MOLECTL_DELIVERY'] ?? 'secrets-manager'})`,
      );
    const got = fingerprintOf(secret);
    const expected = this.vars['MOLECTL_EXPECTED_FP'] ?? '';
    if (got !== expected)
      return this.fail('fetch-mismatch', `fetched value has fingerprint ${got}, expected ${expected}`);
    const cpUrl = this.vars['MOLECTL_CP_URL'] ?? '';
    if (previous === expected && (envOf(old).get(URL_KEY) ?? '') === cpUrl && !conflictingNames(old)) {
      return this.result(0, {
        status: 'current',
        fingerprint: previous,
        previousFingerprint: previous,
        containerId: old.Id.slice(0, 12),
        durable: fp(this.durableValue(SECRET_KEY)) === previous,
        updaterPatched: this.host.updater !== 'unwrapped',
        health: 'unchanged',
      });
    }
    if (!old.State.Running)
      return this.fail(
        'not-running',
        `container ${this.name} is not running: a migration would start it; start it first, or leave it out`,
      );
    const multiline = multilineNames(envOf(old));
    if (multiline)
      return this.fail(
        'unsupported-env',
        `env of ${this.name} has value(s) with a line break (${multiline}) that the recreate cannot carry over; nothing changed`,
      );
    const uncarried = uncarriedOptions(old);
    if (uncarried)
      return this.fail(
        'unsupported-config',
        `${this.name} was started with settings the recreate cannot carry over (${uncarried}); nothing changed`,
      );
    // restore_durable_env: a rolled-back apply puts the env file back as it was.
    const envBefore = this.host.durableEnv;
    this.host.durableEnv = [
      ...(this.host.durableEnv ?? []).filter(([k]) => k !== SECRET_KEY && k !== URL_KEY),
      [SECRET_KEY, secret],
      [URL_KEY, cpUrl],
    ];
    // recreate_with_durable_env: stop, keep the old one as the backup, run the new one.
    this.host.containers.delete(backup);
    this.host.containers.delete(this.name);
    // keep_stopped: a kept container with restart policy `always` is set to `no`.
    this.host.containers.set(backup, this.keepStopped({ ...withState(old, 'exited'), Name: `/${backup}` }));
    if (hostMatches(this.instance, this.state.faults.dockerFailHosts)) {
      // The script quotes at most 300 bytes of docker's error.
      this.log(`docker run failed: ${`docker: ${OCI_ERROR}.\n`.slice(0, 300).replace(/\n+$/, '')}`);
      this.restoreBackup(backup);
      this.host.durableEnv = envBefore;
      return this.fail('rolled-back', 'recreating the container failed; the previous container is running again', {
        previousFingerprint: previous,
      });
    }
    // The settings check after the recreate: a healthcheck in exec form is left to the image,
    // and the sandbox's images have none, so the new container would lack it.
    const healthcheck = old.Config['Healthcheck'] as { Test?: string[] } | undefined;
    if (healthcheck?.Test?.[0] === 'CMD') {
      this.restoreBackup(backup);
      this.host.durableEnv = envBefore;
      return this.fail(
        'rolled-back',
        "the new container's settings (healthcheck) differ from the old one's (the image gave other ones); the previous container is running again",
        { previousFingerprint: previous },
      );
    }
    const recreated = recreate(old, this.name, [SECRET_KEY, secret], [URL_KEY, cpUrl]);
    this.host.containers.set(this.name, recreated);
    this.host.updater = 'wrapped';
    return this.result(0, {
      status: 'migrated',
      fingerprint: expected,
      previousFingerprint: previous,
      containerId: recreated.Id.slice(0, 12),
      durable: true,
      updaterPatched: true,
      health: 'ok',
      backupContainer: backup,
    });
  }

  rollback(): ModelledScriptResult {
    const backup = `${this.name}-molectl-${this.vars['MOLECTL_RUN_ID'] ?? 'manual'}`;
    if (!this.host.containers.has(backup)) return this.fail('no-backup', `no kept container ${backup} to roll back to`);
    const current = this.host.containers.get(this.name);
    if (current && restartPolicyOf(current) === 'always') this.keptPolicy = 'always';
    this.restoreBackup(backup);
    this.host.updater = 'unwrapped';
    const kept = (this.host.durableEnv ?? []).filter(([k]) => k !== SECRET_KEY && k !== URL_KEY);
    this.host.durableEnv = kept.length > 0 ? kept : null;
    const restored = this.host.containers.get(this.name);
    return this.result(0, {
      status: 'rolled-back',
      fingerprint: fp(restored ? envOf(restored).get(SECRET_KEY) : undefined),
      health: 'ok',
    });
  }

  cpAuthCheck(): ModelledScriptResult {
    const c = this.host.containers.get(this.name);
    if (!c) return this.fail('no-container', `no container named ${this.name}`);
    const workspaceId = this.vars['MOLECTL_WORKSPACE_ID'] ?? '';
    const instanceId = this.vars['MOLECTL_WORKSPACE_INSTANCE'] ?? 'i-00000000000000000';
    // Both calls from inside the container: without credentials, then with its own.
    const unauth = this.cpStatusFor(c, null, instanceId);
    const u = unauth.code === 0 ? '000' : String(unauth.code);
    if (u === '404')
      return this.fail(
        'cp-routes-unmounted',
        'without credentials the CP answered 404: its tenant routes are not mounted (PROVISION_SHARED_SECRET unset on the CP?)',
        { unauthStatus: u },
      );
    if (u === '000' || u.startsWith('5'))
      return this.fail(
        'cp-unavailable',
        `the CP did not answer a call without credentials properly (${unauth.code === 0 ? 'no answer' : u})`,
        { unauthStatus: u },
      );
    if (u.startsWith('2'))
      return this.fail('cp-gate-open', `the CP answered ${u} to a call without credentials: its tenant gate is off`, {
        unauthStatus: u,
      });
    if (u !== '401' && u !== '403')
      return this.fail('cp-unexpected', `the CP answered ${u} to a call without credentials, expected 401`, {
        unauthStatus: u,
      });
    const env = envOf(c);
    const auth = this.cpStatusFor(
      c,
      { bearer: env.get(SECRET_KEY) || null, adminToken: env.get('ADMIN_TOKEN') || null },
      instanceId,
    );
    const a = auth.code === 0 ? '000' : String(auth.code);
    if (a === '401' || a === '403')
      return this.fail('cp-auth-rejected', `the CP answered ${a} to the container's credentials`, {
        unauthStatus: u,
        authStatus: a,
      });
    if (a === '000' || a.startsWith('5'))
      return this.fail(
        'cp-unavailable',
        `the CP did not answer the container's authenticated call properly (${auth.code === 0 ? 'no answer' : a})`,
        { unauthStatus: u, authStatus: a },
      );
    const proof = workspaceId && a.startsWith('2') && auth.state ? 'workspace-status' : 'differential';
    return this.result(0, {
      status: 'cp-auth-ok',
      proof,
      unauthStatus: u,
      authStatus: a,
      state: auth.state,
      workspaceId,
    });
  }

  /**
   * What the container's curl gets from GET /cp/workspaces/<id>/status?instance_id=... with these
   * credentials (tenant-routes.ts): the status (0 = no answer: container stopped, or a CP URL
   * elsewhere) and the `state` of a 2xx body.
   */
  private cpStatusFor(
    c: DockerInspect,
    creds: { bearer: string | null; adminToken: string | null } | null,
    instanceId: string,
  ): { code: number; state: string } {
    const env = envOf(c);
    if (!c.State.Running || (env.get(URL_KEY) ?? '').replace(/\/+$/, '') !== this.state.url)
      return { code: 0, state: '' };
    if (this.state.faults.flags['provisionRoutesUnmounted']) return { code: 404, state: '' };
    if (!creds || !checkTenantCredentials(this.state, { ...creds, orgId: null })) return { code: 401, state: '' };
    const instance = this.state.instances.get(instanceId);
    return instance ? { code: 200, state: instance.state } : { code: 404, state: '' };
  }

  private fetchSecret(): string | null {
    const denied = this.state.faults.flags['hostSecretsDenied'];
    if (denied === true || (typeof denied === 'string' && hostMatches(this.instance, denied.split('|')))) return null;
    try {
      const value =
        (this.vars['MOLECTL_DELIVERY'] ?? 'secrets-manager') === 'parameter'
          ? getParameter(this.state, this.vars['MOLECTL_PARAMETER'] ?? '', { withDecryption: true }).value
          : getSecretValue(this.state, this.vars['MOLECTL_SECRET_ID'] ?? '', {
              versionId: this.vars['MOLECTL_SECRET_VERSION'] ?? '',
            }).value;
      return value === '' ? null : value;
    } catch (error) {
      if (isAwsApiError(error)) return null;
      throw error;
    }
  }

  private restoreBackup(backup: string): void {
    const kept = this.host.containers.get(backup);
    this.host.containers.delete(this.name);
    if (!kept) return;
    this.host.containers.delete(backup);
    const restored = { ...withState(kept, 'running'), Name: `/${this.name}` };
    this.host.containers.set(this.name, this.keptPolicy ? withRestartPolicy(restored, this.keptPolicy) : restored);
    this.log('restored the previous container');
  }

  /** keep_stopped: a kept container with restart policy `always` is set to `no` while kept. */
  private keptPolicy = '';
  private keepStopped(c: DockerInspect): DockerInspect {
    if (restartPolicyOf(c) !== 'always') return c;
    this.keptPolicy = 'always';
    return withRestartPolicy(c, 'no');
  }

  private durableValue(key: string): string | undefined {
    return this.host.durableEnv?.find(([k]) => k === key)?.[1];
  }

  private log(line: string): void {
    this.stderr += `molectl: ${line}\n`;
  }

  fail(status: string, reason: string, extra: Record<string, string> = {}): ModelledScriptResult {
    this.log(reason);
    return this.result(1, { status, reason, ...extra });
  }

  private result(exitCode: number, fields: Record<string, string | boolean>): ModelledScriptResult {
    const line = JSON.stringify({ molectl: 'cp-secret', mode: this.mode, ...fields });
    return { exitCode, stdout: `MOLECTL_RESULT ${line}\n`, stderr: this.stderr };
  }
}

const DOCKER_MODES = new Set(['probe', 'apply', 'rollback', 'cp-auth-check']);
const DAEMON_DOWN = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';

const OCI_ERROR =
  'Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting "/var/lib/molecule" to rootfs at "/data": mount /var/lib/molecule:/data (via /proc/self/fd/6), flags: 0x5000: no such device: unknown';

function fp(value: string | undefined): string {
  return value === undefined ? '' : fingerprintOf(value);
}

function envOf(c: DockerInspect): Map<string, string> {
  const env = new Map<string, string>();
  for (const kv of c.Config.Env) {
    const eq = kv.indexOf('=');
    if (eq > 0) env.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return env;
}

function withState(c: DockerInspect, to: 'running' | 'exited'): DockerInspect {
  const now = new Date().toISOString().replace('Z', '000000Z');
  const state =
    to === 'running'
      ? { ...c.State, Status: 'running', Running: true, Pid: 4242, ExitCode: 0, Error: '', StartedAt: now }
      : {
          ...c.State,
          Status: 'exited',
          Running: false,
          Pid: 0,
          ExitCode: c.State.Running ? 0 : c.State['ExitCode'],
          FinishedAt: now,
        };
  return { ...c, State: state };
}

/** The container `docker run --env-file` makes from the old one's settings plus the durable values. */
function recreate(old: DockerInspect, name: string, ...extra: [string, string][]): DockerInspect {
  const kept = old.Config.Env.filter(
    (kv) => !kv.startsWith(`${SECRET_KEY}=`) && !kv.startsWith(`${URL_KEY}=`) && !kv.includes('\n'),
  );
  const env = mergeEnv([DEFAULT_PATH_ENV, ...kept, ...extra.map(([k, v]) => `${k}=${v}`)]);
  const id = randomBytes(32).toString('hex');
  const created = new Date().toISOString().replace('Z', '000000Z');
  const host = old['HostConfig'] as Record<string, unknown>;
  const ports = Object.keys((host['PortBindings'] ?? {}) as Record<string, unknown>).sort();
  const bindings = host['PortBindings'] as Record<string, unknown>;
  return {
    ...old,
    Id: id,
    Created: created,
    State: {
      ...old.State,
      Status: 'running',
      Running: true,
      Pid: 4242,
      ExitCode: 0,
      Error: '',
      StartedAt: created,
      FinishedAt: '0001-01-01T00:00:00Z',
    },
    Image: `sha256:${createHash('sha256').update(old.Config.Image).digest('hex')}`,
    Name: `/${name}`,
    HostConfig: { ...host, PortBindings: Object.fromEntries(ports.map((p) => [p, bindings[p]])) },
    Config: {
      ...old.Config,
      // prepare_recreate's --hostname: a name other than docker's own (the old id's first digits) is kept.
      Hostname:
        typeof old.Config['Hostname'] === 'string' && !old.Id.startsWith(old.Config['Hostname'])
          ? old.Config['Hostname']
          : id.slice(0, 12),
      Env: env,
      Labels: Object.fromEntries(Object.entries(old.Config.Labels ?? {}).sort(([a], [b]) => a.localeCompare(b))),
      ExposedPorts: Object.fromEntries(ports.map((p) => [p, {}])),
    },
  };
}

/** Later values of a key replace earlier ones in place, as the daemon merges image and run env. */
function mergeEnv(items: string[]): string[] {
  const out: string[] = [];
  const at = new Map<string, number>();
  for (const kv of items) {
    const key = kv.slice(0, kv.indexOf('='));
    const i = at.get(key);
    if (i === undefined) {
      at.set(key, out.length);
      out.push(kv);
    } else out[i] = kv;
  }
  return out;
}

function restartPolicyOf(c: DockerInspect): string {
  return ((c['HostConfig'] as { RestartPolicy?: { Name?: string } } | undefined)?.RestartPolicy?.Name ?? 'no') || 'no';
}

function withRestartPolicy(c: DockerInspect, name: string): DockerInspect {
  const host = c['HostConfig'] as Record<string, unknown>;
  return { ...c, HostConfig: { ...host, RestartPolicy: { Name: name, MaximumRetryCount: 0 } } };
}

/** read_container's C_MULTILINE: names of env values with a line break, comma-joined. */
function multilineNames(env: Map<string, string>): string {
  return [...env]
    .filter(([, v]) => v.includes('\n') || v.includes('\r'))
    .map(([k]) => k)
    .join(',');
}

/**
 * read_container's C_UNCARRIED: the `docker run` options of settings prepare_recreate does not carry,
 * comma-joined (the same list, in the same order).
 */
function uncarriedOptions(c: DockerInspect): string {
  const host = (c['HostConfig'] ?? {}) as Record<string, unknown>;
  const cfg = c.Config as Record<string, unknown>;
  const nets = Object.values(
    ((c['NetworkSettings'] as { Networks?: Record<string, { IPAMConfig?: unknown } | null> } | undefined)?.Networks ??
      {}) as Record<string, { IPAMConfig?: unknown } | null>,
  );
  const set = (v: unknown): boolean =>
    Array.isArray(v) ? v.length > 0 : v !== null && typeof v === 'object' ? Object.keys(v).length > 0 : Boolean(v);
  const mounts = (host['Mounts'] ?? []) as Array<Record<string, unknown>>;
  const simpleMount = (m: Record<string, unknown>): boolean =>
    (m['Type'] === 'bind' || m['Type'] === 'volume') &&
    set(m['Source']) &&
    set(m['Target']) &&
    !/[,"\n]/.test(`${String(m['Source'])}${String(m['Target'])}`) &&
    Object.entries(m).every(([k, v]) => ['Type', 'Source', 'Target', 'ReadOnly'].includes(k) || !set(v));
  const securityOpt = (host['SecurityOpt'] ?? []) as string[];
  const checks: [string, unknown][] = [
    ['--gpus', set(host['DeviceRequests'])],
    ['--mount', !mounts.every(simpleMount)],
    ['--link', host['Links']],
    ['--volumes-from', host['VolumesFrom']],
    [
      '--security-opt seccomp',
      securityOpt.some((o) => o.startsWith('seccomp') && o !== 'seccomp=unconfined' && o !== 'seccomp:unconfined'),
    ],
    ['--group-add', host['GroupAdd']],
    ['--cgroup-parent', host['CgroupParent']],
    ['--pid', host['PidMode']],
    ['--ipc', ![undefined, null, '', 'private', 'shareable'].includes(host['IpcMode'] as string)],
    ['--uts', host['UTSMode']],
    ['--userns', host['UsernsMode']],
    ['--runtime', ![undefined, null, '', 'runc'].includes(host['Runtime'] as string)],
    ['--read-only', host['ReadonlyRootfs']],
    ['--init', host['Init']],
    ['--shm-size', ![undefined, null, 0, 67108864].includes(host['ShmSize'] as number)],
    ['--pids-limit', Number(host['PidsLimit'] ?? 0) > 0],
    ['--oom-score-adj', host['OomScoreAdj']],
    ['--memory-reservation', host['MemoryReservation']],
    ['--cpu-shares', host['CpuShares']],
    ['--cpu-quota', set(host['CpuQuota']) || set(host['CpuPeriod'])],
    ['--cpuset-cpus', set(host['CpusetCpus']) || set(host['CpusetMems'])],
    ['--stop-timeout', cfg['StopTimeout'] !== undefined && cfg['StopTimeout'] !== null],
    ['--domainname', cfg['Domainname']],
    ['--tty', cfg['Tty']],
    ['--interactive', cfg['OpenStdin']],
    ['a second network', nets.length > 1],
    ['--ip', nets.some((n) => set(n?.IPAMConfig))],
  ];
  return checks
    .filter(([, v]) => set(v))
    .map(([flag]) => flag)
    .join(',');
}

/** read_container's C_CONFLICT: our keys set more than once with different values, comma-joined. */
function conflictingNames(c: DockerInspect): string {
  return [SECRET_KEY, URL_KEY]
    .filter((key) => new Set(c.Config.Env.filter((kv) => kv.startsWith(`${key}=`))).size > 1)
    .join(',');
}
