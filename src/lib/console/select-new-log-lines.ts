/**
 * `molectl logs --follow` (pure): each poll asks docker for lines since the newest timestamp seen
 * (docker's --since is inclusive), so the first lines of an answer may repeat what was printed.
 * Lines are new when their timestamp is later, or equal but not among those already printed at
 * that timestamp. Memory stays bounded by the lines of one timestamp.
 */

export interface LogCursor {
  /** RFC 3339 timestamp of the newest line printed, or null before the first. */
  since: string | null;
  /** Lines already printed that carry exactly `since`. */
  atSince: Set<string>;
}

const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z) /;

export function createLogCursor(): LogCursor {
  return { since: null, atSince: new Set() };
}

/** Returns the new lines (timestamps kept) and advances the cursor. */
export function selectNewLogLines(lines: string[], cursor: LogCursor): string[] {
  const fresh: string[] = [];
  for (const line of lines) {
    const stamp = STAMP.exec(line)?.[1];
    if (!stamp) continue; // a line without docker's timestamp cannot be placed; docker always adds one with -t
    const order = cursor.since === null ? 1 : compareStamps(stamp, cursor.since);
    if (order < 0 || (order === 0 && cursor.atSince.has(line))) continue;
    if (order > 0) {
      cursor.since = stamp;
      cursor.atSince = new Set();
    }
    cursor.atSince.add(line);
    fresh.push(line);
  }
  return fresh;
}

export function stripLogTimestamp(line: string): string {
  return line.replace(STAMP, '');
}

/** Compares RFC 3339 UTC stamps, fractional seconds of any length included. */
function compareStamps(a: string, b: string): number {
  const [as, af = ''] = a.slice(0, -1).split('.');
  const [bs, bf = ''] = b.slice(0, -1).split('.');
  if (as !== bs) return as! < bs! ? -1 : 1;
  const width = Math.max(af.length, bf.length);
  const x = af.padEnd(width, '0');
  const y = bf.padEnd(width, '0');
  return x === y ? 0 : x < y ? -1 : 1;
}
