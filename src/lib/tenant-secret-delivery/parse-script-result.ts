/**
 * The one result line the tenant script prints: `MOLECTL_RESULT {json}`. A host that exits 0
 * without a valid line is "unverified": success is what the script proves, not what SSM says.
 */

export interface TenantScriptResult {
  status: string;
  reason?: string;
  fingerprint?: string;
  previousFingerprint?: string;
  containerId?: string;
  durable?: boolean;
  updaterPatched?: boolean;
  health?: string;
  backupContainer?: string;
  httpStatus?: string;
  // cp-auth-check fields: which proof, and the statuses seen without and with credentials
  proof?: 'workspace-status' | 'differential';
  unauthStatus?: string;
  authStatus?: string;
  state?: string;
  workspaceId?: string;
  // probe fields
  container?: boolean;
  running?: boolean;
  image?: string;
  hasSecret?: boolean;
  hasUrl?: boolean;
  cpUrl?: string;
  durableFingerprint?: string;
  userDataFingerprint?: string;
  /** Names of env values with a line break (comma-separated), which the recreate cannot carry. */
  multilineEnv?: string;
  /** MOLECULE_CP_SHARED_SECRET / MOLECULE_CP_URL when set more than once with different values. */
  conflictingEnv?: string;
  /** The `docker run` options (comma-separated) of settings the recreate cannot carry over. */
  uncarriedConfig?: string;
  updater?: string;
  python3?: boolean;
  awsHost?: boolean;
  awsContainer?: boolean;
}

const PREFIX = 'MOLECTL_RESULT ';

export function parseScriptResult(stdout: string): TenantScriptResult | null {
  const lines = stdout.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith(PREFIX)) continue;
    try {
      const parsed = JSON.parse(line.slice(PREFIX.length)) as unknown;
      if (parsed && typeof parsed === 'object' && typeof (parsed as { status?: unknown }).status === 'string') {
        return parsed as TenantScriptResult;
      }
    } catch {
      return null;
    }
    return null;
  }
  return null;
}

/**
 * Why a probe's result says nothing about the container, or null when it does (status `probed`).
 * `docker-unavailable` (the daemon did not answer, or refused this user) is not "no container":
 * the host was not seen.
 */
export function probeNotRead(result: TenantScriptResult): string | null {
  if (result.status === 'probed') return null;
  if (result.status === 'docker-unavailable')
    return `docker did not answer on the host: ${result.reason ?? 'no reason given'}`;
  return `the probe ended with status ${result.status}${result.reason ? ` (${result.reason})` : ''}`;
}
