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

  it('follows empty pages, but not without end', async () => {
    let asked = 0;
    const found = await collectPages(
      async (token) => {
        asked++;
        const n = Number(token ?? 0);
        return n < 500 ? { items: [] as number[], next: String(n + 1) } : { items: [7] };
      },
      (p: { items: number[]; next?: string }) => ({ items: p.items, nextToken: p.next }),
    );
    expect(found).toEqual([7]);
    expect(asked).toBe(501);
    await expect(
      collectPages(
        async (token) => ({ items: [] as number[], next: String(Number(token ?? 0) + 1) }),
        (p) => ({ items: p.items, nextToken: p.next }),
      ),
    ).rejects.toThrow('1000 empty pages in a row');
  });

  it('splits ids into batches', () => {
    expect(chunkIds([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunkIds([], 50)).toEqual([]);
  });
});
