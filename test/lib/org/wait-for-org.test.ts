import { describe, expect, it } from 'vitest';
import type { OrgRow } from '../../../src/lib/cp/cp-schemas.js';
import type { OrgPage } from '../../../src/lib/cp/read-org-answers.js';
import { ExitCode, HttpError, InterruptedError, MolectlError, NotFoundError } from '../../../src/lib/errors.js';
import type { OrgDirectoryCp } from '../../../src/lib/fleet/org-directory.js';
import { waitForOrg, type WaitProgress } from '../../../src/lib/org/wait-for-org.js';
import { createFakeClock } from './fake-clock.js';
import { stripRemoteMarks } from '../../../src/lib/output/remote-text.js';

/** A CP whose list answers the given statuses in turn (the last one repeats); errors are thrown. */
function scriptedCp(script: Array<string | Error | null>): OrgDirectoryCp & { calls: number } {
  let i = 0;
  const cp = {
    calls: 0,
    edgeRouteAnswered: false,
    adminTokenRouteAnswered: false,
    async listOrgs(): Promise<OrgPage> {
      cp.calls++;
      const step = script[Math.min(i++, script.length - 1)];
      if (step instanceof Error) throw step;
      const rows: OrgRow[] =
        step === null
          ? []
          : [{ id: 'org-1', slug: 'acme', instance_status: step!, created_at: '2026-06-01T12:00:00Z' }];
      return { rows, unreadable: [], limit: 500, more: null, limitRefused: null };
    },
    // Not listed yet: both per-org routes say so (no listed org to compare the edge route with).
    async getOrgInstance(): Promise<never> {
      throw new NotFoundError('org not found');
    },
    async getOrgAdminToken(): Promise<never> {
      throw new NotFoundError('org not found');
    },
  };
  return cp;
}

const healthy = async () => ({ healthy: true, detail: 'HTTP 200 status ok' });

describe('waitForOrg', () => {
  it('waits through provisioning, then for health, reporting progress', async () => {
    const clock = createFakeClock();
    let probes = 0;
    const progress: WaitProgress[] = [];
    const outcome = await waitForOrg(
      {
        cp: scriptedCp([null, 'provisioning', 'provisioning', 'running']),
        clock,
        signal: new AbortController().signal,
        probeHealth: async () =>
          ++probes < 3 ? { healthy: false, detail: 'HTTP 502' } : { healthy: true, detail: 'ok' },
      },
      {
        slug: 'acme',
        timeoutMs: 60_000,
        startedAt: clock.now(),
        checkHealth: true,
        onProgress: (p) => progress.push(p),
      },
    );
    expect(outcome).toMatchObject({ kind: 'ready', instanceStatus: 'running', healthChecked: true });
    expect(probes).toBe(3);
    expect(progress.map((p) => p.instanceStatus)).toEqual([
      'not listed yet',
      'provisioning',
      'provisioning',
      'running',
      'running',
    ]);
    expect(progress.at(-1)).toMatchObject({ phase: 'health', health: 'HTTP 502' });
    // Poll gaps grow but stay bounded.
    expect(clock.sleeps[0]).toBe(500);
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(10_000);
  });

  it('skips health when asked', async () => {
    const clock = createFakeClock();
    const outcome = await waitForOrg(
      {
        cp: scriptedCp(['running']),
        clock,
        signal: new AbortController().signal,
        probeHealth: () => Promise.reject(new Error('must not probe')),
      },
      { slug: 'acme', timeoutMs: 1000, startedAt: clock.now(), checkHealth: false },
    );
    expect(outcome).toMatchObject({ kind: 'ready', healthChecked: false });
  });

  it('reports failed', async () => {
    const clock = createFakeClock();
    const outcome = await waitForOrg(
      { cp: scriptedCp(['provisioning', 'failed']), clock, signal: new AbortController().signal, probeHealth: healthy },
      { slug: 'acme', timeoutMs: 60_000, startedAt: clock.now(), checkHealth: true },
    );
    expect(outcome.kind).toBe('failed');
  });

  it('times out in the phase it was in, never sleeping past the deadline', async () => {
    const clock = createFakeClock();
    const outcome = await waitForOrg(
      { cp: scriptedCp(['provisioning']), clock, signal: new AbortController().signal, probeHealth: healthy },
      { slug: 'acme', timeoutMs: 20 * 60_000, startedAt: clock.now(), checkHealth: true },
    );
    expect(outcome).toMatchObject({
      kind: 'timeout',
      phase: 'provisioning',
      instanceStatus: 'provisioning',
      elapsedMs: 20 * 60_000,
    });
  });

  it('waits through a few CP failures but not through a rejected token', async () => {
    const clock = createFakeClock();
    const flaky = new HttpError({ method: 'GET', url: 'x', status: 503 });
    const outcome = await waitForOrg(
      { cp: scriptedCp([flaky, flaky, 'running']), clock, signal: new AbortController().signal, probeHealth: healthy },
      { slug: 'acme', timeoutMs: 60_000, startedAt: clock.now(), checkHealth: true },
    );
    expect(outcome.kind).toBe('ready');
    const rejected = new MolectlError('rejected', { code: ExitCode.credentials });
    await expect(
      waitForOrg(
        { cp: scriptedCp([rejected]), clock, signal: new AbortController().signal, probeHealth: healthy },
        { slug: 'acme', timeoutMs: 60_000, startedAt: clock.now(), checkHealth: true },
      ),
    ).rejects.toBe(rejected);
  });

  it('on Ctrl-C says what it last saw of the org, and that running and healthy are unverified (exit 130)', async () => {
    const clock = createFakeClock();
    const controller = new AbortController();
    const cp = scriptedCp(['provisioning']);
    const listOrgs = cp.listOrgs.bind(cp);
    cp.listOrgs = async () => {
      if (cp.calls === 2) controller.abort(new InterruptedError());
      return listOrgs();
    };
    const error = await waitForOrg(
      { cp, clock, signal: controller.signal, probeHealth: healthy },
      { slug: 'acme', timeoutMs: 60_000, startedAt: clock.now(), checkHealth: true },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).code).toBe(130);
    expect(stripRemoteMarks((error as InterruptedError).message)).toMatch(
      /nothing was deleted: its instance_status was provisioning at the last look; running and healthy are unverified/,
    );
    expect((error as InterruptedError).hint).toMatch(/molectl org show acme/);
  });
});
