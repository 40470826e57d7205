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
/** The line a question is asked on (Output.questionLine): whatever molectl prints meanwhile starts below it. */
export interface QuestionLine {
  opened(): void;
  /** The question is over; true when its line is still unended (nothing was printed below it). */
  closed(): boolean;
}

export function createPrompt(
  stdin: Readable & { isTTY?: boolean },
  stderr: TerminalStream,
  ci: boolean,
  signal?: AbortSignal,
  questionLine?: QuestionLine,
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
      // Loaded here: most runs never ask anything.
      const { createInterface } = await import('node:readline/promises');
      const watch = options.afterInterrupt ? undefined : signal;
      if (watch?.aborted) throw new InterruptedError(`interrupted before ${whyNeeded}`);
      // An input that already ended (read to its end before the question) never closes again:
      // the question would stay open until the process drained and exited 0, saying nothing.
      if (stdin.readableEnded || stdin.destroyed) throw noAnswer(whyNeeded);
      const restoreRawMode = tolerateHangup(stdin);
      const rl = createInterface({ input: stdin, output: stderr, terminal: true });
      rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
      // Node 20 leaves a question pending forever when its input ends (the terminal hung up):
      // nothing else keeping it alive, the process would just drain and exit 0, saying nothing.
      const inputEnded = new Promise<never>((_, reject) => rl.once('close', () => reject(new InputEnded())));
      inputEnded.catch(() => undefined);
      // Ends the question's line, unless what was printed meanwhile (the Ctrl-C notice) already did.
      const endQuestionLine = (): void => {
        if (questionLine?.closed() ?? true) stderr.write('\n');
      };
      // Interrupted, the question is closed without a word: readline's own cancel (the question's
      // `signal` option) writes a line end after the Ctrl-C notice, a blank line under it.
      const closeQuestion = (): void => rl.close();
      watch?.addEventListener('abort', closeQuestion, { once: true });
      questionLine?.opened();
      try {
        return (await Promise.race([rl.question(question), inputEnded])).trim();
      } catch (error) {
        if (watch?.aborted) {
          endQuestionLine();
          throw new InterruptedError(`interrupted at the question (${whyNeeded}); nothing was changed by it`);
        }
        // Its input ended: the terminal went away, or Ctrl-D (readline's own AbortError). No answer.
        if (error instanceof InputEnded || (error instanceof Error && error.name === 'AbortError')) {
          endQuestionLine();
          throw noAnswer(whyNeeded);
        }
        throw error;
      } finally {
        watch?.removeEventListener('abort', closeQuestion);
        // Answered with Enter, the line is ended already.
        questionLine?.closed();
        rl.close();
        restoreRawMode();
      }
    },
  };
}

class InputEnded extends Error {}

function noAnswer(whyNeeded: string): InterruptedError {
  return new InterruptedError(`no answer at the question (${whyNeeded}): its input ended; nothing was changed by it`);
}

type MaybeRaw = Readable & { setRawMode?: (mode: boolean) => unknown };

/**
 * When the terminal hangs up (SIGHUP: the ssh session dropped) its input ends and readline,
 * closing itself, takes the terminal out of raw mode: that fails with EIO, thrown from an event
 * handler, so the process would crash before the interrupted run saves its ledger and releases
 * its locks. A terminal that is gone has no mode to restore: EIO is ignored for as long as the
 * question is open. Returns what puts the stream's own setRawMode back.
 */
function tolerateHangup(stdin: MaybeRaw): () => void {
  const original = stdin.setRawMode;
  if (typeof original !== 'function') return () => undefined;
  const own = Object.prototype.hasOwnProperty.call(stdin, 'setRawMode');
  stdin.setRawMode = (mode: boolean) => {
    try {
      return original.call(stdin, mode);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EIO') return stdin;
      throw error;
    }
  };
  return () => {
    if (own) stdin.setRawMode = original;
    else delete stdin.setRawMode;
  };
}
