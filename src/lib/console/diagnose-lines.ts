import { stripAnsi } from '../output/redactor.js';
import { FAILURE_SIGNATURES, type FailureSignature, type SignatureContext } from './failure-signatures.js';

/**
 * Finds known failure signatures in console or log lines (pure). Lines are expected redacted:
 * the evidence quoted in a finding is printed and written to JSON as it is.
 */

export interface Finding {
  id: string;
  title: string;
  cause: string;
  /** Lines that matched. */
  count: number;
  /** 1-based number of the first matching line in what was read. */
  firstLine: number;
  /** The first matching line (at most 240 characters). */
  evidence: string;
  next: string[];
}

const MAX_EVIDENCE = 240;

/** Accumulates findings across batches of lines, so `--follow` keeps memory flat. */
export class Diagnosis {
  private readonly found = new Map<string, Finding>();
  private seen = 0;

  constructor(
    private readonly context: SignatureContext,
    private readonly signatures: FailureSignature[] = FAILURE_SIGNATURES,
  ) {}

  add(lines: string[]): void {
    for (const raw of lines) {
      this.seen += 1;
      const line = raw.includes('\u001b') ? stripAnsi(raw) : raw;
      for (const signature of this.signatures) {
        if (!signature.pattern.test(line)) continue;
        const existing = this.found.get(signature.id);
        if (existing) {
          existing.count += 1;
          continue;
        }
        this.found.set(signature.id, {
          id: signature.id,
          title: signature.title,
          cause: signature.cause,
          count: 1,
          firstLine: this.seen,
          evidence: line.length > MAX_EVIDENCE ? `${line.slice(0, MAX_EVIDENCE - 1)}…` : line,
          next: signature.next(this.context),
        });
      }
    }
  }

  /** Findings in the order of the signature table: root causes before their consequences. */
  findings(): Finding[] {
    return this.signatures.flatMap((s) => this.found.get(s.id) ?? []);
  }
}

export function diagnoseLines(lines: string[], context: SignatureContext): Finding[] {
  const diagnosis = new Diagnosis(context);
  diagnosis.add(lines);
  return diagnosis.findings();
}
