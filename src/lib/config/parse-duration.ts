/**
 * Durations as people write them, in flags, variables (MOLECTL_LOCK_TTL) and checklist files:
 * "90s", "15m", "2h", "1d", "500ms" or a plain number of seconds. One reader for all of them.
 */
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

/** A bound as a person would write it back: 7d, 1h, 90s. */
export function describeDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms} ms`;
}
