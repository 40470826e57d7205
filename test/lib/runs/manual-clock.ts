import { systemClock, type Clock } from '../../../src/lib/clock.js';

/**
 * A clock whose "now" tests move by hand (lock expiry, timestamps). sleep still waits real time,
 * so background loops such as a fleet lock's refresh idle instead of spinning.
 */
export function createManualClock(
  start = '2026-11-22T20:30:00.000Z',
): Clock & { advance(ms: number): void; set(iso: string): void } {
  let now = Date.parse(start);
  return {
    now: () => new Date(now),
    sleep: (ms, signal) => systemClock.sleep(ms, signal),
    advance: (ms) => {
      now += ms;
    },
    set: (iso) => {
      now = Date.parse(iso);
    },
  };
}
