import { renderDeep } from '../output/output.js';
import { renderOutputText } from '../output/remote-text.js';
import type { Redactor } from '../output/redactor.js';
import type { RunLedgerDocument } from './run-ledger-schema.js';

/**
 * Turns a ledger into the text written to disk: pretty at the top level, one line per target and
 * per event (so `grep '"state":"failed"' <ledger>` works), every string redacted: registered
 * values everywhere, token shapes in remote spans only (molectl's own records stay as written).
 *
 * A fleet run rewrites its ledger after every change, and redacting a 1,000-target document
 * string by string costs ~100 ms, which would dominate a run that records 2,000 updates. So
 * the redacted text of each target and event is cached by object and recomputed only when the
 * ledger says that record changed (`forget`). Strings were already redacted when they entered
 * the ledger; this pass is defence in depth against secrets registered after that, which is why
 * the whole cache is also dropped on status changes and at least every few seconds.
 */
/**
 * The environment block as ledgers have always stored it: what is unknown (an AWS account STS
 * did not give) is left out rather than written as null, so every molectl that reads ledgers of
 * schema 1 reads it; reading fills the gaps back in (environmentSchema).
 */
function onDisk(environment: RunLedgerDocument['environment']): Record<string, unknown> {
  // In one order whoever built it, so a ledger read back and written again is the same text.
  const { name, cpUrl, tenantCpUrl, awsAccount, awsRegion, ...more } = environment;
  const known = { name, cpUrl, tenantCpUrl, awsAccount, awsRegion };
  return Object.fromEntries(Object.entries({ ...known, ...more }).filter(([, v]) => v !== null && v !== ''));
}

export class LedgerSerializer {
  private cache = new WeakMap<object, string>();
  private lastFullPassAt = 0;
  /** How long the last full pass took: at 10,000 targets it is seconds, so passes are spaced out. */
  private lastFullPassMs = 0;

  constructor(
    private readonly redactor: Redactor,
    private readonly fullPassEveryMs = 5_000,
  ) {}

  /** The record changed: its text is recomputed on the next write. */
  forget(record: object): void {
    this.cache.delete(record);
  }

  /** Re-redact everything on the next write (status changes, new owner). */
  forgetAll(): void {
    this.cache = new WeakMap();
  }

  serialize(doc: RunLedgerDocument): string {
    const now = performance.now();
    // A full pass at most every 5 s, and never more than ~5% of the time (20 x its own cost).
    const fullPass = now - this.lastFullPassAt >= Math.max(this.fullPassEveryMs, 20 * this.lastFullPassMs);
    if (fullPass) {
      this.forgetAll();
      this.lastFullPassAt = now;
    }
    const { targets, events, ...head } = doc;
    const lines: string[] = [];
    for (const [key, value] of Object.entries({ ...head, environment: onDisk(doc.environment) })) {
      if (value !== undefined)
        lines.push(`  ${JSON.stringify(key)}: ${JSON.stringify(renderDeep(value, this.redactor, 'json'))}`);
    }
    // A target's key is the record's own `key` field, so the cached line may hold both.
    const targetLines = Object.entries(targets).map(([key, target]) =>
      this.fragment(target, () => `    ${JSON.stringify(renderOutputText(key, this.redactor, 'json'))}: `),
    );
    lines.push(`  "targets": ${targetLines.length ? `{\n${targetLines.join(',\n')}\n  }` : '{}'}`);
    const eventLines = events.map((event) => this.fragment(event, () => '    '));
    lines.push(`  "events": ${eventLines.length ? `[\n${eventLines.join(',\n')}\n  ]` : '[]'}`);
    const text = `{\n${lines.join(',\n')}\n}\n`;
    if (fullPass) this.lastFullPassMs = performance.now() - now;
    return text;
  }

  private fragment(record: object, prefix: () => string): string {
    let text = this.cache.get(record);
    if (text === undefined) {
      text = `${prefix()}${JSON.stringify(renderDeep(record, this.redactor, 'json'))}`;
      this.cache.set(record, text);
    }
    return text;
  }
}
