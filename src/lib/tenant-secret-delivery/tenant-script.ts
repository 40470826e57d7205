import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { packageFile } from '../package-files.js';

/**
 * The on-tenant script (scripts/tenant-cp-secret.sh) and the SSM `commands` that run it. The
 * lines put before the script carry only names, ids, a URL and a fingerprint: the value is
 * fetched on the host by the instance role. AwsDoor.sendShellCommand refuses any command that
 * contains a registered secret, as a second guard.
 */

export type TenantScriptMode = 'probe' | 'apply' | 'rollback' | 'cp-auth-check';

/**
 * The read-only probe's run time limit on a host (SSM executionTimeout). It reads docker
 * inspect, the env files and the user-data: seconds on a healthy host; two minutes leaves room
 * for a slow docker daemon without holding a plan or an audit hostage to a stuck one.
 * Shared by the migration's plan, the rotation's drift check and the fleet audit.
 */
export const PROBE_TIMEOUT_SECONDS = 120;

/**
 * What an apply or rollback needs on the host beyond waiting for the new container's /health:
 * fetching the secret with the instance role, stopping the old container (docker's grace
 * period), starting the new one, and on failure restoring the old one. SSM kills the script at
 * its executionTimeout, so the margin must cover a slow docker daemon: a kill between stopping
 * and restoring would leave the tenant without a running container.
 */
export const HOST_SCRIPT_OVERHEAD_SECONDS = 240;

/** The executionTimeout of an apply or rollback on one host, given its /health wait. */
export function hostScriptTimeoutSeconds(healthTimeoutSeconds: number): number {
  return healthTimeoutSeconds + HOST_SCRIPT_OVERHEAD_SECONDS;
}
export type Delivery = 'secrets-manager' | 'parameter';

export interface TenantScriptInputs {
  mode: TenantScriptMode;
  containerName: string;
  cpUrl?: string;
  expectedFingerprint?: string;
  delivery?: Delivery;
  secretArn?: string;
  secretVersionId?: string;
  parameterName?: string;
  runId?: string;
  healthTimeoutSeconds?: number;
  /** Region of the secret or parameter the host reads. */
  awsRegion?: string;
  /** cp-auth-check: a workspace of the org whose status the container reads with its credentials. */
  workspaceId?: string;
  workspaceInstanceId?: string;
}

let cached: string | null = null;

export function readTenantScript(): string {
  cached ??= readFileSync(packageFile('scripts/tenant-cp-secret.sh'), 'utf8');
  return cached;
}

/**
 * `sha256:<64 hex>` of the script's bytes as sent (the last element of renderTenantCommands):
 * `migrate cp-secret script` prints it, each run's ledger records it, `runs show` shows it, so a
 * reviewer can match what was reviewed with what ran.
 */
export function tenantScriptSha256(script = readTenantScript()): string {
  return `sha256:${createHash('sha256').update(script, 'utf8').digest('hex')}`;
}

/** Values the header may carry: no quotes, spaces or shell metacharacters, so no quoting games. */
const SAFE_VALUE = /^[A-Za-z0-9_.:/@+=,-]*$/;

export function renderTenantCommands(inputs: TenantScriptInputs, script = readTenantScript()): string[] {
  const vars: Record<string, string | number | undefined> = {
    MOLECTL_MODE: inputs.mode,
    MOLECTL_CONTAINER: inputs.containerName,
    MOLECTL_CP_URL: inputs.cpUrl,
    MOLECTL_EXPECTED_FP: inputs.expectedFingerprint,
    MOLECTL_DELIVERY: inputs.delivery,
    MOLECTL_SECRET_ID: inputs.secretArn,
    MOLECTL_SECRET_VERSION: inputs.secretVersionId,
    MOLECTL_PARAMETER: inputs.parameterName,
    MOLECTL_RUN_ID: inputs.runId,
    MOLECTL_HEALTH_TIMEOUT: inputs.healthTimeoutSeconds,
    MOLECTL_AWS_REGION: inputs.awsRegion,
    MOLECTL_WORKSPACE_ID: inputs.workspaceId,
    MOLECTL_WORKSPACE_INSTANCE: inputs.workspaceInstanceId,
  };
  const assignments: string[] = [];
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) continue;
    const text = String(value);
    if (!SAFE_VALUE.test(text))
      throw new UsageError(
        `${name} value "${text}" has characters the tenant script does not accept`,
        'use plain ids, URLs and names',
      );
    assignments.push(`export ${name}='${text}'`);
  }
  return [...assignments, script];
}
