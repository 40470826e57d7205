import { ExitCode, MolectlError } from '../errors.js';

/** What the usual reasons a write fails mean to the person at the terminal. */
const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
};

/**
 * A ledger write failed mid-run (the disk filled, the file system went read-only). Every remote
 * change waits for the write that records its intent, so the run stopped before the next one: the
 * message says so, and names the file, instead of an "unexpected error" to report. Exit 1.
 */
export class LedgerWriteError extends MolectlError {
  /** `creating`: the run's first write, before anything was sent (no ledger, nothing to resume). */
  constructor(path: string, cause: unknown, options: { creating?: boolean } = {}) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const reason = (code && REASONS[code]) ?? (cause instanceof Error ? cause.message : String(cause));
    const what = options.creating ? 'create' : 'write';
    const sent = options.creating ? 'nothing was sent' : 'nothing more was sent';
    super(`could not ${what} the run ledger ${path}: ${reason}${code ? ` (${code})` : ''}; ${sent}`, {
      code: ExitCode.failed,
      hint: 'free space or make the state directory writable again (MOLECTL_STATE_DIR)',
      cause,
    });
    this.name = 'LedgerWriteError';
  }
}
