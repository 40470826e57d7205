import { createHash } from 'node:crypto';
import type { SimInstance } from '../state.js';

/**
 * Serial-console output for simulated instances: a cloud-init boot of a few hundred lines,
 * including, when the bootstrap traces (pre-cutover user-data, or the console-trace fault), what a
 * `set -x` bootstrap really leaks (the docker run with ADMIN_TOKEN and, after
 * the cutover, MOLECULE_CP_SHARED_SECRET; a curl with an Authorization header), so that console
 * redaction can be tested against realistic text. Rendered on first read: a thousand seeded
 * tenants must not cost a thousand logs up front.
 */

export interface BootConsoleSpec {
  kind: 'tenant' | 'workspace';
  slug: string;
  hostname: string;
  userData: string;
  /** Secret the boot script sends as a bearer (tenant admin token or workspace token). */
  bearerToken: string;
  cpUrl: string;
  failed: boolean;
  /** The boot prints `set -x` traces; default: when the user-data turns xtrace on (bootTraces). */
  trace?: boolean;
  /** The console-shapes fault: the boot also prints the shapes of consoleShapeLines. */
  shapes?: boolean;
}

/**
 * Secrets in the shapes other bootstraps and the platform's Go services print (the console-shapes
 * fault): a registry login's `-p`, a Cloudflare tunnel token, a `--token` flag, a Go `%+v` config
 * struct, a JSON-escaped config inside a JSON log line, the AWS CLI's text and table output of
 * the admin token, an ECS-style name/value env list. Derived from the bearer token, so that a
 * test can name every value that must not be shown.
 */
export function consoleShapeSecrets(bearerToken: string): { registryPassword: string; tunnelToken: string } {
  const digest = createHash('sha256').update(bearerToken).digest();
  const tunnel = {
    a: digest.subarray(0, 16).toString('hex'),
    t: `${digest.subarray(16, 20).toString('hex')}-4c1d-4e2a-9b3f-${digest.subarray(20, 26).toString('hex')}`,
    s: digest.toString('base64'),
  };
  return {
    registryPassword: `rp-${digest.subarray(0, 15).toString('base64url')}`,
    tunnelToken: Buffer.from(JSON.stringify(tunnel)).toString('base64'),
  };
}

function consoleShapeLines(spec: BootConsoleSpec): string[] {
  const { registryPassword, tunnelToken } = consoleShapeSecrets(spec.bearerToken);
  const token = spec.bearerToken;
  return [
    `+ docker login -u molecule-bot -p ${registryPassword} ghcr.io`,
    `+ cloudflared service install ${tunnelToken}`,
    `+ /usr/local/bin/molecule-bootstrap --cp ${spec.cpUrl} --token ${token}`,
    `platform[2211]: config loaded: &{Slug:${spec.slug} AdminToken:${token} CPURL:${spec.cpUrl}}`,
    `platform[2211]: {"level":"debug","msg":"{\\"admin_token\\":\\"${token}\\",\\"slug\\":\\"${spec.slug}\\"}"}`,
    // The AWS CLI's text output of a list of {name, value} pairs is the values, tab-separated;
    // its table output puts a field's name and value in two cells.
    '+ aws ecs describe-task-definition --task-definition molecule-tenant --output text',
    `ENVIRONMENT\tADMIN_TOKEN\t${token}`,
    `+ aws secretsmanager get-secret-value --secret-id molecule/tenants/${spec.slug}/admin-token --output table`,
    `||  SecretString  |  ${token}  ||`,
    `platform[2211]: {"level":"debug","msg":"task env","env":[{"name":"ADMIN_TOKEN","value":"${token}"}]}`,
    // A YAML config cat-ed by the bootstrap: the value on the line after its key.
    '+ cat /etc/molecule/tenant.yaml',
    'admin_token:',
    `  ${token}`,
    // `echo NAME $NAME` traced and printed: name and value one space apart.
    `+ echo ADMIN_TOKEN ${token}`,
    `ADMIN_TOKEN ${token}`,
    // A relay logging the body it forwards, a JSON document inside a JSON string inside the log
    // line's JSON: the quotes around the value are escaped twice; its env list, once.
    String.raw`platform[2211]: {"level":"debug","msg":"relay","body":"{\"event\":\"{\\\"admin_token\\\":\\\"${token}\\\"}\"}"}`,
    String.raw`platform[2211]: {"level":"debug","msg":"{\"env\":[{\"name\":\"ADMIN_TOKEN\",\"value\":\"${token}\"}]}"}`,
    // An access log line whose query carries a JSON body URL-encoded, and a form-encoded header.
    `platform[2211]: GET /cp/relay?payload=${encodeURIComponent(JSON.stringify({ admin_token: token, slug: spec.slug }))} 200`,
    `platform[2211]: POST /cp/hooks body=headers=Authorization%3A+Bearer+${encodeURIComponent(token)}&retry=1`,
    // An OAuth callback whose state is URL-safe base64 of JSON that carries the token.
    `platform[2211]: GET /oauth/callback?state=${Buffer.from(JSON.stringify({ admin_token: token, return_to: '/orgs?>>~~' })).toString('base64url')} 302`,
  ];
}

