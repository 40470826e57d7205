import { ExitCode, MolectlError, type ExitCodeValue } from '../errors.js';

/**
 * A call that got no HTTP answer: it timed out, or the connection failed. `mayHaveActed` is
 * false only when the request provably never left this machine (connection refused, DNS):
 * otherwise the server may have acted on it, and callers of non-idempotent or long-running
 * calls (a cascade delete) must look at the remote state before sending it again.
 */
export class NoAnswerError extends MolectlError {
  constructor(
    message: string,
    readonly reason: 'timeout' | 'network',
    readonly mayHaveActed: boolean,
    options: { hint?: string; code?: ExitCodeValue } = {},
  ) {
    super(message, {
      code: options.code ?? ExitCode.failed,
      ...(options.hint === undefined ? {} : { hint: options.hint }),
    });
    this.name = 'NoAnswerError';
  }
}
