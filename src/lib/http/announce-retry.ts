import type { RetryInfo } from './http-request.js';

/** A retry wait this long is said on stderr, not only with --verbose: someone is watching a pause. */
export const LONG_RETRY_WAIT_MS = 5_000;

/**
 * How a client tells about the HTTP door's retries: a short one only with --verbose, a long one
 * (a Retry-After of a minute, a backoff near its cap) always, with how long and why; and so is a
 * retry after a long silence (an attempt that timed out after 20 s), lest a hung call look hung.
 */
export function createRetryAnnouncer(out: {
  warn(text: string): void;
  verbose(text: string): void;
}): (info: RetryInfo) => void {
  return (info) => {
    const text = `retrying ${info.method} ${info.url} (${info.attempt}/${info.maxAttempts}) in ${(info.delayMs / 1000).toFixed(1)}s after ${info.reason}`;
    if (info.delayMs >= LONG_RETRY_WAIT_MS || (info.waitedMs ?? 0) >= LONG_RETRY_WAIT_MS) out.warn(text);
    else out.verbose(text);
  };
}
