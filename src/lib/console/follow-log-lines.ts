import { countHeldLogLines } from './follow-console-window.js';
import type { RedactionTally, TextStart } from './redaction-tally.js';
import { splitConsoleLines } from './split-console-lines.js';

/**
 * `molectl logs --follow` (pure but for the tally): the new lines of each poll, redacted and ready
 * to print. Each poll is redacted on its own, so a block printed across two polls is held whole:
 * a trailing run of wrapped-base64 lines waits for the line that ends it (its second half alone
 * decodes to a value whose name was in the first), and a last line that names a secret
 * (`admin_token:`) waits for the line with its value. A poll that starts inside the log (the first,
 * with docker's --tail; one cut by --max-bytes) is redacted as cut text (cut-base64-start.ts).
 */
export class LogLinesFollower {
  private held: string[] = [];
  private start: TextStart = 'whole';

  constructor(private readonly tally: RedactionTally) {}

  /** This poll's new lines (`startsInside`: the poll's text begins inside the log); returns those ready. */
  take(lines: readonly string[], startsInside: boolean): string[] {
    if (startsInside) this.start = 'line';
    const ready = this.held.concat(lines);
    this.held = ready.splice(ready.length - countHeldLogLines(ready));
    return this.release(ready);
  }

  /** What is still held when following stops, redacted as it stands. */
  flush(): string[] {
    const rest = this.held;
    this.held = [];
    return this.release(rest);
  }

  private release(lines: string[]): string[] {
    if (lines.length === 0) return [];
    const redacted = this.tally.redact(lines.join('\n'), this.start);
    this.start = 'whole';
    return splitConsoleLines(redacted).lines;
  }
}
