import { InterruptedError } from '../lib/errors.js';

/**
 * The signals that end a run the way Ctrl-C does: SIGINT (Ctrl-C, also while a spinner or a
 * prompt owns the terminal), SIGTERM (how CI systems and `timeout` cancel a job), SIGHUP (the
 * ssh session or terminal went away). Each ends the run as interrupted and resumable, exit 130.
 */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

export interface InterruptHandler {
  /** Aborted (reason: InterruptedError) by the first signal. */
  signal: AbortSignal;
  dispose(): void;
}

/**
 * First signal: abort the run's signal. Every wait, HTTP and AWS call listens on it; long work
 * stops dispatching, saves its ledger, releases its locks and ends with exit 130. Second SIGINT
 * or SIGTERM: leave at once, by re-raising it with the default action (the process ends by that signal, 128+n
 * to the shell). Ledgers are written by atomic rename as the run goes, so what is on disk is a
 * whole, resumable ledger (its owner pid then reads as dead: `resume` takes it over).
 */
export function installInterruptHandler(notify: (text: string) => void): InterruptHandler {
  const controller = new AbortController();
  const handlers = new Map<InterruptSignal, () => void>();
  const dispose = (): void => {
    for (const [name, handler] of handlers) process.removeListener(name, handler);
    handlers.clear();
  };
  for (const name of INTERRUPT_SIGNALS) {
    const handler = (): void => {
      if (!controller.signal.aborted) {
        controller.abort(new InterruptedError(`interrupted (${name})`, undefined, name));
        return;
      }
      // A hangup comes more than once (the kernel tells the foreground job, the login shell
      // then tells each of its jobs): a repeated SIGHUP is not someone asking to leave at once.
      if (name === 'SIGHUP') return;
      dispose();
      try {
        notify(`${name}: a second interrupt; exiting now (the ledger on disk is the last one written)\n`);
      } catch {
        // the terminal may be gone (SIGHUP): leaving matters more than saying so
      }
      process.kill(process.pid, name);
    };
    handlers.set(name, handler);
    process.on(name, handler);
  }
  return { signal: controller.signal, dispose };
}
