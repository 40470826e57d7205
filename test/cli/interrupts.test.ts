import { afterEach, describe, expect, it, vi } from 'vitest';
import { installInterruptHandler, INTERRUPT_SIGNALS } from '../../src/cli/interrupts.js';
import { InterruptedError } from '../../src/lib/errors.js';

// What a second signal does (issue 13). The process's own signal listeners are driven with
// process.emit; process.kill is replaced, so that "leave at once" is observed, not suffered.

let dispose: (() => void) | undefined;
afterEach(() => {
  dispose?.();
  vi.restoreAllMocks();
});

function install(): { signal: AbortSignal; notes: string[]; kills: unknown[][] } {
  const notes: string[] = [];
  const kills: unknown[][] = [];
  vi.spyOn(process, 'kill').mockImplementation((...args: unknown[]) => {
    kills.push(args);
    return true;
  });
  const handler = installInterruptHandler((text) => notes.push(text));
  dispose = () => handler.dispose();
  return { signal: handler.signal, notes, kills };
}

describe('the interrupt handler', () => {
  it.each(INTERRUPT_SIGNALS)('a first %s aborts the run, naming the signal, and nothing more', (name) => {
    const { signal, kills } = install();
    process.emit(name, name);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(InterruptedError);
    expect((signal.reason as InterruptedError).signal).toBe(name);
    expect(kills).toEqual([]);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('a second %s leaves at once, by that signal', (name) => {
    const { notes, kills } = install();
    process.emit(name, name);
    process.emit(name, name);
    expect(kills).toEqual([[process.pid, name]]);
    expect(notes.join('')).toMatch(/a second interrupt; exiting now/);
  });

  it('a repeated SIGHUP is the same hangup told twice (the kernel, then the login shell): the run still ends properly', () => {
    const { signal, notes, kills } = install();
    process.emit('SIGHUP', 'SIGHUP');
    process.emit('SIGHUP', 'SIGHUP');
    expect(signal.aborted).toBe(true);
    expect(kills).toEqual([]);
    expect(notes).toEqual([]);
  });

  it('after a hangup, a SIGTERM still leaves at once', () => {
    const { kills } = install();
    process.emit('SIGHUP', 'SIGHUP');
    process.emit('SIGTERM', 'SIGTERM');
    expect(kills).toEqual([[process.pid, 'SIGTERM']]);
  });
});
