import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extraListenerPorts, printsSsNetid } from '../posture-faults.js';
import type { SandboxState, SimInstance } from '../state.js';

/**
 * What the host's `ss` shim reports besides the container's published ports: the stray processes
 * the `listener` fault puts on a host (a debug HTTP server serving boot logs on :9999, as the
 * platform once had). One line per socket in var/lib/net-sim/listeners: `<address> <port>
 * <process> <pid>`. Kept apart from the docker shim's state, which the shim owns.
 */
export function listenersFile(hostRoot: string): string {
  return join(hostRoot, 'var', 'lib', 'net-sim', 'listeners');
}

/** Present when the host's `ss` prints the Netid column first (the `ss-netid` fault). */
export function ssNetidMarker(hostRoot: string): string {
  return join(hostRoot, 'var', 'lib', 'net-sim', 'ss-netid');
}

export function syncHostListeners(state: SandboxState, instance: SimInstance): void {
  if (instance.hostRoot === null) return;
  if (printsSsNetid(state.faults, instance)) {
    mkdirSync(join(instance.hostRoot, 'var', 'lib', 'net-sim'), { recursive: true });
    writeFileSync(ssNetidMarker(instance.hostRoot), 'tcp\n');
  } else rmSync(ssNetidMarker(instance.hostRoot), { force: true });
  const file = listenersFile(instance.hostRoot);
  const ports = extraListenerPorts(state.faults, instance);
  if (ports.length === 0) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(join(instance.hostRoot, 'var', 'lib', 'net-sim'), { recursive: true });
  writeFileSync(file, ports.map((port, i) => `0.0.0.0 ${port} python3 ${2211 + i}\n`).join(''));
}
