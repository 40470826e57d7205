import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_VALUE_BYTES, normalizeValue, readValueInput } from '../../../src/lib/secrets/read-value-input.js';
import { absentPath } from '../../helpers/absent-path.js';

describe('normalizeValue', () => {
  it.each([
    ['abc', 'abc', false],
    ['abc\n', 'abc', true],
    ['abc\r\n', 'abc', true],
    ['abc\n\n', 'abc\n', true],
    ['line 1\nline 2', 'line 1\nline 2', false],
    ['-----BEGIN KEY-----\nAAA\n-----END KEY-----\n', '-----BEGIN KEY-----\nAAA\n-----END KEY-----', true],
    [' padded ', ' padded ', false],
  ])('%j is stored as %j', (input, value, stripped) => {
    expect(normalizeValue(Buffer.from(input), 'f')).toEqual({ value, strippedNewline: stripped, source: 'f' });
  });

  it.each(['', '\n', '\r\n'])('refuses %j as empty (exit 2)', (input) => {
    expect(() => normalizeValue(Buffer.from(input), 'f')).toThrow(expect.objectContaining({ code: 2 }));
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(() => normalizeValue(Buffer.from([0xff, 0xfe, 0x41]), 'f')).toThrow(/not valid UTF-8/);
  });
});

describe('readValueInput', () => {
  it('reads stdin for -', async () => {
    expect((await readValueInput('-', Readable.from([Buffer.from('a'), Buffer.from('b\n')]))).toString()).toBe('ab\n');
  });

  it('stops past the size cap', async () => {
    await expect(readValueInput('-', Readable.from([Buffer.alloc(MAX_VALUE_BYTES + 1)]))).rejects.toThrow(
      /larger than/,
    );
  });

  it('names the file and the cause when it cannot read it (exit 2)', async () => {
    await expect(readValueInput(absentPath('value'), Readable.from([]))).rejects.toThrow(
      expect.objectContaining({ code: 2, message: expect.stringContaining('ENOENT') }),
    );
  });
});
