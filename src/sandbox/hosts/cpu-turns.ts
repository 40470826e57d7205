/**
 * Turns on the machine's cores for the simulated hosts' scripts.
 *
 * A real host runs its script on its own CPU: fifty hosts that start together each finish after
 * their own few tens of ms. The sandbox runs all of them on the machine it is on (two cores in
 * CI), and when fifty bash processes share two cores the kernel gives each an equal slice, so
 * every one of them finishes only when nearly all the work of all fifty is done: each host looks
 * as slow as the whole crowd, and a fleet run sees its results in lumps. Scripts therefore start a
 * few at a time (two per core: create-host-runner.ts): the same CPU in total, but each script ends
 * about as soon as its own work is done, as on a real host, and the results come in the order and
 * at the pace the cores can give them.
 *
 * A turn ends when the script does, or after `turnMs` even if it has not: a script that waits
 * (sleeps, hangs, reads a slow answer) uses no core, and must not hold back the others for longer
 * than that. So a script never waits more than (its place in the queue / slots) x turnMs to
 * start, and the gate can never stop the sandbox's hosts.
 */

export interface CpuTurns {
  /**
   * Queues `start`, which is called when a turn is free with the function that ends the turn
   * (idempotent; the turn also ends by itself after turnMs). Returns a function that takes a
   * still-queued `start` out of the queue (no effect once it started).
   */
  take(start: (endTurn: () => void) => void): () => void;
  /** Scripts waiting for a turn. */
  readonly waiting: number;
}

export function createCpuTurns(slots: number, turnMs: number): CpuTurns {
  if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be a positive integer, not ${slots}`);
  let free = slots;
  const queue: Array<(endTurn: () => void) => void> = [];

  const grant = (): void => {
    while (free > 0 && queue.length > 0) {
      const start = queue.shift()!;
      free -= 1;
      let ended = false;
      const endTurn = (): void => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        free += 1;
        grant();
      };
      const timer = setTimeout(endTurn, turnMs);
      // The turn's end must not keep a stopping sandbox's process alive.
      timer.unref();
      start(endTurn);
    }
  };

  return {
    take(start) {
      queue.push(start);
      grant();
      return () => {
        const at = queue.indexOf(start);
        if (at >= 0) queue.splice(at, 1);
      };
    },
    get waiting() {
      return queue.length;
    },
  };
}
