import type { ApplySettings } from '../tenant-secret-delivery/apply-migration.js';
import { parseWaveSpec } from '../fleet/plan-waves.js';
import { hostScriptTimeoutSeconds } from '../tenant-secret-delivery/tenant-script.js';
import { DEFAULT_FLEET_CONCURRENCY } from '../ssm/fleet-concurrency.js';
import type { ParsedFlags } from '../cli/flag-declaration.js';
import { countFlag, durationFlag } from '../cli/flags.js';
import {
  breakLockFlag,
  canaryFlag,
  healthTimeoutFlag,
  maxErrorsFlag,
  soakFlag,
  wavesFlag,
} from '../cli/shared-flags.js';

/** Flags `secrets rotate` and `secrets rollback` share: how tenants are changed and how long Railway may take. */
export const consumerFlags = {
  canary: canaryFlag('tenant changed first and soaked (default: the first the engine picks)'),
  waves: wavesFlag('tenant wave sizes after the canary: counts or cumulative percentages'),
  maxErrors: maxErrorsFlag('tenant failures tolerated before the tenant step fails'),
  soak: soakFlag('how long the tenant canary is watched (its CP authentication is checked too)'),
  healthTimeout: healthTimeoutFlag("how long a tenant waits for its new container's /health"),
  deployTimeout: durationFlag('--deploy-timeout <duration>', 'how long a Railway redeploy may take', {
    minMs: 1000,
    maxMs: 6 * 3600_000,
    default: '10m',
  }),
  acceptUnreachable: countFlag(
    '--accept-unreachable <n>',
    'tenants that may stay unverified (agent offline, probe failed) without stopping the rotation; they are named as left behind',
    { min: 0, max: 100_000, default: 0 },
  ),
  breakLock: breakLockFlag('take over an expired fleet lock left by a dead run'),
};

export type ConsumerOptions = ParsedFlags<typeof consumerFlags>;

export function toApplySettings(input: {
  canary?: string | undefined;
  waves: string;
  maxErrors: number;
  soak: number;
  healthTimeout: number;
}): ApplySettings {
  return {
    ...(input.canary ? { canary: input.canary } : {}),
    waves: parseWaveSpec(input.waves),
    maxErrors: input.maxErrors,
    soakMs: input.soak,
    delivery: 'secrets-manager',
    maxConcurrency: DEFAULT_FLEET_CONCURRENCY,
    healthTimeoutSeconds: Math.ceil(input.healthTimeout / 1000),
    hostTimeoutSeconds: hostScriptTimeoutSeconds(Math.ceil(input.healthTimeout / 1000)),
  };
}
