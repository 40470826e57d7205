import { describe, expect, it } from 'vitest';
import { chunkIds, collectPages } from '../../../src/lib/aws/collect-pages.js';

describe('collectPages', () => {
  it('follows NextToken to the end and keeps the order', async () => {
    const pages: Record<string, { items: number[]; next?: string }> = {
      start: { items: [1, 2], next: 'a' },
      a: { items: [], next: 'b' },
      b: { items: [3] },
    };
    const asked: (string | undefined)[] = [];
    const all = await collectPages(
      async (token) => {
        asked.push(token);
        return pages[token ?? 'start']!;
      },
      (page) => ({ items: page.items, nextToken: page.next }),
    );
    expect(all).toEqual([1, 2, 3]);
    expect(asked).toEqual([undefined, 'a', 'b']);
  });

  it('stops with an error instead of looping on a repeated token', async () => {
    await expect(
      collectPages(
        async () => ({ items: [1], next: 'same' }),
        (p) => ({ items: p.items, nextToken: p.next }),
      ),
    ).rejects.toThrow('same page token twice');
  });

  it('splits ids into batches', () => {
    expect(chunkIds([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunkIds([], 50)).toEqual([]);
  });
});
