import { createSecret } from './aws/secrets-store.js';
import { completeOrgProvisioning, createOrgRow } from './cp/launch-org.js';
import type { SandboxState } from './state.js';
import { SANDBOX_TAGS } from './state.js';

/**
 * The fleet a sandbox starts with: `tenants` orgs already running, the first `preCutover` of
 * them provisioned before the 2026-04-19 cutover (no MOLECULE_CP_SHARED_SECRET/MOLECULE_CP_URL),
 * and the CP's shared secret in Secrets Manager. Slugs are stable (acme, beta, gamma, ...;
 * then acme-2, beta-2, ...) so fault specs and docs can name them. No disk work happens here:
 * hosts are materialised when first used.
 */

export const SEED_SLUGS = [
  'acme',
  'beta',
  'gamma',
  'delta',
  'epsilon',
  'zeta',
  'eta',
  'theta',
  'iota',
  'kappa',
  'lambda',
  'mu',
  'nu',
  'xi',
  'omicron',
  'pi',
  'rho',
  'sigma',
  'tau',
  'upsilon',
  'phi',
  'chi',
  'psi',
  'omega',
] as const;

export interface SeedFleetOptions {
  tenants: number;
  /** Default: half of the tenants (rounded down). */
  preCutover?: number;
  /** Default 1. */
  workspacesPerTenant?: number;
}

export function getSeedSlug(index: number): string {
  const word = SEED_SLUGS[index % SEED_SLUGS.length] ?? 'org';
  const round = Math.floor(index / SEED_SLUGS.length);
  return round === 0 ? word : `${word}-${round + 1}`;
}

export function seedFleet(state: SandboxState, options: SeedFleetOptions): void {
  if (!state.secrets.has(state.cpSharedSecretId)) {
    createSecret(state, state.cpSharedSecretId, state.provisionSharedSecret, [{ ...SANDBOX_TAGS.managedBy }], {
      description: 'PROVISION_SHARED_SECRET of the control plane (MOLECULE_CP_SHARED_SECRET on tenants)',
    });
  }
  const preCutover = Math.min(options.tenants, options.preCutover ?? Math.floor(options.tenants / 2));
  const workspaces = options.workspacesPerTenant ?? 1;
  const preStart = Date.parse('2026-01-05T09:00:00Z');
  const postStart = Date.parse('2026-04-20T09:00:00Z');
  for (let i = 0; i < options.tenants; i++) {
    const slug = getSeedSlug(i);
    const isPre = i < preCutover;
    const createdAt = new Date(isPre ? preStart + i * 3_600_000 : postStart + (i - preCutover) * 3_600_000);
    const org = createOrgRow(state, {
      slug,
      name: `${slug.charAt(0).toUpperCase()}${slug.slice(1)} Inc`,
      ownerUserId: `user-${String(i + 1).padStart(4, '0')}`,
      preCutover: isPre,
      createdAt,
    });
    completeOrgProvisioning(state, org, workspaces);
  }
}