/** True when the user-data turns on bash's xtrace, which prints every command with its arguments. */
export function bootTraces(userData: string): boolean {
  return /^\s*set\s+-[a-z]*x/m.test(userData);
}

/** Makes `instance.console` render on first read, then keeps the text. */
export function defineLazyConsole(instance: SimInstance, render: () => string): void {
  let cached: string | null = null;
  Object.defineProperty(instance, 'console', {
    configurable: true,
    enumerable: true,
    get: () => (cached ??= render()),
    set: (value: string) => {
      cached = value;
    },
  });
}

export function renderBootConsole(spec: BootConsoleSpec): string {
  const lines: string[] = [];
  let t = 0;
  const k = (msg: string): void => {
    t += 0.0137;
    lines.push(`[${t.toFixed(6).padStart(12)}] ${msg}`);
  };
  k(
    'Linux version 6.1.109-118.189.amzn2023.x86_64 (mockbuild@ip-10-0-47-118) (gcc (GCC) 11.4.1 20230605) #1 SMP PREEMPT_DYNAMIC',
  );
  k(
    'Command line: BOOT_IMAGE=(hd0,gpt1)/boot/vmlinuz-6.1.109 root=UUID=2d3c1c14 ro console=tty0 console=ttyS0,115200n8 nvme_core.io_timeout=4294967295',
  );
  for (let i = 0; i < 90; i++) k(kernelLine(i));
  k('systemd[1]: Detected virtualization amazon.');
  for (let i = 0; i < 40; i++) k(`systemd[1]: Started ${SERVICES[i % SERVICES.length]}.`);
  const ci = (msg: string): void => {
    lines.push(`cloud-init[1873]: ${msg}`);
  };
  ci("Cloud-init v. 22.2.2 running 'init' at Sat, 18 Apr 2026 09:14:03 +0000. Up 7.41 seconds.");
  ci('ci-info: ++++++++++++++++++++++++++++Net device info+++++++++++++++++++++++++++++');
  ci(
    `ci-info: |  ens5  | True |  ${spec.hostname
      .replace(/^ip-/, '')
      .replace(/-/g, '.')
      .replace(/\..*compute.*$/, '')}  | 255.255.240.0 | global |`,
  );
  for (let i = 0; i < 30; i++) ci(`ci-info: | ${String(i).padStart(5)} | ${ROUTES[i % ROUTES.length]} |`);
  ci('Generating public/private ed25519 key pair.');
  ci('The key fingerprint is: SHA256:Hn1q4c0p3ZbVg0dZJ3m8Zk1xq7v2nQf0bQy2Yk6cYlE root@localhost');
  ci("Cloud-init v. 22.2.2 running 'modules:config' at Sat, 18 Apr 2026 09:14:09 +0000. Up 12.88 seconds.");
  ci("Cloud-init v. 22.2.2 running 'modules:final' at Sat, 18 Apr 2026 09:14:12 +0000. Up 15.02 seconds.");
  for (let i = 0; i < 25; i++) ci(`Installing: ${PACKAGES[i % PACKAGES.length]}  ${i + 1}/25`);
  // `set -x` prints each command with its arguments expanded on one line: this is the leak.
  if (spec.trace ?? bootTraces(spec.userData)) {
    for (const cmd of traceCommands(spec.userData)) ci(`+ ${cmd}`);
    const route = spec.kind === 'tenant' ? 'cp/tenants/config' : 'cp/workspaces/register';
    ci(`+ curl -fsS -H 'Authorization: Bearer ${spec.bearerToken}' ${spec.cpUrl}/${route}`);
    if (spec.shapes) for (const line of consoleShapeLines(spec)) ci(line);
  } else {
    ci(spec.kind === 'tenant' ? `bootstrapping tenant ${spec.slug}` : 'registering the workspace agent');
  }
  if (spec.failed) {
    const image = /ghcr\.io\/\S+/.exec(spec.userData)?.[0] ?? 'ghcr.io/molecule-ai/platform-tenant:latest';
    ci(
      `docker: Error response from daemon: Head "https://ghcr.io/v2/molecule-ai/platform-tenant/manifests/${image.split(':').pop()}": denied: denied.`,
    );
    ci("See 'docker run --help'.");
    ci(
      '2026-04-18 09:16:41,118 - cc_scripts_user.py[WARNING]: Failed to run module scripts-user (scripts in /var/lib/cloud/instance/scripts)',
    );
    ci(
      "2026-04-18 09:16:41,119 - util.py[WARNING]: Running module scripts-user (<module 'cloudinit.config.cc_scripts_user'>) failed",
    );
    ci(
      'Cloud-init v. 22.2.2 finished at Sat, 18 Apr 2026 09:16:41 +0000. Datasource DataSourceEc2Local.  Up 169.20 seconds',
    );
  } else {
    ci(spec.kind === 'tenant' ? `tenant ${spec.slug} ready` : `workspace agent for ${spec.slug} registered`);
    ci(
      'Cloud-init v. 22.2.2 finished at Sat, 18 Apr 2026 09:15:02 +0000. Datasource DataSourceEc2Local.  Up 74.66 seconds',
    );
  }
  lines.push(
    '',
    `Amazon Linux 2023.6.20241212`,
    `Kernel 6.1.109-118.189.amzn2023.x86_64 on an x86_64`,
    '',
    `${spec.hostname} login: `,
  );
  return `${lines.join('\r\n')}\r\n`;
}

