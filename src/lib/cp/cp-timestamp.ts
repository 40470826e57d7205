/**
 * A CP timestamp (`created_at`) in milliseconds since the epoch, or NaN. Only RFC 3339 with its
 * zone (`Z` or `+hh:mm`) is read: JavaScript reads a date-time without a zone as the local time
 * of the machine molectl runs on, so "2026-12-07 20:00:00" (a timestamp column printed as text,
 * UTC without saying so) would make an org look hours older east of UTC, and `org gc` deletes by
 * age. An age molectl would have to guess is unknown instead.
 */
export function parseCpTimestamp(text: string | null | undefined): number {
  if (typeof text !== 'string') return NaN;
  const m = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([Zz]|[+-]\d{2}:?\d{2})$/.exec(text.trim());
  if (!m) return NaN;
  const zone = m[3]!.toUpperCase() === 'Z' ? 'Z' : m[3]!.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  return Date.parse(`${m[1]}T${m[2]}${zone}`);
}
