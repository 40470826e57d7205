import { PRE_CUTOVER_IMAGE_TAG } from './platform-releases.js';
import type { FaultConfig, SimInstance } from './state.js';
import { hostMatches } from './state.js';

/**
 * Faults of the fleet's security and drift posture, the ones `molectl fleet audit` looks for
 * (docs/sandbox.md). They live in `faults.posture`, which is absent until one is given, and each
 * names the hosts (org slugs or instance ids) it applies to:
 *   listener=acme:9999        a process listening on 0.0.0.0:9999 on acme's host (`ss` shim)
 *   sg-open=acme:9999         acme's security group lets 0.0.0.0/0 reach tcp 9999
 *   imds-v1=acme              acme's instance answers IMDSv1 (HttpTokens optional)
 *   console-trace=acme        acme's boot console carries the `set -x` trace of its user-data
 *   old-image=acme[:tag]      acme was provisioned with an older platform image
 *   instance-token=acme       GET /cp/orgs/acme/instance answers with admin_token
 *   agent-version=acme:2.3.0  acme's SSM agent reports that version
 *   ss-netid=acme             acme's `ss` prints a Netid column first (a layout molectl does not read)
 * The fault is read when the thing is observed (console and image: when first rendered, that is
 * at provisioning for images), so tests may change them while the sandbox runs.
 */

export interface PostureFaults {
  listeners: HostPort[];
  openIngress: HostPort[];
  imdsV1: string[];
  consoleTrace: string[];
  /** Org slug -> image tag it was provisioned with. */
  oldImage: Record<string, string>;
  instanceToken: string[];
  /** Host -> the agent version DescribeInstanceInformation reports. */
  agentVersion: Record<string, string>;
  /** Hosts whose `ss` prints the Netid column (`tcp`) before State. */
  ssNetid: string[];
}

export interface HostPort {
  host: string;
  port: number;
}

export const POSTURE_FAULT_FORMS = [
  'listener=<slug|instance-id>:<port>[|...]',
  'sg-open=<slug|instance-id>:<port>[|...]',
  'imds-v1=<slug|instance-id>[|...]',
  'console-trace=<slug|instance-id>[|...]',
  'old-image=<slug>[:<tag>][|...]',
  'instance-token=<slug>[|...]',
  'agent-version=<slug|instance-id>:<version>[|...]',
  'ss-netid=<slug|instance-id>[|...]',
];

export function emptyPostureFaults(): PostureFaults {
  return {
    listeners: [],
    openIngress: [],
    imdsV1: [],
    consoleTrace: [],
    oldImage: {},
    instanceToken: [],
    agentVersion: {},
    ssNetid: [],
  };
}

/**
 * Applies one `key=value` item when the key is a posture fault; false when it is not one.
 * `names` are the value's |-separated parts; `pair` splits one at its last colon (or throws).
 */
export function applyPostureFault(
  faults: FaultConfig,
  key: string,
  names: () => string[],
  pair: (part: string) => [string, string],
  bad: (reason: string) => Error,
): boolean {
  const posture = (): PostureFaults => (faults.posture ??= emptyPostureFaults());
  const port = (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw bad(`"${text}" is not a TCP port (1-65535)`);
    return n;
  };
  switch (key) {
    case 'listener':
      for (const [host, p] of names().map(pair)) posture().listeners.push({ host, port: port(p) });
      return true;
    case 'sg-open':
      for (const [host, p] of names().map(pair)) posture().openIngress.push({ host, port: port(p) });
      return true;
    case 'imds-v1':
      posture().imdsV1.push(...names());
      return true;
    case 'console-trace':
      posture().consoleTrace.push(...names());
      return true;
    case 'ss-netid':
      posture().ssNetid.push(...names());
      return true;
    case 'instance-token':
      posture().instanceToken.push(...names());
      return true;
    case 'old-image':
      for (const part of names()) {
        const [slug, tag] = part.includes(':') ? pair(part) : [part, PRE_CUTOVER_IMAGE_TAG];
        if (!/^[A-Za-z0-9_.-]+$/.test(tag)) throw bad(`"${tag}" is not an image tag`);
        posture().oldImage[slug] = tag;
      }
      return true;
    case 'agent-version':
      for (const [host, version] of names().map(pair)) {
        if (!/^\d+(\.\d+){1,3}$/.test(version)) throw bad(`"${version}" is not an agent version such as 3.3.1142.0`);
        posture().agentVersion[host] = version;
      }
      return true;
    default:
      return false;
  }
}

/** Ports the fault opens to the world on this instance's security group. */
export function openIngressPorts(faults: FaultConfig, instance: SimInstance): number[] {
  return (faults.posture?.openIngress ?? []).filter((f) => hostMatches(instance, [f.host])).map((f) => f.port);
}

/** Ports a stray process listens on, on this host. */
export function extraListenerPorts(faults: FaultConfig, instance: SimInstance): number[] {
  return (faults.posture?.listeners ?? []).filter((f) => hostMatches(instance, [f.host])).map((f) => f.port);
}

export function printsSsNetid(faults: FaultConfig, instance: SimInstance): boolean {
  return hostMatches(instance, faults.posture?.ssNetid ?? []);
}

export function answersImdsV1(faults: FaultConfig, instance: SimInstance): boolean {
  return hostMatches(instance, faults.posture?.imdsV1 ?? []);
}

export function tracesConsole(faults: FaultConfig, instance: SimInstance): boolean {
  return hostMatches(instance, faults.posture?.consoleTrace ?? []);
}

export function leaksInstanceToken(faults: FaultConfig, slug: string): boolean {
  return Boolean(faults.flags['instanceLeaksToken']) || (faults.posture?.instanceToken ?? []).includes(slug);
}

/** The agent version a fault imposes on this instance, or null. */
export function agentVersionFault(faults: FaultConfig, instance: SimInstance): string | null {
  for (const [host, version] of Object.entries(faults.posture?.agentVersion ?? {}))
    if (hostMatches(instance, [host])) return version;
  return null;
}
