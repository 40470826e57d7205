import type { SandboxState } from '../state.js';

/**
 * Account-level API rate limits, as AWS applies them: a token bucket per action that refills at
 * `perSecond` and holds at most `burst`; a request finding it empty is answered with the
 * service's throttling error (ThrottlingException, 400, "Rate exceeded" for SSM) before it acts.
 *
 * AWS does not publish SSM's per-action rates (they are per account and region, shared with every
 * other caller). The defaults (state.ts defaultFaults) are the sandbox's assumption, generous
 * enough for any single molectl run that paces itself, low enough that one that did not would
 * meet them; `--faults api-rate=...` sets others.
 */

interface Bucket {
  tokens: number;
  at: number;
}

const buckets = new WeakMap<SandboxState, Map<string, Bucket>>();

/** Takes a token for this action; false when its bucket is empty (answer with a throttle). */
export function takeApiToken(state: SandboxState, action: string, now = Date.now()): boolean {
  const limit = state.faults.apiRates[action];
  if (!limit) return true;
  let perState = buckets.get(state);
  if (!perState) {
    perState = new Map();
    buckets.set(state, perState);
  }
  let bucket = perState.get(action);
  if (!bucket) {
    bucket = { tokens: limit.burst, at: now };
    perState.set(action, bucket);
  }
  bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond);
  bucket.at = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}
