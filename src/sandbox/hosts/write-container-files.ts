import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DockerInspect } from './initial-container.js';

/**
 * Writes a container the way the docker shim keeps it (src/sandbox/hosts/shims/docker):
 * `<name>.state` (bash assignments the shim sources), `<name>.json` (docker-inspect shaped, what
 * `docker inspect` prints and the sandbox reads) and the `.id` / `.status` / `.ports` sidecars.
 * The shim renders the JSON from the state with the same key order, so a container reads the
 * same whichever side wrote it last (test/sandbox/hosts/docker-shim.test.ts holds this).
 */
export function writeContainerFiles(containersDir: string, inspect: DockerInspect): void {
  const name = inspect.Name.replace(/^\//, '');
  const ports = portPairs(inspect);
  writeFileSync(join(containersDir, `${name}.state`), renderContainerState(inspect));
  writeFileSync(join(containersDir, `${name}.json`), `${JSON.stringify(inspect)}\n`);
  writeFileSync(join(containersDir, `${name}.id`), `${inspect.Id}\n`);
  writeFileSync(join(containersDir, `${name}.status`), `${inspect.State.Status}\n`);
  writeFileSync(join(containersDir, `${name}.ports`), `${ports.map((p) => p.split(' ')[0]).join(' ')}\n`);
}

/** The S_* assignments the docker shim's load_container sources. */
export function renderContainerState(inspect: DockerInspect): string {
  const state = inspect.State as Record<string, unknown>;
  const host = (inspect['HostConfig'] ?? {}) as {
    Binds?: string[] | null;
    NetworkMode?: string;
    RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
  };
  const config = inspect.Config as DockerInspect['Config'] & { Cmd?: string[] | null; Hostname?: string };
  const scalars: Record<string, string> = {
    S_NAME: inspect.Name.replace(/^\//, ''),
    S_ID: inspect.Id,
    S_CREATED: String(inspect['Created'] ?? ''),
    S_IMAGE: config.Image,
    S_IMAGE_ID: String(inspect['Image'] ?? ''),
    S_STATUS: state['Status'] as string,
    S_PID: String(state['Pid'] ?? 0),
    S_EXIT: String(state['ExitCode'] ?? 0),
    S_ERROR: String(state['Error'] ?? ''),
    S_STARTED: String(state['StartedAt'] ?? ''),
    S_FINISHED: String(state['FinishedAt'] ?? ''),
    S_RESTART: host.RestartPolicy?.Name ?? 'no',
    S_RESTART_MAX: String(host.RestartPolicy?.MaximumRetryCount ?? 0),
    S_NETWORK: host.NetworkMode ?? 'bridge',
    S_HOSTNAME: config.Hostname ?? inspect.Id.slice(0, 12),
  };
  const arrays: Record<string, string[]> = {
    S_CMD: config.Cmd ?? [],
    S_BINDS: host.Binds ?? [],
    S_PORTS: portPairs(inspect),
    S_LABELS: Object.entries(config.Labels ?? {}).map(([k, v]) => `${k}=${v}`),
    S_ENV: config.Env,
  };
  const lines = Object.entries(scalars).map(([k, v]) => `${k}=${bashWord(v)}`);
  for (const [k, values] of Object.entries(arrays))
    lines.push(`${k}=(${values.map((v) => ` ${bashWord(v)}`).join('')} )`);
  // The members few containers have, kept by the shim as JSON text (_dk_run_extras).
  const network = (inspect['NetworkSettings'] as { Networks?: Record<string, object> } | undefined)?.Networks?.[
    scalars['S_NETWORK']!
  ];
  const extras = {
    S_HOSTX: jsonMembers(host, ['Binds', 'NetworkMode', 'PortBindings', 'RestartPolicy', 'AutoRemove']),
    S_CONFIGX: jsonMembers(config, ['Hostname', 'Env', 'Cmd', 'Image', 'Labels', 'ExposedPorts']),
    S_NETX: jsonMembers(network ?? {}, []).replace(/^,/, ''),
    // Mount points beyond those of Binds (one each, first): the ones `--mount` gave.
    S_MOUNTX: ((inspect['Mounts'] as unknown[] | undefined) ?? [])
      .slice((host.Binds ?? []).length)
      .map((m) => `,${JSON.stringify(m)}`)
      .join(''),
  };
  if (Object.values(extras).some((v) => v !== ''))
    lines.push(
      Object.entries(extras)
        .map(([k, v]) => `${k}=${bashWord(v)}`)
        .join(' '),
    );
  return `${lines.join('\n')}\n`;
}

/** `"<host port> <container port>/<proto>"` per port binding, as the shim keeps them. */
function portPairs(inspect: DockerInspect): string[] {
  const bindings =
    (inspect['HostConfig'] as { PortBindings?: Record<string, { HostPort?: string }[]> } | undefined)?.PortBindings ??
    {};
  return Object.entries(bindings).map(([containerPort, binds]) => `${binds[0]?.HostPort ?? ''} ${containerPort}`);
}

/** `,"Key":value` for each member of the object not in `base`, in the object's order. */
function jsonMembers(object: object, base: string[]): string {
  return Object.entries(object)
    .filter(([k]) => !base.includes(k))
    .map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join('');
}

/** Single-quoted for bash: nothing inside is expanded. */
function bashWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
