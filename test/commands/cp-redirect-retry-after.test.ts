import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../src/lib/clock.js';
import { defaultFaults } from '../../src/sandbox/state.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// Issue 12, item 10 at command level: a redirect is reported with its Location and not followed;
// a long Retry-After wait is said on stderr (not only with --verbose).

let f: SandboxFixture;
beforeAll(async () => {
  f = await startSandboxFixture({ tenants: 1 });
});
afterAll(() => f.stop());
beforeEach(() => {
  f.sandbox.state.faults = defaultFaults();
});

const cpActionsSince = (mark: number): string[] =>
  f.sandbox.state.requests
    .slice(mark)
    .filter((q) => q.service === 'cp')
    .map((q) => q.action);

describe('a CP behind a redirect', () => {
  it('org list reports where the redirect pointed, does not follow it, and fails', async () => {
    f.sandbox.state.faults.flags['cpRedirect'] = '/login/sso';
    const mark = f.sandbox.state.requests.length;
    const run = await f.molectl(['org', 'list']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /GET \S+\/cp\/admin\/orgs\S* answered HTTP 307, redirected to \S+\/login\/sso \(not followed\)/,
    );
    expect(run.stderr).toMatch(/hint: molectl does not follow redirects; check the CP URL/);
    const actions = cpActionsSince(mark);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => a.includes('/login'))).toEqual([]);
  });
});

describe('a long Retry-After', () => {
  it('org create says the wait on stderr without --verbose, then sends the POST again and succeeds', async () => {
    f.sandbox.state.faults.flags['cp429'] = 1;
    f.sandbox.state.faults.flags['cp429Wait'] = 30;
    // The wait is taken through the clock door: recorded, not slept.
    const waits: number[] = [];
    const clock: Clock = {
      now: systemClock.now,
      sleep: (ms, signal) => {
        if (ms < 5_000) return systemClock.sleep(ms, signal);
        waits.push(ms);
        return Promise.resolve();
      },
    };
    const mark = f.sandbox.state.requests.length;
    const run = await f.molectl(['org', 'create', 'after-long-429', '--no-wait'], { overrides: { clock } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/retrying POST \S+\/cp\/admin\/orgs \(2\/\d+\) in 30\.0s after HTTP 429/);
    expect(waits).toEqual([30_000]);
    expect(cpActionsSince(mark).filter((a) => a === 'POST /cp/admin/orgs')).toHaveLength(2);
  });

  it('a short one stays quiet without --verbose', async () => {
    f.sandbox.state.faults.flags['cp429'] = 1;
    const run = await f.molectl(['org', 'create', 'after-short-429', '--no-wait']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/retrying POST/);
  });
});