/** The user-data's commands as `set -x` would print them: continuation lines joined. */
function traceCommands(userData: string): string[] {
  return userData
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('set '));
}

function kernelLine(i: number): string {
  const samples = [
    `ACPI: PCI Interrupt Link [LNK${'ABCD'[i % 4]}] (IRQs 5 *10 11)`,
    `pci 0000:00:0${i % 8}.0: [1d0f:ec20] type 00 class 0x010802`,
    `nvme nvme0: ${2 + (i % 3)}/0/0 default/read/poll queues`,
    `EXT4-fs (nvme0n1p1): mounted filesystem with ordered data mode. Quota mode: none.`,
    `ena 0000:00:05.0: Elastic Network Adapter (ENA) v2.8.${i % 10}g`,
    `random: crng init done`,
    `audit: type=1130 audit(1776503643.${100 + i}:${i}): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='unit=systemd-udevd comm="systemd"'`,
  ];
  return samples[i % samples.length] ?? '';
}

const SERVICES = [
  'Journal Service',
  'udev Kernel Device Manager',
  'Network Name Resolution',
  'amazon-ssm-agent',
  'Docker Application Container Engine',
  'containerd container runtime',
  'Command Scheduler',
  'OpenSSH server daemon',
  'chronyd NTP client',
  'Initial cloud-init job',
];
const ROUTES = [
  '0.0.0.0     | 10.0.0.1 | 0.0.0.0       | ens5 | UG',
  '10.0.0.0    | 0.0.0.0  | 255.255.240.0 | ens5 | U',
  '10.0.0.2    | 0.0.0.0  | 255.255.255.255 | ens5 | UH',
];
const PACKAGES = [
  'docker-25.0.6-1.amzn2023.0.2.x86_64',
  'containerd-1.7.23-1.amzn2023.0.1.x86_64',
  'runc-1.1.14-1.amzn2023.0.1.x86_64',
  'jq-1.7.1-1.amzn2023.0.1.x86_64',
  'pigz-2.5-1.amzn2023.0.3.x86_64',
];
