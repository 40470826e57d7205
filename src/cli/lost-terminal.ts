import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';

/**
 * When the terminal goes away (an ssh session drops, a window is closed) the kernel sends SIGHUP
 * and the run still has work to do: stop dispatching, save its ledger, release its locks, exit
 * 130 (src/cli/interrupts.ts). Two things in Node would cut that short, so the bin script guards
 * against both:
 *   - every later write to the terminal fails with EIO, emitted as an 'error' on process.stdout
 *     or process.stderr; unhandled, it ends the process with the ledger still `running` and the
 *     fleet lock held. Output nobody can read any more (EIO; EPIPE for a reader that left) is
 *     dropped instead, and the run goes on to its end;
 *   - on exit, Node 20 puts each descriptor that was a terminal at start back in its original
 *     mode, and aborts (SIGABRT, 134) when the terminal is gone (nodejs/node#51519). Closing
 *     those descriptors just before exiting makes it skip them, so the exit code is the run's.
 */

/** What a write gets when nobody can read it any more. */
const LOST_READER = new Set(['EIO', 'EPIPE']);
const STDIO = [0, 1, 2] as const;

export interface TerminalGuard {
  /** Call last, right before process.exit: nothing may be written after it. */
  closeIfHungUp(): void;
}

export function outliveTheTerminal(): TerminalGuard {
  const wasTerminal = STDIO.map((fd) => isatty(fd));
  const dropLostOutput = (error: NodeJS.ErrnoException): void => {
    if (!LOST_READER.has(error.code ?? '')) throw error;
  };
  process.stdout.on('error', dropLostOutput);
  process.stderr.on('error', dropLostOutput);
  return {
    closeIfHungUp() {
      for (const fd of STDIO) {
        // A terminal that hung up answers every termios call with EIO, so isatty() turns false.
        if (!wasTerminal[fd] || isatty(fd)) continue;
        try {
          closeSync(fd);
        } catch {
          // already closed: Node skips it as well
        }
      }
    },
  };
}
