import { z } from 'zod';
import { parseDurationMs } from '../cli/parse-options.js';

/**
 * A duration flag (`30m`, `90s`, `2h`, `1d`) as a zod schema giving milliseconds, so that
 * parseOptions reports a bad value as `--timeout: ...` with the accepted forms.
 */
export function durationOption(options: { minMs?: number } = {}): z.ZodType<number, string> {
  const minMs = options.minMs ?? 1;
  return z.string().transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration; write it like 90s, 15m, 2h or 1d` });
      return z.NEVER;
    }
    if (ms < minMs) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${minMs} ms` });
      return z.NEVER;
    }
    return ms;
  });
}
