import { createHash, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxState, SimInstance } from '../state.js';
import { hostMatches } from '../state.js';
import { getAssetPath, shellQuote } from './host-assets.js';
import { syncHostListeners } from './host-listeners.js';
import { buildInitialContainer } from './initial-container.js';
import { containersDir, isHostMaterialised } from './tenant-container.js';
import { writeContainerFiles } from './write-container-files.js';
import { TENANT_CONTAINER_NAME } from './tenant-user-data.js';

/**
 * Writes a simulated host's directory the first time something needs it (a script, the
 * updater), so that seeding a thousand tenants costs no disk work. Layout (docs/sandbox.md):
 *   etc/molecule/image-tag, etc/cron.d/molecule-auto-update, etc/molectl-sandbox/ (host API),
 *   usr/local/bin/molecule-auto-update.sh, var/lib/cloud/instance/user-data.txt, var/log/,
 *   var/lib/docker-sim/ (the docker shim's state), root/ (HOME), tmp/.
 */

const hostApiKeys = new WeakMap<SandboxState, Buffer>();

/** The credential a host presents to the sandbox's host API; derived, so nothing per host is stored. */
export function getHostApiToken(state: SandboxState, instanceId: string): string {
  let key = hostApiKeys.get(state);
  if (!key) {
    key = randomBytes(32);
    hostApiKeys.set(state, key);
  }
  return createHmac('sha256', key).update(instanceId).digest('base64url');
}

export function hostRootFor(state: SandboxState, instanceId: string): string {
  return join(state.root, 'hosts', instanceId);
}

export function materialiseHost(state: SandboxState, instance: SimInstance): string {
  const root = instance.hostRoot;
  if (root === null) throw new Error(`instance ${instance.instanceId} has no simulated host`);
  if (isHostMaterialised(instance)) return root;
  for (const dir of [
    'etc/molecule',
    'etc/cron.d',
    'etc/molectl-sandbox',
    'usr/local/bin',
    // Present on every Ubuntu host (empty until molectl installs molectl-tenant-env there).
    'usr/local/sbin',
    'var/lib/cloud/instance',
    'var/log',
    'var/lib/molecule',
    'root',
    'tmp',
  ]) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  const containers = containersDir(root);
  mkdirSync(containers, { recursive: true });
  writeFileSync(
    join(root, 'etc', 'hostname'),
    `ip-${instance.privateIp.replace(/\./g, '-')}.us-east-2.compute.internal\n`,
  );
  writeFileSync(join(root, 'etc', 'molecule', 'image-tag'), 'latest\n');
  writeFileSync(
    join(root, 'etc', 'cron.d', 'molecule-auto-update'),
    '*/5 * * * * root /usr/local/bin/molecule-auto-update.sh >> /var/log/molecule-auto-update.log 2>&1\n',
  );
  writeFileSync(join(root, 'var', 'lib', 'cloud', 'instance', 'user-data.txt'), instance.userData, { mode: 0o600 });
  const updater = join(root, 'usr', 'local', 'bin', 'molecule-auto-update.sh');
  copyFileSync(getAssetPath('host-files', 'molecule-auto-update.sh'), updater);
  chmodSync(updater, 0o755);

  const initial = buildInitialContainer(state, instance);
  // The same-name-image fault: an image built by hand with the container's name.
  const images = [
    ...(initial ? [initial.Config.Image] : []),
    ...(hostMatches(instance, state.faults.sameNameImageHosts) ? [`${TENANT_CONTAINER_NAME}:latest`] : []),
  ];
  if (initial) writeContainerFiles(containers, initial);
  if (images.length > 0)
    writeFileSync(join(root, 'var', 'lib', 'docker-sim', 'images'), images.map((i) => `${i}\n`).join(''));
  writeFileSync(
    join(root, 'etc', 'molectl-sandbox', 'host-api.headers'),
    `Authorization: Bearer ${getHostApiToken(state, instance.instanceId)}\nX-Sandbox-Instance: ${instance.instanceId}\n`,
    { mode: 0o600 },
  );
  // Written last: its presence is what marks the host as materialised.
  writeFileSync(
    join(root, 'etc', 'molectl-sandbox', 'host-api.env'),
    `SANDBOX_URL=${shellQuote(state.url)}\nHOST_INSTANCE_ID=${shellQuote(instance.instanceId)}\n`,
  );
  return root;
}

