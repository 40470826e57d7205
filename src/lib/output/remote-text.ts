import type { Redactor } from './redactor.js';

/**
 * Text that came from outside molectl (consoles, container logs, SSM output, HTTP bodies, remote
 * error messages, names and slugs from the CP, files read from disk), marked so that the output
 * layer treats it apart from molectl's own words:
 *  - token-shape redaction (the second tier) applies to it and only to it;
 *  - terminal control characters in it are shown escaped in text output, so a CP row or a log
 *    line cannot forge an `error:` line, move the cursor or retitle the terminal (JSON output
 *    escapes them as JSON does).
 *
 * The mark travels inside the string: `remoteText()` wraps the text in two private-use
 * characters, so it survives template literals, joins and tables, and every byte that leaves
 * through the output layer or a file writer is rendered span by span (`renderOutputText`), the
 * marks removed. The brand makes the doors' signatures say which text is remote: a function
 * that hands out text from outside returns `RemoteText`, and the printing helpers that take
 * remote text (`Output.remote`) accept nothing else.
 */

declare const REMOTE: unique symbol;
export type RemoteText = string & { readonly [REMOTE]: true };

declare const OWN: unique symbol;
/**
 * molectl's own words, said to be so where the type system asks (a table cell, a printer that
 * takes either): wording written in molectl's source, or built from it with any remote parts
 * already marked inside. Printers that take `OwnText | RemoteText` make every call site decide
 * which one a value is, so a new command cannot print a CP row or a tag as its own words.
 */
export type OwnText = string & { readonly [OWN]: true };

/** Says that `text` is molectl's own (remote spans inside it, if any, keep their marks). */
export function ownText(text: string): OwnText {
  return text as OwnText;
}

/**
 * Text read back from a file molectl wrote itself (a run ledger, a plan): known values and remote
 * shapes were scrubbed when it was written, so the shape rules are not run again over molectl's
 * own messages in it; controls are escaped, because a hand-edited file is still text from disk.
 */
export function storedText(text: string): OwnText {
  return escapeControls(stripRemoteMarks(text)) as OwnText;
}

const OPEN = '\uE000';
const CLOSE = '\uE001';
const MARKS = /[\uE000\uE001]/g;

/** Marks text from outside. Marks already inside it are dropped: remote text cannot close its own span. */
export function remoteText(raw: string): RemoteText {
  return `${OPEN}${raw.replace(MARKS, '')}${CLOSE}` as RemoteText;
}

/** True when the text holds a remote span (for tests and for code that must not send marks on). */
export function hasRemoteText(text: string): boolean {
  return text.includes(OPEN);
}

/** The text without its marks, for comparisons and for bytes that do not go to a person. */
export function stripRemoteMarks(text: string): string {
  return text.includes(OPEN) || text.includes(CLOSE) ? text.replace(MARKS, '') : text;
}

export type RenderMode = 'text' | 'json';

/**
 * Renders text for a stream or a file: molectl's own words get the first tier (registered
 * values); remote spans get both tiers and, in text mode, escaped controls. An unclosed span
 * (a string cut inside one) runs to the end: when in doubt, the text is treated as remote.
 */
export function renderOutputText(text: string, redactor: Redactor, mode: RenderMode): string {
  if (!text.includes(OPEN)) return redactor.redactKnown(text.includes(CLOSE) ? text.replace(MARKS, '') : text);
  let out = '';
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf(OPEN, at);
    const own = open < 0 ? text.slice(at) : text.slice(at, open);
    out += redactor.redactKnown(own.replace(MARKS, ''));
    if (open < 0) break;
    const close = text.indexOf(CLOSE, open + 1);
    // Nested marks cannot occur (remoteText drops them); a stray OPEN inside is just removed.
    const remote = (close < 0 ? text.slice(open + 1) : text.slice(open + 1, close)).replace(MARKS, '');
    const redacted = redactor.redact(remote);
    out += mode === 'text' ? escapeControls(redacted) : redacted;
    at = close < 0 ? text.length : close + 1;
  }
  return out;
}

// Every C0 control but tab and newline, DEL, and the C1 controls (U+0080 to U+009F, which some
// terminals honour as 8-bit CSI and OSC). A CR right before a newline cannot hide anything and
// is kept, so serial consoles' CRLF line ends print as they are. And the bidirectional controls
// (marks, embeddings, overrides, isolates): a terminal that honours them shows the rest of the
// line reordered, so a tag `acme\u202e...` could show as another name, or move a table's columns.

const CONTROLS =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g;
const NAMED: Record<string, string> = {
  '\u001b': '\\e',
  '\r': '\\r',
  '\u0000': '\\0',
  '\u0007': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\v': '\\v',
};

/** Shows controls as visible escapes (`\e[31m`, `\r`, `\x85`) instead of letting a terminal act on them. */
export function escapeControls(text: string): string {
  CONTROLS.lastIndex = 0;
  if (!CONTROLS.test(text)) return text;
  CONTROLS.lastIndex = 0;
  return text.replace(CONTROLS, (c) => NAMED[c] ?? escapeCode(c.charCodeAt(0)));
}

/** `\x85` for a C1 control, `\u202e` for a bidirectional one. */
function escapeCode(code: number): string {
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Remote text cut to about `max` characters for a one-line message. The cut never splits a word
 * (a run between spaces or JSON/shell punctuation): the text is redacted later (by the output
 * layer) or was just now, and half a secret matches neither its registered forms nor any shape,
 * so the word the cut falls in is dropped whole (as is a `[REDACTED:...]` mark it would split).
 * `=` and `+`, `/`, `-`, `_` are not boundaries: base64 and tokens contain them.
 */
export function cutRemoteLine(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max);
  const kept = WORD_BOUNDARY.test(text[max]!) ? head : head.replace(TRAILING_WORD, '');
  return `${kept.trimEnd()}…`;
}

const WORD_BOUNDARY = /[\s"',;:{}[\]()<>|&]/;
const TRAILING_WORD = /[^\s"',;:{}[\]()<>|&]+$/;

/** How much of a refused argument or file name an error message echoes. */
export const ECHO_LIMIT = 80;

/**
 * A refused input as an error message shows it: controls escaped, cut to about 80 characters
 * with the full length said, so a 100 KB argument is not printed back whole and a secret pasted
 * into the wrong place is not echoed in full. Marked remote: shapes in it are redacted too.
 */
export function echoInput(input: string, limit = ECHO_LIMIT): RemoteText {
  const escaped = escapeControls(input);
  if (escaped.length <= limit) return remoteText(escaped);
  return remoteText(`${escaped.slice(0, limit - 1)}…(${input.length} characters)`);
}
