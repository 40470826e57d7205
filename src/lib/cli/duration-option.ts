import { z } from 'zod';
import { parseDurationMs } from '../cli/parse-options.js';

/** Unless a flag says otherwise, no duration is longer than a week: longer is a typo, not a plan. */
const DEFAULT_MAX_MS = 7 * 24 * 3600_000;

/**
 * A duration flag (`30m`, `90s`, `2h`, `1d`) as a zod schema giving milliseconds, so that
 * parseOptions reports a bad value as `--timeout: ...` with the accepted forms. Every duration is
 * bounded: a 400-digit `--soak` once became Infinity and the run changed its canary before
 * anything noticed.
 */
export function durationOption(options: { minMs?: number; maxMs?: number } = {}): z.ZodType<number, string> {
  const minMs = options.minMs ?? 1;
  const maxMs = options.maxMs ?? DEFAULT_MAX_MS;
  return z.string().transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms === null || !Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `"${text.length > 40 ? `${text.slice(0, 40)}...` : text}" is not a duration; write it like 90s, 15m, 2h or 1d` });
      return z.NEVER;
    }
    if (ms < minMs) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${describeMs(minMs)}` });
      return z.NEVER;
    }
    if (ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${describeMs(maxMs)}` });
      return z.NEVER;
    }
    return ms;
  });
}

function describeMs(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms} ms`;
}