/** Brings the fault files the docker shim reads in line with the current fault config. */
export function syncHostFaults(state: SandboxState, instance: SimInstance): void {
  if (instance.hostRoot === null) return;
  const flag = join(instance.hostRoot, 'var', 'lib', 'docker-sim', 'fail-start');
  if (hostMatches(instance, state.faults.dockerFailHosts)) writeFileSync(flag, 'docker-fail fault\n');
  else rmSync(flag, { force: true });
  const down = join(instance.hostRoot, 'var', 'lib', 'docker-sim', 'daemon-down');
  if (hostMatches(instance, state.faults.dockerDownHosts)) writeFileSync(down, 'docker-down fault\n');
  else rmSync(down, { force: true });
  const logsBroken = join(instance.hostRoot, 'var', 'lib', 'docker-sim', 'logs-broken');
  if (hostMatches(instance, state.faults.dockerLogsBrokenHosts))
    writeFileSync(logsBroken, 'docker-logs-broken fault\n');
  else rmSync(logsBroken, { force: true });
  const logKey = join(instance.hostRoot, 'var', 'lib', 'docker-sim', 'log-key');
  // The lines the logs-key and logs-base64 faults make the container print near its log's end.
  const printed = [
    ...(hostMatches(instance, state.faults.logsKeyHosts) ? loggedPrivateKey(instance.instanceId).split('\n') : []),
    ...(hostMatches(instance, state.faults.logsBase64Hosts) ? loggedBase64Env(instance.instanceId).lines : []),
  ];
  if (printed.length) writeFileSync(logKey, `${JSON.stringify(printed)}\n`);
  else rmSync(logKey, { force: true });
  const oldBash = join(instance.hostRoot, 'etc', 'molectl-sandbox', 'bash-4.2');
  if (hostMatches(instance, state.faults.oldBashHosts)) writeFileSync(oldBash, 'old-bash fault\n');
  else rmSync(oldBash, { force: true });
  syncHostListeners(state, instance);
}

/**
 * The env file the logs-base64 fault makes a host's platform container print to its log, as
 * `base64` prints it (wrapped at 76 columns), three lines before the log's end. Its admin token
 * starts near the end of the second line, so `--tail 4` shows only lines that decode to the
 * token without its name. The token is derived from the instance id and has no other shape.
 */
export function loggedBase64Env(instanceId: string): { token: string; lines: string[] } {
  const token = createHash('sha256').update(`logs-base64:${instanceId}`).digest('base64url');
  const env = `# tenant env written by the bootstrap\nORG_SLUG=acme\nMOLECULE_CP_URL=https://api.moleculesai.app\nADMIN_TOKEN=${token}\n`;
  return {
    token,
    lines: Buffer.from(env)
      .toString('base64')
      .match(/.{1,76}/g)!,
  };
}

/**
 * The private key the logs-key fault makes a host's platform container print to its log, raw
 * lines as a process writing the PEM to stdout prints them, three lines before the log's end
 * (so `--tail 5` starts inside it). Derived from the instance id: a test can name every body line.
 */
export function loggedPrivateKey(instanceId: string): string {
  const body = createHash('sha512').update(`logs-key:${instanceId}`).digest('base64');
  const lines = [body.slice(0, 64), `${body.slice(64)}${body.slice(0, 64 - (body.length - 64))}`, body.slice(20, 84)];
  return ['-----BEGIN RSA PRIVATE KEY-----', ...lines, '-----END RSA PRIVATE KEY-----'].join('\n');
}
