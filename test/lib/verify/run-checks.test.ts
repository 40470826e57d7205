import { describe, expect, it } from 'vitest';
import type { CheckDeps, CheckOutcome, VerifyCheck } from '../../../src/lib/verify/check-types.js';
import { runChecks, selectChecks } from '../../../src/lib/verify/run-checks.js';
import { ConfigError, InterruptedError, MolectlError } from '../../../src/lib/errors.js';

/** A fake clock: sleeping advances time at once, so --wait runs without waiting. */
function fakeClock() {
  let now = 0;
  return { now: () => now, sleep: async (ms: number) => void (now += ms), advance: (ms: number) => void (now += ms) };
}

function check(id: string, outcomes: Array<CheckOutcome | Error>, waits = false): VerifyCheck & { calls: number } {
  const c = {
    id,
    title: id,
    source: 'built-in' as const,
    waits,
    calls: 0,
    async run() {
      const next = outcomes[Math.min(c.calls, outcomes.length - 1)]!;
      c.calls += 1;
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return c;
}

const deps = {} as CheckDeps;
const failing: CheckOutcome = { status: 'fail', detail: 'not yet', hint: 'wait' };
const passing: CheckOutcome = { status: 'pass', detail: 'fine' };

describe('runChecks', () => {
  it('runs checks in parallel, not one after another', async () => {
    const slow = (id: string): VerifyCheck => ({
      id,
      title: id,
      source: 'built-in',
      waits: false,
      run: () => new Promise((r) => setTimeout(() => r(passing), 100)),
    });
    const began = Date.now();
    const results = await runChecks([slow('a'), slow('b'), slow('c'), slow('d')], deps, {
      waitMs: 0,
      intervalMs: 10,
      strict: false,
      now: Date.now,
      sleep: async () => undefined,
    });
    expect(results.map((r) => r.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(Date.now() - began).toBeLessThan(300);
  });

  it('retries a waiting check until it passes, and runs other checks once', async () => {
    const clock = fakeClock();
    const deploy = check('deploy', [failing, failing, passing], true);
    const health = check('health', [failing]);
    const results = await runChecks([deploy, health], deps, {
      waitMs: 60_000,
      intervalMs: 15_000,
      strict: false,
      ...clock,
    });
    expect(results.map((r) => [r.id, r.status, r.attempts])).toEqual([
      ['deploy', 'pass', 3],
      ['health', 'fail', 1],
    ]);
    expect(results[0]!.hint).toBeUndefined();
  });

  it('stops when the next attempt would start after --wait ran out', async () => {
    const clock = fakeClock();
    const deploy = check('deploy', [failing], true);
    const [result] = await runChecks([deploy], deps, { waitMs: 45_000, intervalMs: 15_000, strict: false, ...clock });
    expect(result).toMatchObject({ status: 'fail', attempts: 4, hint: 'wait', durationMs: 45_000 });
  });

  it('does not retry rejected credentials', async () => {
    const clock = fakeClock();
    const deploy = check('deploy', [new ConfigError('token rejected', 'use another token')], true);
    const [result] = await runChecks([deploy], deps, { waitMs: 60_000, intervalMs: 1000, strict: false, ...clock });
    expect(result).toMatchObject({ status: 'fail', attempts: 1, detail: 'token rejected', hint: 'use another token' });
  });

  it('turns thrown errors into failures with their hint, and unexpected ones into a generic failure', async () => {
    const results = await runChecks(
      [check('a', [new MolectlError('boom', { hint: 'fix it' })]), check('b', [new TypeError('x is undefined')])],
      deps,
      { waitMs: 0, intervalMs: 10, strict: false, ...fakeClock() },
    );
    expect(results[0]).toMatchObject({ status: 'fail', detail: 'boom', hint: 'fix it' });
    expect(results[1]).toMatchObject({ status: 'fail', detail: 'unexpected error: x is undefined' });
  });

  it('lets Ctrl-C end the run', async () => {
    await expect(
      runChecks([check('a', [new InterruptedError()])], deps, {
        waitMs: 0,
        intervalMs: 10,
        strict: false,
        ...fakeClock(),
      }),
    ).rejects.toThrow('interrupted');
  });

  it('counts a skip as a failure under --strict, keeping the reason', async () => {
    const skipped: CheckOutcome = { status: 'skip', detail: 'RAILWAY_TOKEN is not set', hint: 'export it' };
    const [loose] = await runChecks([check('a', [skipped])], deps, {
      waitMs: 0,
      intervalMs: 10,
      strict: false,
      ...fakeClock(),
    });
    const [strict] = await runChecks([check('a', [skipped])], deps, {
      waitMs: 0,
      intervalMs: 10,
      strict: true,
      ...fakeClock(),
    });
    expect(loose).toMatchObject({ status: 'skip', hint: 'export it' });
    expect(strict).toMatchObject({
      status: 'fail',
      detail: 'skipped, which --strict counts as a failure: RAILWAY_TOKEN is not set',
      hint: 'export it',
    });
  });
});

describe('selectChecks', () => {
  const builtIns = ['a', 'b', 'c'].map((id) => check(id, [passing]));
  const fileB = { ...check('b', [passing]), source: 'checklist' as const };
  const fileX = { ...check('x', [passing]), source: 'checklist' as const };

  it.each([
    [{ keepBuiltIns: 'all' as const }, ['a', 'b', 'c', 'x'], 'b'],
    [{ keepBuiltIns: 'none' as const }, ['b', 'x'], 'b'],
    [{ keepBuiltIns: ['c'] }, ['b', 'c', 'x'], 'b'],
    [{ keepBuiltIns: 'all' as const, only: ['x', 'a'] }, ['a', 'x'], null],
    [{ keepBuiltIns: 'all' as const, skip: ['a', 'b'] }, ['c', 'x'], null],
  ])('%j -> %j', (args, ids, replaced) => {
    const { checks, unknownIds } = selectChecks({ builtIns, fileChecks: [fileB, fileX], ...args });
    expect(checks.map((c) => c.id)).toEqual(ids);
    expect(unknownIds).toEqual([]);
    if (replaced) expect(checks.find((c) => c.id === replaced)!.source).toBe('checklist');
  });

  it('returns ids it does not know', () => {
    expect(
      selectChecks({ builtIns, keepBuiltIns: 'all', fileChecks: [], only: ['a', 'zz'], skip: ['zz', 'yy'] }).unknownIds,
    ).toEqual(['zz', 'yy']);
  });
});
