import { describe, expect, it } from 'vitest';
import { formatCount } from '../../../src/lib/output/format-count.js';

describe('a count and its noun', () => {
  it.each([
    [0, 'tenant', undefined, '0 tenants'],
    [1, 'tenant', undefined, '1 tenant'],
    [2, 'managed instance', undefined, '2 managed instances'],
    [1, 'entry', 'entries', '1 entry'],
    [3, 'entry', 'entries', '3 entries'],
  ])('%i %s', (n, singular, plural, said) => {
    expect(formatCount(n, singular, plural)).toBe(said);
  });
});
