import { describe, expect, it } from 'vitest';
import { parseBatch } from '../../../src/lib/gitea/index-copies.js';

const OID = 'e8032218c0cdbfcca8db3638eb01a983a4ff6321';

describe('parseBatch', () => {
  it.each([
    { name: 'one blob', output: `${OID} blob 3\nabc\n`, asked: ['a'], expected: { a: 'abc' } },
    { name: 'an empty blob', output: `${OID} blob 0\n\n`, asked: ['a'], expected: { a: '' } },
    {
      name: 'a blob holding newlines, then another',
      output: `${OID} blob 4\na\nb\n\n${OID} blob 1\nz\n`,
      asked: ['a', 'b'],
      expected: { a: 'a\nb\n', b: 'z' },
    },
    {
      name: 'a missing name between two blobs',
      output: `${OID} blob 1\nx\n:./gone missing\n${OID} blob 1\ny\n`,
      asked: ['a', 'gone', 'b'],
      expected: { a: 'x', gone: undefined, b: 'y' },
    },
    { name: 'output cut short', output: `${OID} blob 9\nabc`, asked: ['a'], expected: { a: undefined } },
    {
      name: 'something that is not a blob',
      output: `${OID} tree 2\nxy\n${OID} blob 1\nz\n`,
      asked: ['t', 'b'],
      expected: { t: undefined, b: 'z' },
    },
  ])('$name', ({ output, asked, expected }) => {
    const copies = new Map<string, Buffer | undefined>(asked.map((path) => [path, undefined]));
    parseBatch(Buffer.from(output), asked, copies);
    expect(Object.fromEntries([...copies].map(([path, bytes]) => [path, bytes?.toString()]))).toEqual(expected);
  });
});
