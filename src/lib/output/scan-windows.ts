/**
 * Finding where a shape rule can match without running its pattern over every byte. A pattern
 * that starts with a character class (a base64 run, a hex run, a secret-looking name) is tried
 * at every position of the text, about 100 ms per rule on 10 MB; a trigger (a literal, or a run
 * found by probing every Lth character) finds the few places worth trying in a few ms.
 *
 * Invariant that makes the windowed result equal to the whole-text result: every match of the
 * rule contains a trigger hit, and the window built around a hit contains the whole match. A
 * window starts at the start of the hit's line and ends at a line end, so the patterns' `\b`
 * and look-arounds see the same neighbour there (a newline, or the text's edge) as they would
 * in the whole text.
 */

/** A stretch of text, and (a bit set) which rules may match in it. */
export type Window = [start: number, end: number, rules?: number];

/** Maximal runs of at least `min` characters of a class, found by probing every `min`th character. */
export function findRuns(text: string, min: number, inClass: Uint8Array): Window[] {
  const runs: Window[] = [];
  const n = text.length;
  const member = (i: number): boolean => {
    const c = text.charCodeAt(i);
    return c < 128 && inClass[c] === 1;
  };
  let floor = 0;
  let p = min - 1;
  // Any run of length >= min that starts at or after `floor` contains a multiple-of-`min`
  // probe position past floor, so probing every min-th character misses none.
  while (p < n) {
    if (!member(p)) {
      p += min;
      continue;
    }
    let s = p;
    while (s > floor && member(s - 1)) s--;
    let e = p + 1;
    while (e < n && member(e)) e++;
    if (e - s >= min) runs.push([s, e]);
    floor = e;
    p = e + min;
  }
  return runs;
}

export function charClass(chars: string): Uint8Array {
  const table = new Uint8Array(128);
  for (const c of chars) table[c.charCodeAt(0)] = 1;
  return table;
}

/** Every hit of a literal-led pattern (global flag), as [index, index + length]. */
export function findHits(text: string, trigger: RegExp): Window[] {
  const hits: Window[] = [];
  trigger.lastIndex = 0;
  for (let m = trigger.exec(text); m; m = trigger.exec(text)) {
    hits.push([m.index, m.index + m[0].length]);
    if (m[0].length === 0) trigger.lastIndex++;
  }
  trigger.lastIndex = 0;
  return hits;
}

function lineStart(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

function lineEnd(text: string, at: number): number {
  const i = text.indexOf('\n', at);
  return i < 0 ? text.length : i;
}

/**
 * The window of a hit: from the start of its line to the end of the line after the first
 * non-blank one that follows. Generous on purpose: `NAME:` then a value on the next line
 * (`\s+` crosses newlines), or a quoted value broken by one line end, still fit.
 */
export function windowAround(text: string, hit: Window, rules = 0): Window {
  const start = lineStart(text, hit[0]);
  let end = lineEnd(text, hit[1]);
  let next = end;
  while (next < text.length && /\s/.test(text[next]!)) next++;
  if (next < text.length) end = lineEnd(text, next);
  if (end < text.length) end = lineEnd(text, end + 1);
  return [start, end, rules];
}

/** Sorted, merged windows (touching windows merge, so a match never straddles two). */
export function mergeWindows(windows: Window[]): Window[] {
  windows.sort((a, b) => a[0] - b[0]);
  const merged: Window[] = [];
  for (const w of windows) {
    const last = merged[merged.length - 1];
    if (last && w[0] <= last[1] + 1) {
      last[1] = Math.max(last[1], w[1]);
      last[2] = (last[2] ?? 0) | (w[2] ?? 0);
    } else merged.push([w[0], w[1], w[2] ?? 0]);
  }
  return merged;
}
