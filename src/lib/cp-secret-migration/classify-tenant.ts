import type { ManagedInstance } from '../aws/aws-types.js';
import { describePingStatus } from '../aws/ssm-calls.js';
import { probeNotRead, type TenantScriptResult } from '../tenant-secret-delivery/parse-script-result.js';
import type { TenantClass } from '../tenant-secret-delivery/migration-plan.js';

/** Which class a probed tenant is in, and why. Pure; tested as a table. */
export interface Classification {
  class: TenantClass;
  reason: string;
}

export interface ClassifyInput {
  managed: ManagedInstance | undefined;
  /** SSM status of the probe invocation, when one ran. */
  probeStatus: string | undefined;
  result: TenantScriptResult | null;
  expectedFingerprint: string;
  cpUrl: string;
}

/** Why SSM cannot run a script on this instance now, or null when its agent is online. */
export function whyUnmanaged(managed: ManagedInstance | undefined): string | null {
  if (!managed) return 'not registered with SSM';
  return managed.pingStatus === 'Online' ? null : describePingStatus(managed);
}

export function classifyTenant(input: ClassifyInput): Classification {
  const { managed, result } = input;
  const unmanaged = whyUnmanaged(managed);
  if (unmanaged !== null) return { class: 'unmanaged', reason: unmanaged };
  if (input.probeStatus !== 'Success')
    return { class: 'probe-failed', reason: `probe ${input.probeStatus ?? 'did not run'}` };
  if (!result) return { class: 'probe-failed', reason: 'probe printed no result line' };
  if (result.status === 'no-docker') return { class: 'no-container', reason: 'docker is not installed' };
  // Any other status than `probed` (a daemon that did not answer) saw nothing: not judged.
  const notRead = probeNotRead(result);
  if (notRead !== null) return { class: 'probe-failed', reason: notRead };
  if (!result.container) return { class: 'no-container', reason: 'no platform container' };
  if (
    result.hasSecret &&
    result.fingerprint === input.expectedFingerprint &&
    result.cpUrl === input.cpUrl &&
    !result.conflictingEnv
  ) {
    return {
      class: 'current',
      reason: isDurable(result, input.expectedFingerprint)
        ? 'up to date, durable'
        : 'up to date, but an image update would lose it',
    };
  }
  // Changing a stopped container means starting it: not the migration's call to make.
  if (result.running === false)
    return { class: 'not-running', reason: 'the platform container is stopped: a migration would start it' };
  // docker's --env-file is one variable a line: the recreate would drop these values.
  if (result.multilineEnv)
    return {
      class: 'not-deliverable',
      reason: `env value(s) with a line break (${result.multilineEnv}) that the recreate cannot carry over`,
    };
  // Recreated without them, it would run differently, and /health may still pass.
  if (result.uncarriedConfig)
    return {
      class: 'not-deliverable',
      reason: `started with settings the recreate cannot carry over (${result.uncarriedConfig})`,
    };
  const deliverable = result.python3 && result.awsHost;
  const missing = !result.python3 ? 'python3' : 'the aws CLI';
  // Set twice with different values: which one the platform reads depends on its runtime.
  if (result.conflictingEnv) {
    const conflict = `${result.conflictingEnv} set more than once with different values`;
    return deliverable
      ? { class: 'stale', reason: conflict }
      : { class: 'not-deliverable', reason: `${conflict}, and ${missing} is missing on the host` };
  }
  if (result.hasSecret && result.fingerprint !== input.expectedFingerprint) {
    return deliverable
      ? { class: 'stale', reason: `holds ${result.fingerprint}` }
      : { class: 'not-deliverable', reason: `stale, and ${missing} is missing on the host` };
  }
  if (!deliverable) return { class: 'not-deliverable', reason: `${missing} is missing on the host` };
  return {
    class: 'needs-migration',
    reason: result.hasSecret ? 'MOLECULE_CP_URL differs' : 'MOLECULE_CP_SHARED_SECRET not set',
  };
}

/** The value survives an image update: molectl's env file or the user-data carries it, or nothing recreates the container. */
export function isDurable(result: TenantScriptResult, fingerprint: string): boolean {
  return (
    result.durableFingerprint === fingerprint || result.userDataFingerprint === fingerprint || result.updater === 'none'
  );
}
