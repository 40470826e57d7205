import type { SandboxState, SimInstance } from '../state.js';
import { buildInitialContainer, type DockerInspect } from './initial-container.js';
import { TENANT_CONTAINER_NAME } from './tenant-user-data.js';

/**
 * Simulated hosts in the sandbox's *modelled* mode (`hostMode: 'modelled'`, docs/sandbox.md):
 * no directory, no bash; each host is this small record in memory, which the model of the
 * cp-secret script (model-cp-secret-script.ts) reads and changes as the real script would change
 * the real host. It exists so benchmarks can measure molectl's own cost at internet scale; tests
 * run the real script on real simulated hosts.
 */
export interface ModelledHost {
  /** Containers by name, docker-inspect shaped (the same shape the docker shim writes). */
  containers: Map<string, DockerInspect>;
  /** /etc/molecule/tenant.env, in file order; null while absent. */
  durableEnv: [string, string][] | null;
  /** /usr/local/bin/molecule-auto-update.sh: as provisioned, or wrapped by a migration. */
  updater: 'unwrapped' | 'wrapped';
}

const hosts = new WeakMap<SimInstance, ModelledHost>();

/** The host's record, made on first use from what its user-data started (like materialiseHost). */
export function getModelledHost(state: SandboxState, instance: SimInstance): ModelledHost {
  let host = hosts.get(instance);
  if (!host) {
    const initial = buildInitialContainer(state, instance);
    host = {
      containers: new Map(initial ? [[TENANT_CONTAINER_NAME, initial]] : []),
      durableEnv: null,
      updater: 'unwrapped',
    };
    hosts.set(instance, host);
  }
  return host;
}

/** The container as docker inspect would show it in modelled mode, or null. */
export function readModelledContainer(state: SandboxState, instance: SimInstance, name: string): DockerInspect | null {
  return getModelledHost(state, instance).containers.get(name) ?? null;
}
