import { closeSync } from 'node:fs';

/**
 * When the terminal goes away (an ssh session drops, a window is closed) the kernel sends SIGHUP
 * and the run still has work to do: stop dispatching, save its ledger, release its locks, exit
 * 130 (src/cli/interrupts.ts). Writes to the dead terminal fail with EIO from then on; they are
 * dropped like any write nobody can read (closed-output.ts), and the run goes on to its end.
 *
 * One thing remains: on exit, Node 20 puts each descriptor that was a terminal at start back in
 * its original mode, and aborts (SIGABRT, exit 134) when that terminal hung up
 * (nodejs/node#51519). Node skips a descriptor the program closed, so the bin script closes those
 * of a hung-up terminal just before exiting, and the exit code is the run's.
 */

const STDIO = [0, 1, 2] as const;

export interface TerminalGuard {
  /** Call last, right before process.exit: nothing may be written after it. */
  closeIfHungUp(): void;
}

/**
 * `isatty` is node:tty's, passed in by bin/molectl.js, which loads that module (~1.5 ms: it
 * brings net) only for a command run; the help and the version need no guard.
 */
export function outliveTheTerminal(isatty: (fd: number) => boolean): TerminalGuard {
  const wasTerminal = STDIO.map((fd) => isatty(fd));
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
