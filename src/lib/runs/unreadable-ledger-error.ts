import { ExitCode, MolectlError } from '../errors.js';

/** A ledger file exists but molectl cannot read it (corrupt, edited, or from a newer molectl). Exit 1. */
export class UnreadableLedgerError extends MolectlError {
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(`run ledger ${path} is unreadable: ${reason}`, {
      code: ExitCode.failed,
      hint: 'a newer molectl may read it; otherwise inspect the file by hand (docs/runs.md describes the format)',
    });
    this.name = 'UnreadableLedgerError';
    this.path = path;
    this.reason = reason;
  }
}
