import type { Redactor } from '../output/redactor.js';
import { formatCount } from '../output/format-count.js';
import { findCutBase64Run } from './cut-base64-start.js';

/**
 * How the text handed to `redact` begins: where its source began (`whole`), at a line start
 * inside it (`line`: `docker logs --tail`, a rotated log, a --follow poll's lines after a gap), or
 * in the middle of a line (`mid-line`: EC2's full 64 KB window; the caller drops that fragment).
 */
export type TextStart = 'whole' | 'line' | 'mid-line';

/**
 * Redacts console and log text before it is split, grepped, diagnosed and printed, and keeps the
 * count for the "N values redacted" line on stderr. Whole chunks go through at once, never line
 * by line: a private key block spans lines and is only recognised whole.
 */
export class RedactionTally {
  count = 0;
  readonly byKind: Record<string, number> = {};

  constructor(private readonly redactor: Redactor) {}

  redact(text: string, start: TextStart = 'whole'): string {
    if (text === '') return text;
    if (start !== 'whole' && this.redactor.shapeRulesEnabled) {
      // A base64 block cut at its start decodes to a value without its name (cut-base64-start.ts).
      const run = findCutBase64Run(text, start === 'mid-line');
      if (run) {
        this.bump('base64');
        const newline = text[run.end - 1] === '\n' ? '\n' : '';
        return `${this.redact(text.slice(0, run.start))}[REDACTED:base64]${newline}${this.redact(text.slice(run.end))}`;
      }
    }
    const result = this.redactor.redactDetailed(text);
    this.count += result.count;
    for (const [kind, n] of Object.entries(result.byKind)) this.byKind[kind] = (this.byKind[kind] ?? 0) + n;
    return result.text;
  }

  private bump(kind: string): void {
    this.count += 1;
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
  }

  /**
   * "3 values redacted (named-secret 2, bearer 1)", and what --no-redact left in clear. `partial`:
   * part of the text was never read, and the count must not read as a verdict on all of it.
   */
  describe(enabled = true, partial = false): string {
    const kinds = Object.entries(this.byKind)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([kind, n]) => `${kind} ${n}`);
    const clear = enabled ? '' : '; --no-redact: token shapes shown in clear';
    const scope = partial ? ' in the part that was read (the rest was not read)' : '';
    return `${formatCount(this.count, 'value')} redacted${scope}${kinds.length ? ` (${kinds.join(', ')})` : ''}${clear}`;
  }
}
