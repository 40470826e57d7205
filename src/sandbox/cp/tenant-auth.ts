import { timingSafeEqual } from 'node:crypto';
import type { SandboxState, SimOrg } from '../state.js';

/**
 * The CP's gates. Comparisons are constant-time so the sandbox does not teach a timing-unsafe
 * pattern, and a missing credential never equals an empty secret.
 */

export function safeEqual(given: string | null | undefined, expected: string): boolean {
  if (!given || !expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function readBearer(headers: Record<string, string>): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(headers['authorization'] ?? '');
  return m?.[1] ?? null;
}

/**
 * The tenant→CP gate of /cp/workspaces/*: bearer must be PROVISION_SHARED_SECRET and the admin
 * token must be an org's (that org's, when the org id is given).
 */
export function checkTenantCredentials(
  state: SandboxState,
  creds: { bearer: string | null; adminToken: string | null; orgId: string | null },
): SimOrg | null {
  if (!safeEqual(creds.bearer, state.provisionSharedSecret)) return null;
  for (const org of state.orgs.values()) {
    if (creds.orgId && org.id !== creds.orgId) continue;
    if (safeEqual(creds.adminToken, org.adminToken)) return org;
  }
  return null;
}
