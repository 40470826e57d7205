import type { TerminalStream } from '../lib/output/output.js';

/**
 * stdout whose reader went away: `molectl org list | head -1`, a pager quit early. Node ignores
 * SIGPIPE, so the next write fails with EPIPE, emitted as an 'error' event that nobody listened
 * to: a stack trace and exit 1 instead of the quiet end every Unix tool has.
 *
 * Watching both streams for the whole run makes that end quiet: nothing more is written to a
 * stream whose reader left (the failed writes are dropped), and src/cli.ts ends the run with the
 * exit code a process killed by SIGPIPE has (141), without a word: the reader chose to stop
 * reading, and a result that was not delivered whole is not a success. Help and the version end
 * with 0 as usual (nothing was at stake).
 */

/** 128 + SIGPIPE (13): what the shell shows for a process that wrote to a pipe nobody reads. */
export const EXIT_CLOSED_STDOUT = 141;

export interface ClosedOutputWatch {
  /** stdout's reader went away during this run. */
  readonly stdoutClosed: boolean;
}

export function watchForClosedOutput(stdout: TerminalStream, stderr: TerminalStream): ClosedOutputWatch {
  let stdoutClosed = false;
  // Listeners stay for the life of the process: bin/molectl.js still flushes both streams after main().
  stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (isClosedPipe(error)) stdoutClosed = true;
  });
  // A closed stderr (`2>&1 | head`) loses only messages; the run goes on, its exit code stands.
  stderr.on('error', () => undefined);
  return {
    get stdoutClosed() {
      return stdoutClosed;
    },
  };
}

function isClosedPipe(error: NodeJS.ErrnoException): boolean {
  return error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED' || error.code === 'ECONNRESET';
}
