import { describe, expect, it } from 'vitest';
import { TenantPurgeIncompleteError } from '../../../src/lib/cp/tenant-purge-incomplete-error.js';
import { ExitCode, HttpError, MolectlError, NotFoundError } from '../../../src/lib/errors.js';
import { MAX_CASCADE_ATTEMPTS, runDeleteCascade } from '../../../src/lib/org/run-delete-cascade.js';
import { createFakeClock } from './fake-clock.js';

function scriptedDelete(script: Array<Error | 'ok'>) {
  let i = 0;
  const cp = {
    calls: 0,
    async deleteTenant() {
      cp.calls++;
      const step = script[Math.min(i++, script.length - 1)]!;
      if (step instanceof Error) throw step;
      return { status: 'deleted' as const, httpStatus: 200 };
    },
  };
  return cp;
}

const far = () => Date.parse('2030-01-01T00:00:00Z');

describe('runDeleteCascade', () => {
  it('repeats the delete while the cascade stops part way, collecting purge ids', async () => {
    const cp = scriptedDelete([new TenantPurgeIncompleteError('acme', 'p-1', 'step failed'), new HttpError({ method: 'DELETE', url: 'x', status: 500 }), 'ok']);
    const clock = createFakeClock();
    const result = await runDeleteCascade({ cp, clock, signal: new AbortController().signal }, 'acme', { deadline: far() });
    expect(result).toEqual({ attempts: 3, purgeIds: ['p-1'], finishedEarlier: false });
    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it('takes a 404 as already gone (the verification decides), on any attempt', async () => {
    const first = await runDeleteCascade({ cp: scriptedDelete([new NotFoundError('gone')]), clock: createFakeClock(), signal: new AbortController().signal }, 'acme', { deadline: far() });
    expect(first).toEqual({ attempts: 1, purgeIds: [], finishedEarlier: true });
    const cp = scriptedDelete([new HttpError({ method: 'DELETE', url: 'x', status: 502 }), new NotFoundError('gone')]);
    const result = await runDeleteCascade({ cp, clock: createFakeClock(), signal: new AbortController().signal }, 'acme', { deadline: far() });
    expect(result.finishedEarlier).toBe(true);
  });

  it('does not retry what repeating cannot fix', async () => {
    const rejected = new HttpError({ method: 'DELETE', url: 'x', status: 401, code: ExitCode.credentials });
    await expect(runDeleteCascade({ cp: scriptedDelete([rejected]), clock: createFakeClock(), signal: new AbortController().signal }, 'acme', { deadline: far() })).rejects.toBe(rejected);
  });

  it('gives up after its attempts with how to resume', async () => {
    const cp = scriptedDelete([new TenantPurgeIncompleteError('acme', 'p-1', undefined)]);
    const error = (await runDeleteCascade({ cp, clock: createFakeClock(), signal: new AbortController().signal }, 'acme', { deadline: far() }).catch((e: unknown) => e)) as MolectlError;
    expect(cp.calls).toBe(MAX_CASCADE_ATTEMPTS);
    expect(error.code).toBe(ExitCode.failed);
    expect(error.hint).toMatch(/org delete acme --confirm acme/);
  });

  it('gives up at the deadline', async () => {
    const clock = createFakeClock();
    const cp = scriptedDelete([new HttpError({ method: 'DELETE', url: 'x', status: 500 })]);
    await expect(runDeleteCascade({ cp, clock, signal: new AbortController().signal }, 'acme', { deadline: clock.now().getTime() + 1500 })).rejects.toThrow(/did not finish deleting org "acme" after 2 attempt/);
  });
});
