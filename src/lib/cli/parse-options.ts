import type { z } from 'zod';
import { UsageError } from '../errors.js';

/**
 * Validates a command's options once, turning the first problem into a one-line usage error
 * that names the flag (`--timeout`) rather than the schema key (`timeout`).
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, hint?: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const key = issue.path.map(String).join('.');
  const flag = key ? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : 'input';
  throw new UsageError(`${flag}: ${issue.message}`, hint ?? 'see --help for the accepted values');
}

/** Parses "90s", "15m", "2h", "1d" or a plain number of seconds into milliseconds. */
export function parseDurationMs(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return null;
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!;
  const ms = Math.round(value * factor);
  // A run of digits too long for a number is not a duration anyone meant.
  return Number.isFinite(ms) ? ms : null;
}
