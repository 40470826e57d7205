import { ConfigError } from '../errors.js';
import type { EnvVars } from './env.js';
import { describeDurationMs, parseDurationMs } from './parse-duration.js';

/**
 * MOLECTL_CALL_TIMEOUT: how long one attempt of a remote call (CP, AWS, Gitea, Railway, tenants)
 * may take, answer body included. Unset, each door keeps its own default (CALL_TIMEOUT_DEFAULTS).
 * Longer for a slow VPN or proxy; shorter for a script that would rather fail fast. A flag or a
 * checklist `timeout:` made for one call (`--cascade-timeout`, `--deploy-timeout`) still wins.
 */
export const CALL_TIMEOUT_VARIABLE = 'MOLECTL_CALL_TIMEOUT';

export const MIN_CALL_TIMEOUT_MS = 100;
export const MAX_CALL_TIMEOUT_MS = 3_600_000;

/**
 * The per-attempt default of the doors that set their own when MOLECTL_CALL_TIMEOUT is unset; the
 * CP's is the HTTP door's (DEFAULT_TIMEOUT_MS, 20 s), verify's CHECK_TIMEOUT_MS (10 s).
 */
export const CALL_TIMEOUT_DEFAULTS = {
  aws: 30_000,
  consumer: 20_000,
} as const;

/** The value MOLECTL_CALL_TIMEOUT sets, or undefined; a ConfigError (exit 3) for a value it refuses. */
export function readCallTimeoutMs(env: EnvVars): number | undefined {
  const text = env.MOLECTL_CALL_TIMEOUT;
  if (text === undefined || text === '') return undefined;
  const ms = parseDurationMs(text);
  if (ms === null || ms < MIN_CALL_TIMEOUT_MS || ms > MAX_CALL_TIMEOUT_MS)
    throw new ConfigError(
      `${CALL_TIMEOUT_VARIABLE} "${text}" is not a duration between ${describeDurationMs(MIN_CALL_TIMEOUT_MS)} and ${describeDurationMs(MAX_CALL_TIMEOUT_MS)}`,
      `write it like 30s or 2m (a bare number is seconds), or unset it for the defaults`,
    );
  return ms;
}

/** The hint's clause that says how to wait longer, for a call that waited `ms` per attempt. */
export function describeCallTimeoutKnob(ms: number): string {
  return `it waited ${describeDurationMs(ms)} per attempt; set ${CALL_TIMEOUT_VARIABLE} (e.g. ${CALL_TIMEOUT_VARIABLE}=${describeDurationMs(Math.min(MAX_CALL_TIMEOUT_MS, Math.max(60_000, ms * 3)))}) to wait longer`;
}
