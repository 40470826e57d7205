import { describe, expect, it } from 'vitest';
import type { OrgPage } from '../../../src/lib/cp/read-org-answers.js';
import { TenantPurgeIncompleteError } from '../../../src/lib/cp/tenant-purge-incomplete-error.js';
import { ExitCode, HttpError, MolectlError, NotFoundError } from '../../../src/lib/errors.js';
import { NoAnswerError } from '../../../src/lib/http/no-answer-error.js';
import { MAX_CASCADE_ATTEMPTS, runDeleteCascade } from '../../../src/lib/org/run-delete-cascade.js';
import { createFakeClock } from './fake-clock.js';

/**
 * A CP whose DELETE answers the script in turn (the last step repeats). The org is listed until
 * `goneAfterCalls` DELETEs were sent (a cascade whose answer was lost may still finish).
 */
function scriptedCp(script: Array<Error | 'ok'>, options: { goneAfterCalls?: number } = {}) {
  let i = 0;
  const cp = {
    calls: 0,
    lookups: 0,
    edgeRouteAnswered: true,
    adminTokenRouteAnswered: true,
    async deleteTenant(_slug: string, opts: { timeoutMs?: number } = {}) {
      cp.calls++;
      cp.timeouts.push(opts.timeoutMs);
      const step = script[Math.min(i++, script.length - 1)]!;
      if (step instanceof Error) throw step;
      return { status: 'deleted' as const, httpStatus: 200 };
    },
    timeouts: [] as Array<number | undefined>,
    async listOrgs(): Promise<OrgPage> {
      cp.lookups++;
      const gone = options.goneAfterCalls !== undefined && cp.calls >= options.goneAfterCalls;
      return {
        rows: gone ? [] : [{ id: 'org-1', slug: 'acme', instance_status: 'running', created_at: null }],
        unreadable: [],
        more: null,
        limitRefused: null,
        limit: 500,
      };
    },
    async getOrgInstance(): Promise<never> {
      throw new NotFoundError('org not found');
    },
    async getOrgAdminToken(): Promise<never> {
      throw new NotFoundError('org not found');
    },
  };
  return cp;
}

const far = () => Date.parse('2030-01-01T00:00:00Z');
const options = (deadline = far()) => ({ deadline, callTimeoutMs: 180_000 });
const timeout = () => new NoAnswerError('DELETE x timed out after 180000 ms', 'timeout', true);

describe('runDeleteCascade', () => {
  it('repeats the delete while the cascade stops part way, collecting purge ids and every answer', async () => {
    const cp = scriptedCp([
      new TenantPurgeIncompleteError('acme', 'p-1', 'step failed'),
      new HttpError({ method: 'DELETE', url: 'x', status: 500 }),
      'ok',
    ]);
    const clock = createFakeClock();
    const result = await runDeleteCascade(
      { cp, clock, signal: new AbortController().signal, envName: 'staging' },
      'acme',
      options(),
    );
    expect(result.ending).toBe('done');
    expect(result.purgeIds).toEqual(['p-1']);
    expect(result.attempts.map((a) => a.answer)).toEqual([
      'HTTP 500: the cascade stopped part way (purge p-1)',
      'HTTP 500',
      'HTTP 200',
    ]);
    expect(result.attempts[0]!.purgeId).toBe('p-1');
    expect(clock.sleeps).toEqual([1000, 2000]);
    // Each call gets the long cascade timeout.
    expect(cp.timeouts).toEqual([180_000, 180_000, 180_000]);
  });

  it('ends on a 404 and leaves its meaning to the verification', async () => {
    const first = await runDeleteCascade(
      {
        cp: scriptedCp([new NotFoundError('gone')]),
        clock: createFakeClock(),
        signal: new AbortController().signal,
        envName: 'staging',
      },
      'acme',
      options(),
    );
    expect(first.ending).toBe('not-found');
    expect(first.attempts.map((a) => a.answer)).toEqual(['HTTP 404']);
  });

  it('never sends a second DELETE beside one that got no answer: it watches the org first', async () => {
    // The first call times out but its cascade finishes: the org disappears; nothing more is sent.
    const cp = scriptedCp([timeout(), 'ok'], { goneAfterCalls: 1 });
    const result = await runDeleteCascade(
      { cp, clock: createFakeClock(), signal: new AbortController().signal, envName: 'staging' },
      'acme',
      options(),
    );
    expect(result.ending).toBe('gone-while-waiting');
    expect(cp.calls).toBe(1);
    expect(cp.lookups).toBeGreaterThan(0);
  });

  it('sends again only after watching for twice the call timeout when the org stays', async () => {
    const cp = scriptedCp([new HttpError({ method: 'DELETE', url: 'x', status: 504 }), 'ok']);
    const clock = createFakeClock();
    const start = clock.now().getTime();
    const sentAt: number[] = [];
    const result = await runDeleteCascade(
      { cp, clock, signal: new AbortController().signal, envName: 'staging' },
      'acme',
      {
        ...options(),
        onAttempt: () => void sentAt.push(clock.now().getTime() - start),
      },
    );
    expect(result.ending).toBe('done');
    expect(cp.calls).toBe(2);
    expect(sentAt[1]).toBeGreaterThanOrEqual(360_000);
    expect(result.attempts[0]!.answer).toMatch(/HTTP 504 from a gateway/);
  });

  it('does not retry what repeating cannot fix', async () => {
    const rejected = new HttpError({ method: 'DELETE', url: 'x', status: 401, code: ExitCode.credentials });
    await expect(
      runDeleteCascade(
        {
          cp: scriptedCp([rejected]),
          clock: createFakeClock(),
          signal: new AbortController().signal,
          envName: 'staging',
        },
        'acme',
        options(),
      ),
    ).rejects.toBe(rejected);
  });

  it('gives up after its attempts with how to resume', async () => {
    const cp = scriptedCp([new TenantPurgeIncompleteError('acme', 'p-1', undefined)]);
    const error = (await runDeleteCascade(
      { cp, clock: createFakeClock(), signal: new AbortController().signal, envName: 'staging' },
      'acme',
      options(),
    ).catch((e: unknown) => e)) as MolectlError;
    expect(cp.calls).toBe(MAX_CASCADE_ATTEMPTS);
    expect(error.code).toBe(ExitCode.failed);
    // The command as it runs: --confirm is refused without the environment on the same line.
    expect(error.hint).toMatch(/run `molectl --env staging org delete acme --confirm acme` again/);
  });

  it('gives up at the deadline', async () => {
    const clock = createFakeClock();
    const cp = scriptedCp([new HttpError({ method: 'DELETE', url: 'x', status: 500 })]);
    await expect(
      runDeleteCascade(
        { cp, clock, signal: new AbortController().signal, envName: 'staging' },
        'acme',
        options(clock.now().getTime() + 1500),
      ),
    ).rejects.toThrow(/did not finish deleting org "acme" after 2 attempt/);
  });
});
