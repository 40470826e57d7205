import type { Redactor } from '../output/redactor.js';
import { formatCount } from '../output/format-count.js';

/**
 * Redacts console and log text before it is split, grepped, diagnosed and printed, and keeps the
 * count for the "N values redacted" line on stderr. Whole chunks go through at once, never line
 * by line: a private key block spans lines and is only recognised whole.
 */
export class RedactionTally {
  count = 0;
  readonly byKind: Record<string, number> = {};

  constructor(private readonly redactor: Redactor) {}

  redact(text: string): string {
    if (text === '') return text;
    const result = this.redactor.redactDetailed(text);
    this.count += result.count;
    for (const [kind, n] of Object.entries(result.byKind)) this.byKind[kind] = (this.byKind[kind] ?? 0) + n;
    return result.text;
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
