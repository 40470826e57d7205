/**
 * UTF-16 and UTF-32 text with a byte-order mark (Windows .reg and PowerShell exports, some .rc and
 * .vcxproj files). Its ASCII letters are spelt with NULs between them, so neither git grep's terms
 * nor a latin1 reading of the bytes ever sees `github.com/<owner>` in it, and the NULs make it look
 * binary. Such a file is decoded to be judged; it is never written back (rewrite-files.ts). Pure.
 */

export type WideEncoding = 'UTF-16LE' | 'UTF-16BE' | 'UTF-32LE' | 'UTF-32BE';

/** The encoding the file's byte-order mark names; undefined for anything else (UTF-8's mark included). */
export function wideTextEncoding(bytes: Uint8Array): WideEncoding | undefined {
  const [a, b, c, d] = bytes;
  // UTF-32LE's mark starts like UTF-16LE's: asked first.
  if (a === 0xff && b === 0xfe && c === 0 && d === 0) return 'UTF-32LE';
  if (a === 0 && b === 0 && c === 0xfe && d === 0xff) return 'UTF-32BE';
  if (a === 0xff && b === 0xfe) return 'UTF-16LE';
  if (a === 0xfe && b === 0xff) return 'UTF-16BE';
  return undefined;
}

/**
 * The text after the mark. A unit cut short at the end is dropped, and a UTF-32 value that is not
 * a code point reads as U+FFFD: the text is only judged, never written back.
 */
export function decodeWideText(bytes: Buffer, encoding: WideEncoding): string {
  if (encoding === 'UTF-16LE') return bytes.toString('utf16le', 2, bytes.length - (bytes.length % 2));
  if (encoding === 'UTF-16BE') {
    const swapped = Buffer.from(bytes.subarray(2, bytes.length - (bytes.length % 2)));
    return swapped.swap16().toString('utf16le');
  }
  const little = encoding === 'UTF-32LE';
  const chars: string[] = [];
  for (let at = 4; at + 4 <= bytes.length; at += 4) {
    const value = little ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at);
    const isCodePoint = value <= 0x10ffff && (value < 0xd800 || value > 0xdfff);
    chars.push(String.fromCodePoint(isCodePoint ? value : 0xfffd));
  }
  return chars.join('');
}
