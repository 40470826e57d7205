import { renderDeep } from '../output/output.js';
import { renderOutputText } from '../output/remote-text.js';
import type { Redactor } from '../output/redactor.js';
import type { RunLedgerDocument } from './run-ledger-schema.js';

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

/**
 * Targets per cached block of bytes. A fleet run changes a few dozen targets at a time (one SSM
 * command's batch, which are neighbours in the plan), so a write re-encodes a few blocks and
 * reuses the rest: at 10,000 targets that is ~20 KB of new text per write instead of 5 MB.
 */
const TARGETS_PER_BLOCK = 64;

interface TargetBlock {
  /** The records the bytes were made from, in order: any other record or order is a miss. */
  records: object[];
  bytes: Buffer;
}

/**
 * Turns a ledger into the text written to disk: pretty at the top level, one line per target and
 * per event (so `grep '"state":"failed"' <ledger>` works), every string redacted: registered
 * values everywhere, token shapes in remote spans only (molectl's own records stay as written).
 *
 * A fleet run rewrites its ledger after every change, and redacting a 10,000-target document
 * string by string costs about a second, which would dominate a run that writes hundreds of
 * times. So the redacted text of each target and event is cached by object and recomputed only
 * when the ledger says that record changed (`forget`), and the bytes of each block of targets
 * are kept until one of its records changes. Strings were already redacted when they entered
 * the ledger; redacting again on the way out is defence in depth against secrets registered
 * after that, so the whole cache is dropped whenever the redactor learns a new value (its
 * generation changes) and when a run is claimed for a resume (`forgetAll`).
 */
export class LedgerSerializer {
  private cache = new WeakMap<object, string>();
  private blocks: TargetBlock[] = [];
  /** The keys and records of the block being walked (reused: see serializeParts). */
  private readonly blockKeys: string[] = new Array<string>(TARGETS_PER_BLOCK);
  private readonly blockRecords: object[] = new Array<object>(TARGETS_PER_BLOCK);
  /** The redactor's generation the cache was made at; null: nothing cached yet. */
  private cachedAtGeneration: number | null = null;

  constructor(private readonly redactor: Redactor) {}

  /** The record changed: its text is recomputed on the next write. */
  forget(record: object): void {
    this.cache.delete(record);
  }

  /** Re-redact everything on the next write (a run claimed for a resume: a new owner). */
  forgetAll(): void {
    this.cache = new WeakMap();
  }

  /** The text written to disk (see `serializeParts`). */
  serialize(doc: RunLedgerDocument): string {
    return Buffer.concat(this.serializeParts(doc)).toString('utf8');
  }

  /**
   * The document's bytes as consecutive parts, which concatenated are `serialize`'s text: the
   * parts of unchanged target blocks are the same Buffers as last time, so a write encodes only
   * what changed (joining and encoding a 5 MB string per write was most of a 10,000-tenant
   * apply's CPU).
   */
  serializeParts(doc: RunLedgerDocument): Buffer[] {
    // A value registered since the cache was made may be in it: redact everything again.
    if (this.cachedAtGeneration !== this.redactor.generation) {
      this.forgetAll();
      this.cachedAtGeneration = this.redactor.generation;
    }
    const { targets, events, ...head } = doc;
    const lines: string[] = [];
    for (const [key, value] of Object.entries({ ...head, environment: onDisk(doc.environment) })) {
      if (value !== undefined)
        lines.push(`  ${JSON.stringify(key)}: ${JSON.stringify(renderDeep(value, this.redactor, 'json'))}`);
    }
    // Walked in place, not copied into arrays of keys and records: a write at 10,000 targets
    // should allocate only for the blocks that changed (the rest is garbage the heap keeps).
    const blockParts: Buffer[] = [];
    let count = 0;
    let inBlock = 0;
    let unchanged = true;
    for (const key in targets) {
      const record = targets[key]!;
      const b = Math.floor(count / TARGETS_PER_BLOCK);
      unchanged &&= this.blocks[b]?.records[inBlock] === record && this.cache.has(record);
      this.blockKeys[inBlock] = key;
      this.blockRecords[inBlock] = record;
      count++;
      if (++inBlock === TARGETS_PER_BLOCK) {
        blockParts.push(this.targetBlock(b, inBlock, unchanged));
        inBlock = 0;
        unchanged = true;
      }
    }
    if (inBlock > 0) blockParts.push(this.targetBlock(Math.floor(count / TARGETS_PER_BLOCK), inBlock, unchanged));
    this.blocks.length = blockParts.length;
    const parts: Buffer[] = [];
    if (count === 0) lines.push('  "targets": {}');
    else {
      parts.push(Buffer.from(`{\n${lines.join(',\n')},\n  "targets": {\n`), ...blockParts);
      lines.length = 0;
    }
    const eventLines = events.map((event) => this.fragment(event, () => '    '));
    lines.push(`  "events": ${eventLines.length ? `[\n${eventLines.join(',\n')}\n  ]` : '[]'}`);
    // Without targets the head opens the document; with them, the targets' closing brace does.
    const tail = count === 0 ? `{\n${lines.join(',\n')}\n}\n` : `\n  },\n${lines.join(',\n')}\n}\n`;
    parts.push(Buffer.from(tail));
    return parts;
  }

  /**
   * The bytes of block b, whose `size` keys and records are in blockKeys / blockRecords, after
   * the separator from the block before (so a write hands the kernel half as many pieces): the
   * cached ones when every record is the one they were made from, unchanged since.
   */
  private targetBlock(b: number, size: number, unchanged: boolean): Buffer {
    const cached = this.blocks[b];
    if (unchanged && cached && cached.records.length === size) return cached.bytes;
    const records = this.blockRecords.slice(0, size);
    // A target's key is the record's own `key` field, so the cached line may hold both.
    const text =
      (b > 0 ? ',\n' : '') +
      records
        .map((record, i) =>
          this.fragment(
            record,
            () => `    ${JSON.stringify(renderOutputText(this.blockKeys[i]!, this.redactor, 'json'))}: `,
          ),
        )
        .join(',\n');
    const bytes = Buffer.from(text);
    this.blocks[b] = { records, bytes };
    return bytes;
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
