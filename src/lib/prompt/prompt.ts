import { createInterface } from 'node:readline/promises';
import type { Readable } from 'node:stream';
import { InterruptedError, UsageError } from '../errors.js';
import type { TerminalStream } from '../output/output.js';

/** Asking a person. Never hangs without one: without a terminal, asking is a usage error. */
export interface Prompt {
  readonly canAsk: boolean;
  /**
   * Asks for a line of text; rejects with UsageError (exit 2) when there is no terminal.
   * `afterInterrupt`: a question asked because the run was interrupted (cancel what is in
   * flight?): it is asked although the run's signal is aborted; a Ctrl-C there is the second one.
   */
  ask(question: string, whyNeeded: string, options?: { afterInterrupt?: boolean }): Promise<string>;
}

/**
 * The terminal prompt. While it reads, readline holds the terminal in raw mode, where Ctrl-C is
 * a byte, not a signal: it is turned back into a real SIGINT for this process, so a Ctrl-C at
 * the question ends the run the same way as anywhere else (saved ledger, released locks, 130).
 * A question still open when the run is interrupted (SIGTERM, SIGHUP) is abandoned.
 */
export function createPrompt(
  stdin: Readable & { isTTY?: boolean },
  stderr: TerminalStream,
  ci: boolean,
  signal?: AbortSignal,
): Prompt {
  const canAsk = Boolean(stdin.isTTY) && Boolean(stderr.isTTY) && !ci;
  return {
    canAsk,
    async ask(question, whyNeeded, options = {}) {
      if (!canAsk)
        throw new UsageError(
          `cannot ask for confirmation without a terminal (${whyNeeded})`,
          'name the target explicitly and pass the confirmation flag shown in --help',
        );
      const watch = options.afterInterrupt ? undefined : signal;
      if (watch?.aborted) throw new InterruptedError(`interrupted before ${whyNeeded}`);
      const rl = createInterface({ input: stdin, output: stderr, terminal: true });
      rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
      try {
        return (await rl.question(question, watch ? { signal: watch } : {})).trim();
      } catch (error) {
        if (watch?.aborted) {
          stderr.write('\n');
          throw new InterruptedError(`interrupted at the question (${whyNeeded}); nothing was changed by it`);
        }
        throw error;
      } finally {
        rl.close();
      }
    },
  };
}
