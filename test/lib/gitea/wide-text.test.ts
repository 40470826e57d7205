import { describe, expect, it } from 'vitest';
import { decodeWideText, wideTextEncoding } from '../../../src/lib/gitea/wide-text.js';

const TEXT = 'See https://github.com/Molecule-AI/x — 仓库 😀\r\n';

function encode(text: string, encoding: string): Buffer {
  const units = Buffer.from(`\uFEFF${text}`, 'utf16le');
  if (encoding === 'UTF-16LE') return units;
  if (encoding === 'UTF-16BE') return Buffer.from(units).swap16();
  const points = [...`\uFEFF${text}`].map((c) => c.codePointAt(0)!);
  const bytes = Buffer.alloc(points.length * 4);
  points.forEach((p, i) => (encoding === 'UTF-32LE' ? bytes.writeUInt32LE(p, i * 4) : bytes.writeUInt32BE(p, i * 4)));
  return bytes;
}

describe('wideTextEncoding and decodeWideText', () => {
  it.each(['UTF-16LE', 'UTF-16BE', 'UTF-32LE', 'UTF-32BE'])('%s with its mark decodes to the text', (encoding) => {
    const bytes = encode(TEXT, encoding);
    expect(wideTextEncoding(bytes)).toBe(encoding);
    expect(decodeWideText(bytes, wideTextEncoding(bytes)!)).toBe(TEXT);
  });

  it.each([
    { name: 'UTF-8 with its mark', bytes: Buffer.from(`\uFEFF${TEXT}`) },
    { name: 'ASCII', bytes: Buffer.from('github.com') },
    { name: 'UTF-16 without a mark', bytes: Buffer.from('github', 'utf16le') },
    { name: 'an empty file', bytes: Buffer.alloc(0) },
    { name: 'a binary file starting with NULs', bytes: Buffer.from([0, 0, 1, 0]) },
  ])('$name is not wide text', ({ bytes }) => {
    expect(wideTextEncoding(bytes)).toBeUndefined();
  });

  it.each([
    { name: 'UTF-16LE cut in the middle of a unit', bytes: Buffer.from([0xff, 0xfe, 0x61, 0, 0x62]), expected: 'a' },
    {
      name: 'UTF-32BE past the last code point',
      bytes: Buffer.from([0, 0, 0xfe, 0xff, 0, 0x11, 0, 0]),
      expected: '\uFFFD',
    },
    { name: 'UTF-32LE holding a surrogate', bytes: Buffer.from([0xff, 0xfe, 0, 0, 0, 0xd8, 0, 0]), expected: '\uFFFD' },
    { name: 'just a mark', bytes: Buffer.from([0xfe, 0xff]), expected: '' },
  ])('$name', ({ bytes, expected }) => {
    expect(decodeWideText(bytes, wideTextEncoding(bytes)!)).toBe(expected);
  });
});
