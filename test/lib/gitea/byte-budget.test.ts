import { describe, expect, it } from 'vitest';
import { ByteBudget } from '../../../src/lib/gitea/byte-budget.js';

describe('ByteBudget', () => {
  it('holds work back until bytes are released, first come first served, and lets an oversized item run alone', async () => {
    const budget = new ByteBudget(10);
    const started: string[] = [];
    await budget.acquire(6);
    started.push('a');
    const b = budget.acquire(6).then(() => started.push('b'));
    const c = budget.acquire(2).then(() => started.push('c'));
    await Promise.resolve();
    expect(started).toEqual(['a']);
    budget.release(6);
    await Promise.all([b, c]);
    expect(started).toEqual(['a', 'b', 'c']);
    budget.release(6);
    budget.release(2);
    await budget.acquire(50);
    started.push('huge');
    expect(started.at(-1)).toBe('huge');
  });
});
