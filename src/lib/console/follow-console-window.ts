/**
 * `--follow` over EC2's console window (pure). GetConsoleOutput always returns the last 64 KB, so
 * each poll returns a window that may have slid: the new window is "the old one minus some bytes
 * at the front, plus what was appended". The appended text is what follows the longest suffix of
 * the previous window that the new window starts with. Only complete lines are released, so a
 * line printed while half-written is neither printed twice nor printed in two halves.
 *
 * Private key blocks are held back until their END line arrives (or, if it never comes, replaced
 * whole), a trailing run of wrapped base64 lines until a line that ends it, and a last line that
 * names a secret whose value is on the next line (`admin_token:`, `- name: ADMIN_TOKEN`) until
 * that line: redaction works on the text it is given, and a block printed across two polls would
 * otherwise show its body lines in clear (a key body, the half of a base64 blob that decodes to a
 * secret's value, a value line without its name).
 */

import { awaitsValueOnNextLine } from '../output/shape-rules.js';

/** A shorter overlap is coincidence (a shared "\r\n"), not continuity. */
const MIN_OVERLAP = 256;
/** Longest a private key block is held waiting for its END line. */
const MAX_HELD_PEM = 64 * 1024;

export interface AppendedText {
  appended: string;
  /** The new window does not continue the old: more than a window arrived, or the console restarted. */
  gap: boolean;
}

export function findAppendedText(previous: string, next: string): AppendedText {
  if (previous === '') return { appended: next, gap: false };
  if (next.startsWith(previous)) return { appended: next.slice(previous.length), gap: false };
  const overlap = measureOverlap(previous, next);
  if (overlap >= Math.min(previous.length, MIN_OVERLAP)) return { appended: next.slice(overlap), gap: false };
  return { appended: next, gap: true };
}

/** Length of the longest suffix of `a` that is a prefix of `b` (KMP, linear time). */
export function measureOverlap(a: string, b: string): number {
  if (b.length === 0) return 0;
  const failure = new Int32Array(b.length);
  for (let i = 1, k = 0; i < b.length; i++) {
    while (k > 0 && b[i] !== b[k]) k = failure[k - 1]!;
    if (b[i] === b[k]) k++;
    failure[i] = k;
  }
  // Only the last b.length characters of `a` can take part in the overlap.
  let k = 0;
  for (let i = Math.max(0, a.length - b.length); i < a.length; i++) {
    while (k > 0 && (k === b.length || a[i] !== b[k])) k = failure[k - 1]!;
    if (a[i] === b[k]) k++;
  }
  return k;
}

export interface FollowUpdate {
  /** Complete lines ready to print (each ends with a newline), or ''. */
  text: string;
  gap: boolean;
}

export class ConsoleFollower {
  private window = '';
  private pending = '';

  /** The first window: its complete lines; a trailing partial line waits for its end. */
  start(window: string): string {
    this.window = window;
    return this.release(window);
  }

  /** A later window: only what was appended since the last one. */
  next(window: string): FollowUpdate {
    if (window === this.window) return { text: '', gap: false };
    const { appended, gap } = findAppendedText(this.window, window);
    this.window = window;
    if (gap) this.pending = '';
    return { text: this.release(appended), gap };
  }

  /** What is still held (whole lines held back, a partial last line) when following stops. */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    if (rest === '') return '';
    if (isUnterminatedKey(rest)) return '[REDACTED:pem] (private key block without an END line)\n';
    // Held whole lines (a base64 run, a name awaiting its value) end with their own newline.
    return rest.endsWith('\n') ? rest : `${rest}\n`;
  }

  private release(appended: string): string {
    const text = this.pending + appended;
    const cut = text.lastIndexOf('\n') + 1;
    let ready = text.slice(0, cut);
    this.pending = text.slice(cut);
    const held = findUnterminatedKey(ready);
    const base64Tail = held === -1 ? findTrailingBase64(ready) : -1;
    const heldTail = base64Tail !== -1 || held !== -1 ? base64Tail : findTrailingNameLine(ready);
    if (heldTail !== -1 && ready.length - heldTail + this.pending.length <= MAX_HELD_PEM) {
      this.pending = ready.slice(heldTail) + this.pending;
      ready = ready.slice(0, heldTail);
    }
    if (held !== -1) {
      const block = ready.slice(held) + this.pending;
      if (block.length <= MAX_HELD_PEM) {
        this.pending = block;
        ready = ready.slice(0, held);
      } else {
        this.pending = '';
        ready = `${ready.slice(0, held)}[REDACTED:pem] (private key block over ${MAX_HELD_PEM} bytes without an END line)\n`;
      }
    }
    return ready;
  }
}

const BEGIN_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/g;

/** Index of the line start of a private key BEGIN with no END after it, or -1. */
function findUnterminatedKey(text: string): number {
  let last = -1;
  for (const match of text.matchAll(BEGIN_KEY)) last = match.index;
  if (last === -1 || /-----END [A-Z0-9 ]*PRIVATE KEY-----/.test(text.slice(last))) return -1;
  return text.lastIndexOf('\n', last) + 1;
}

const BASE64_LINE = /^[A-Za-z0-9+/]{60,}={0,2}\r?$/;

/** Start of a run of wrapped-base64 lines at the very end of `text` (which ends with a newline), or -1. */
function findTrailingBase64(text: string): number {
  let start = -1;
  let end = text.length - 1; // the final newline
  while (end > 0) {
    const lineStart = text.lastIndexOf('\n', end - 1) + 1;
    if (!BASE64_LINE.test(text.slice(lineStart, end))) break;
    start = lineStart;
    end = lineStart - 1;
  }
  return start;
}

/** Start of the last line of `text` (which ends with a newline) when it awaits its value on the next line, or -1. */
function findTrailingNameLine(text: string): number {
  const lineStart = text.lastIndexOf('\n', text.length - 2) + 1;
  return text.length > 0 && awaitsValueOnNextLine(text.slice(lineStart, -1)) ? lineStart : -1;
}

/** docker's `--timestamps` prefix, which `logs --timestamps` keeps on each line. */
const DOCKER_STAMP = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z /;

/**
 * For `logs --follow`, whose polls bring whole lines: how many of the last `lines` to hold until
 * the next poll, as the console follower holds them: a run of wrapped-base64 lines still being
 * printed, or a last line whose secret's value comes on the next line.
 */
export function countHeldLogLines(lines: readonly string[]): number {
  const base64 = countHeldBase64Lines(lines);
  if (base64 > 0) return base64;
  return lines.length > 0 && awaitsValueOnNextLine(lines[lines.length - 1]!) ? 1 : 0;
}

/**
 * How many of the last `lines` are a run of wrapped-base64 lines still being printed. Over
 * MAX_HELD_PEM bytes, nothing is held: it is judged as it stands.
 */
function countHeldBase64Lines(lines: readonly string[]): number {
  let size = 0;
  let n = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!BASE64_LINE.test(line.replace(DOCKER_STAMP, ''))) break;
    size += line.length + 1;
    if (size > MAX_HELD_PEM) return 0;
    n += 1;
  }
  return n;
}

function isUnterminatedKey(text: string): boolean {
  return findUnterminatedKey(`${text}\n`) !== -1;
}
