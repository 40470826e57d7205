import { describe, expect, it } from 'vitest';
import { computeBackoffDelay, parseRetryAfter } from '../../../src/lib/http/backoff.js';

describe('computeBackoffDelay', () => {
  it('draws uniformly under an exponentially growing, capped ceiling (full jitter)', () => {
    const options = { baseMs: 250, maxMs: 2_000, random: () => 0.999 };
    expect([0, 1, 2, 3, 4].map((i) => computeBackoffDelay(i, options))).toEqual([249, 499, 999, 1998, 1998]);
    expect(computeBackoffDelay(3, { ...options, random: () => 0 })).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-22T21:00:00Z');
  it.each([
    ['5', 5_000],
    ['0', 0],
    ['Sun, 22 Nov 2026 21:00:30 GMT', 30_000],
    ['Sun, 22 Nov 2026 20:59:00 GMT', 0],
    ['soon', undefined],
    ['-3', undefined],
    ['1.5', undefined],
    [null, undefined],
  ])('reads %s as %s ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
