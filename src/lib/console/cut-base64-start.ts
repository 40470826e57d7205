/**
 * A base64 block whose start was cut off (pure). `base64` wraps at 76 columns; when EC2's 64 KB
 * window, `docker logs --tail`, a log rotation or a `--follow` poll starts inside such a block,
 * the lines left decode to the tail of what was encoded: an env file's value without the
 * `ADMIN_TOKEN=` before it, which no shape rule can recognise. The rule: at the very start of
 * cut text, a run of base64 lines that decodes (at any alignment) to printable text is a secret
 * until shown otherwise, and is replaced whole. Binary data (a certificate's body, random ids,
 * hashes) decodes to unprintable bytes and stays; a block that is not cut is judged by its
 * content (shape-rules.ts), as everywhere else.
 */

/** A base64 line, after docker's `--timestamps` prefix when there is one. */
const BASE64_LINE = /^(?:\d{4}-\d{2}-\d{2}T[\d:.]+Z )?([A-Za-z0-9+/]+={0,2})\r?$/;
/** Less decodes to fewer bytes than any secret worth the name, and too little to judge. */
const MIN_DECODED_BYTES = 12;

/**
 * Where the leading run of base64 lines of `text` ends (the index after its last line's newline,
 * or the text's end), if it decodes to printable text; else -1. `skipFirstLine`: the first line is
 * a fragment that the caller drops (a window cut mid-line); the run is looked for after it.
 */
export function findCutBase64Run(text: string, skipFirstLine: boolean): { start: number; end: number } | null {
  let at = 0;
  if (skipFirstLine) {
    const newline = text.indexOf('\n');
    if (newline < 0) return null;
    at = newline + 1;
  }
  const start = at;
  let encoded = '';
  while (at < text.length) {
    const newline = text.indexOf('\n', at);
    const lineEnd = newline < 0 ? text.length : newline;
    const match = BASE64_LINE.exec(text.slice(at, lineEnd));
    if (!match) break;
    encoded += match[1];
    at = newline < 0 ? text.length : newline + 1;
    if (match[1]!.endsWith('=')) break; // padding ends a block
  }
  if (at === start || !decodesToText(encoded)) return null;
  return { start, end: at };
}

/** True when some alignment of the run decodes to mostly printable text (the cut may be mid-group). */
function decodesToText(encoded: string): boolean {
  for (const offset of [0, 1, 2, 3]) {
    const decoded = Buffer.from(encoded.slice(offset), 'base64').toString('latin1');
    if (decoded.length < MIN_DECODED_BYTES) return false;
    const printable = decoded.replace(/[^\x20-\x7e\t\r\n]/g, '').length;
    if (printable >= decoded.length * 0.9) return true;
  }
  return false;
}
