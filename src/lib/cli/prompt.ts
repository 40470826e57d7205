import { createInterface } from 'node:readline/promises';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import type { TerminalStream } from '../output/output.js';

/** Asking a person. Never hangs without one: without a terminal, asking is a usage error. */
export interface Prompt {
  readonly canAsk: boolean;
  /** Asks for a line of text; rejects with UsageError (exit 2) when there is no terminal. */
  ask(question: string, whyNeeded: string): Promise<string>;
}

export function createPrompt(stdin: Readable & { isTTY?: boolean }, stderr: TerminalStream, ci: boolean): Prompt {
  const canAsk = Boolean(stdin.isTTY) && Boolean(stderr.isTTY) && !ci;
  return {
    canAsk,
    async ask(question, whyNeeded) {
      if (!canAsk) throw new UsageError(`cannot ask for confirmation without a terminal (${whyNeeded})`, 'name the target explicitly and pass the confirmation flag shown in --help');
      const rl = createInterface({ input: stdin, output: stderr, terminal: true });
      try {
        return (await rl.question(question)).trim();
      } finally {
        rl.close();
      }
    },
  };
}
