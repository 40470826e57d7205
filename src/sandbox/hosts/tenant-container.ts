import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxState, SimInstance } from '../state.js';
import { readModelledContainer } from './modelled-hosts.js';
import { buildInitialContainer, type DockerInspect } from './initial-container.js';
import { TENANT_CONTAINER_NAME } from './tenant-user-data.js';

/**
 * The tenant container as the host's docker shim stores it (docker-inspect shaped JSON under
 * var/lib/docker-sim/containers/). Hosts are materialised lazily: until a host's directory
 * exists, its container is the one its user-data started, derived here without touching disk.
 * The JSON shape must match what the shim's `docker run` writes (src/sandbox/hosts/shims/docker).
 */

export interface ContainerView {
  name: string;
  id: string;
  running: boolean;
  status: string;
  image: string;
  env: Record<string, string>;
  /** The raw inspect object. */
  inspect: DockerInspect;
}

export function containersDir(hostRoot: string): string {
  return join(hostRoot, 'var', 'lib', 'docker-sim', 'containers');
}

/** True once the host's directory has been written (see materialiseHost). */
export function isHostMaterialised(instance: SimInstance): boolean {
  return instance.hostRoot !== null && existsSync(join(instance.hostRoot, 'etc', 'molectl-sandbox', 'host-api.env'));
}

/**
 * The tenant container of an instance: from disk once materialised, else the one user-data
 * started (none when the org's provisioning failed: its image pull was denied).
 */
export function readTenantContainer(
  state: SandboxState,
  instance: SimInstance,
  name = TENANT_CONTAINER_NAME,
): ContainerView | null {
  if (instance.hostRoot === null) return null;
  let inspect: DockerInspect | null;
  if (state.hostMode === 'modelled') {
    inspect = readModelledContainer(state, instance, name);
  } else if (isHostMaterialised(instance)) {
    const file = join(containersDir(instance.hostRoot), `${name}.json`);
    inspect = existsSync(file) ? readContainerJson(file) : null;
  } else {
    inspect = name === TENANT_CONTAINER_NAME ? buildInitialContainer(state, instance) : null;
  }
  return inspect ? viewContainer(inspect) : null;
}

/**
 * The docker shim rewrites a container's JSON file in place (a rename would cost a process start
 * on every docker call), so a read can land mid-write. Half a JSON object never parses: such a
 * read is retried for a moment, and sees the whole old file or the whole new one.
 */
function readContainerJson(file: string): DockerInspect | null {
  for (let attempt = 0; ; attempt++) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return null; // removed meanwhile (docker rm)
    }
    try {
      return JSON.parse(text) as DockerInspect;
    } catch (error) {
      if (attempt >= 50) throw error;
      Atomics.wait(PAUSE, 0, 0, 2);
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function viewContainer(inspect: DockerInspect): ContainerView {
  const env: Record<string, string> = {};
  for (const kv of inspect.Config.Env) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return {
    name: inspect.Name.replace(/^\//, ''),
    id: inspect.Id,
    running: inspect.State.Running,
    status: inspect.State.Status,
    image: inspect.Config.Image,
    env,
    inspect,
  };
}
