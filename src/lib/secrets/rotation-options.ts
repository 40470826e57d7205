import type { Command } from 'commander';
import { z } from 'zod';
import type { ApplySettings } from '../cp-secret/apply-migration.js';
import { parseWaveSpec } from '../fleet/plan-waves.js';
import { countOption } from '../cli/count-option.js';
import { durationOption } from '../cli/duration-option.js';

/** Flags `secrets rotate` and `secrets rollback` share: how tenants are changed and how long Railway may take. */

export const consumerOptionsShape = {
  canary: z.string().regex(/^[a-z][a-z0-9-]{1,31}$/, 'must be an org slug').optional(),
  waves: z.string().default('1,5,25%,100%'),
  maxErrors: countOption({ min: 0, max: 100_000 }).default(0),
  soak: durationOption({ minMs: 0, maxMs: 24 * 3600_000 }).default(60_000),
  healthTimeout: durationOption({ minMs: 1000, maxMs: 3600_000 }).default(90_000),
  deployTimeout: durationOption({ minMs: 1000, maxMs: 6 * 3600_000 }).default(600_000),
  acceptUnreachable: countOption({ min: 0, max: 100_000 }).default(0),
  breakLock: z.boolean().default(false),
};

export function declareConsumerOptions(cmd: Command): Command {
  return cmd
    .option('--canary <slug>', 'tenant changed first and soaked (default: the first the engine picks)')
    .option('--waves <spec>', 'tenant wave sizes after the canary: counts or cumulative percentages', '1,5,25%,100%')
    .option('--max-errors <n>', 'tenant failures tolerated before the tenant step fails', '0')
    .option('--soak <duration>', 'how long the tenant canary is watched (its CP authentication is checked too)', '60s')
    .option('--health-timeout <duration>', 'how long a tenant waits for its new container\'s /health', '90s')
    .option('--deploy-timeout <duration>', 'how long a Railway redeploy may take', '10m')
    .option('--accept-unreachable <n>', 'tenants that may stay unverified (agent offline, probe failed) without stopping the rotation; they are named as left behind', '0')
    .option('--break-lock', 'take over an expired fleet lock left by a dead run');
}

export function toApplySettings(input: { canary?: string | undefined; waves: string; maxErrors: number; soak: number; healthTimeout: number }): ApplySettings {
  return {
    ...(input.canary ? { canary: input.canary } : {}),
    waves: parseWaveSpec(input.waves),
    maxErrors: input.maxErrors,
    soakMs: input.soak,
    delivery: 'secrets-manager',
    maxConcurrency: 50,
    healthTimeoutSeconds: Math.ceil(input.healthTimeout / 1000),
    hostTimeoutSeconds: Math.ceil(input.healthTimeout / 1000) + 240,
  };
}
