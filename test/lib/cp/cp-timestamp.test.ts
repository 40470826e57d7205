import { describe, expect, it } from 'vitest';
import { parseCpTimestamp } from '../../../src/lib/cp/cp-timestamp.js';

describe('parseCpTimestamp', () => {
  it.each([
    ['2026-12-07T20:00:00Z', Date.UTC(2026, 11, 7, 20)],
    ['2026-12-07T20:00:00.123456Z', Date.UTC(2026, 11, 7, 20, 0, 0, 123)],
    ['2026-12-07 20:00:00z', Date.UTC(2026, 11, 7, 20)],
    ['2026-12-07T21:00:00+01:00', Date.UTC(2026, 11, 7, 20)],
    ['2026-12-07T15:30:00-0430', Date.UTC(2026, 11, 7, 20)],
  ])('reads %s', (text, ms) => {
    expect(parseCpTimestamp(text)).toBe(ms);
  });

  it.each([
    '2026-12-07 20:00:00',
    '2026-12-07T20:00:00',
    '2026-12-07',
    '12/07/2026 20:00',
    'Mon, 07 Dec 2026 20:00:00 GMT',
    '1765137600',
    '',
  ])('will not guess a zone or a format: %j is NaN', (text) => {
    expect(parseCpTimestamp(text)).toBeNaN();
  });

  it('is NaN for no value', () => {
    expect(parseCpTimestamp(null)).toBeNaN();
    expect(parseCpTimestamp(undefined)).toBeNaN();
  });
});
