import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCpuTurns } from '../../../src/sandbox/hosts/cpu-turns.js';

// The simulated hosts' scripts start a few at a time, as many as there are slots (cpu-turns.ts); a
// turn ends with the script, or by itself after turnMs, so that a script that waits never holds
// the others back for long.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Queues `count` scripts and records which started, with the function that ends each turn. */
function queueScripts(turns: ReturnType<typeof createCpuTurns>, count: number) {
  const started: number[] = [];
  const ends = new Map<number, () => void>();
  const leave = Array.from({ length: count }, (_, i) =>
    turns.take((endTurn) => {
      started.push(i);
      ends.set(i, endTurn);
    }),
  );
  return { started, ends, leave };
}

describe('turns on the cores for simulated hosts', () => {
  it('starts as many scripts as there are slots, and the next one, in order, when a turn ends', () => {
    const turns = createCpuTurns(2, 250);
    const { started, ends } = queueScripts(turns, 5);
    expect(started).toEqual([0, 1]);
    expect(turns.waiting).toBe(3);
    ends.get(1)!();
    expect(started).toEqual([0, 1, 2]);
    ends.get(0)!();
    ends.get(2)!();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(turns.waiting).toBe(0);
  });

  it('ends a turn by itself after turnMs, so a script that waits holds a core no longer', () => {
    const turns = createCpuTurns(1, 250);
    const { started } = queueScripts(turns, 3);
    expect(started).toEqual([0]);
    vi.advanceTimersByTime(249);
    expect(started).toEqual([0]);
    vi.advanceTimersByTime(1);
    expect(started).toEqual([0, 1]);
    vi.advanceTimersByTime(250);
    expect(started).toEqual([0, 1, 2]);
  });

  it('frees one slot per turn, however often its end is called (the script ending after its turn ran out)', () => {
    const turns = createCpuTurns(1, 250);
    const { started, ends } = queueScripts(turns, 3);
    vi.advanceTimersByTime(250);
    expect(started).toEqual([0, 1]);
    ends.get(0)!();
    ends.get(0)!();
    expect(started).toEqual([0, 1]);
  });

  it('never starts a script taken out of the queue (killed or timed out while it waited)', () => {
    const turns = createCpuTurns(1, 250);
    const { started, ends, leave } = queueScripts(turns, 3);
    leave[1]!();
    leave[0]!(); // already started: no effect
    ends.get(0)!();
    expect(started).toEqual([0, 2]);
    expect(turns.waiting).toBe(0);
  });

  it('refuses a number of slots that is not a positive integer', () => {
    expect(() => createCpuTurns(0, 250)).toThrow(/slots must be a positive integer/);
    expect(() => createCpuTurns(1.5, 250)).toThrow(/slots must be a positive integer/);
  });
});
