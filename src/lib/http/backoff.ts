/** Retry timing for the HTTP door: exponential backoff with full jitter, and Retry-After. */

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  random: () => number;
}

/**
 * Delay before retry number `retryIndex` (0 for the first retry): a uniform pick in
 * [0, min(maxMs, baseMs * 2^retryIndex)). Full jitter spreads a fleet of callers that all
 * failed at the same moment instead of having them return in lockstep.
 */
export function computeBackoffDelay(retryIndex: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** retryIndex);
  return Math.floor(options.random() * ceiling);
}

/**
 * A Retry-After header as milliseconds from `nowMs`: either delta-seconds or an HTTP-date.
 * Returns undefined when absent or unreadable (the caller falls back to backoff).
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
