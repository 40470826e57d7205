import type { Clock } from '../../../src/lib/cli/clock.js';

/** A clock tests move by hand; sleep resolves at once (the tests that need real waits use systemClock). */
export function createManualClock(start = '2026-11-22T20:30:00.000Z'): Clock & { advance(ms: number): void; set(iso: string): void } {
  let now = Date.parse(start);
  return {
    now: () => new Date(now),
    sleep: async () => undefined,
    advance: (ms) => {
      now += ms;
    },
    set: (iso) => {
      now = Date.parse(iso);
    },
  };
}
