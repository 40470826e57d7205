import type { Clock } from '../../../src/lib/clock.js';

/** A clock whose sleeps return at once and move time forward, so waits of minutes take none. */
export function createFakeClock(
  start = new Date('2026-06-01T12:00:00Z'),
): Clock & { sleeps: number[]; advance(ms: number): void } {
  let t = start.getTime();
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(t),
    advance(ms) {
      t += ms;
    },
    async sleep(ms, signal) {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
      t += ms;
    },
  };
}
