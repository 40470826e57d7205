import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/lib/clock.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// Issue 12, item 11, the other half: a mutating SendCommand (the apply script) is never re-sent
// blindly after a transport reset. The sandbox acts on the SendCommand, then drops the connection.

/** Apply-script commands the sandbox accepted, per instance id. */
function applyRunsPerHostOf(f: SandboxFixture): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of f.sandbox.state.commands.values()) {
    if (!c.comment.includes('cp-secret apply')) continue;
    for (const id of c.instanceIds) counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

/** The error document `-o json` writes on stderr. */
function jsonError(stderr: string): { message: string; hint: string } {
  const line = stderr.split('\n').find((l) => l.startsWith('{"error"'))!;
  return (JSON.parse(line) as { error: { message: string; hint: string } }).error;
}

const APPLY = ['--env', 'sandbox', 'migrate', 'cp-secret', 'apply', '--yes', '--soak', '0', '--health-timeout', '5s'];

describe('an apply SendCommand whose answer is lost', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 3, preCutover: 3 });
  });
  afterAll(() => f.stop());

  const instanceOf = (slug: string): string => f.sandbox.state.orgs.get(slug)!.tenantInstanceId!;
  const applyRunsPerHost = () => applyRunsPerHostOf(f);

  it('the host runs the script once: the command is found by its run-scoped comment, or the run stops resumable', async () => {
    const { state } = f.sandbox;
    state.faults.flags['resetAfterSendCommand'] = 'cp-secret apply';
    const r = await f.molectl([...APPLY, '-o', 'json']);
    expect(state.connectionsReset).toBe(1);
    expect(r.code).toBe(1);
    const error = jsonError(r.stderr);
    expect(error.message).toMatch(
      /canary: a SendCommand of the apply script got no answer, so SSM may be running it on acme; molectl did not send it again \(ssm:SendCommand .* got no answer \(ECONNRESET\)/,
    );
    const run = /run (\S+-migrate-cp-secret-apply-\w+)/.exec(r.stderr)![1]!;
    expect(error.hint).toContain(`molectl migrate cp-secret resume ${run}`);
    // The ledger knows what it sent, by comment, though it never learnt the command id.
    const ledger = JSON.parse(readFileSync(join(f.stateDir, 'runs', `${run}.json`), 'utf8')) as {
      targets: Record<string, { state: string; remoteIds: Record<string, string>; detail: Record<string, unknown> }>;
    };
    expect(ledger.targets['acme']).toMatchObject({ state: 'in-progress', remoteIds: {} });
    expect(ledger.targets['acme']!.detail['dispatchComment']).toMatch(new RegExp(`cp-secret apply ${run} canary`));
    expect(applyRunsPerHost()).toEqual({ [instanceOf('acme')]: 1 });

    const resumed = await f.molectl(['--env', 'sandbox', 'migrate', 'cp-secret', 'resume', run, '--yes']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/acme +needs-migration +migrated +Success/);
    expect(resumed.stdout).toMatch(/3 migrated/);
    // Each host ran the apply script exactly once: acme's command was adopted, not sent again.
    expect(applyRunsPerHost()).toEqual({ [instanceOf('acme')]: 1, [instanceOf('beta')]: 1, [instanceOf('gamma')]: 1 });
    const adopted = JSON.parse(readFileSync(join(f.stateDir, 'runs', `${run}.json`), 'utf8')) as {
      events: Array<{ message: string }>;
    };
    expect(adopted.events.map((e) => e.message)).toContainEqual(expect.stringMatching(/^acme: adopted command /));
  });
});

describe('an apply SendCommand whose answer never comes', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 3, preCutover: 3 });
  });
  afterAll(() => f.stop());

  const applyRunsPerHost = () => applyRunsPerHostOf(f);

  it('a SendCommand whose answer never comes (a timeout, not a reset) is treated the same: never sent again blind', async () => {
    const { state } = f.sandbox;
    state.faults = { ...state.faults, wire: {} };
    // The first apply SendCommand is acted on, then its answer hangs (wire=SendCommand:hang for that one reply).
    state.beforeAwsReply = (target, body) => {
      if (!target.endsWith('.SendCommand') || !body.includes('cp-secret apply')) return;
      state.beforeAwsReply = undefined;
      state.faults.wire = { SendCommand: 'hang' };
      setImmediate(() => (state.faults.wire = {}));
    };
    const before = applyRunsPerHost();
    const r = await f.molectl([...APPLY, '-o', 'json'], { env: { MOLECTL_CALL_TIMEOUT: '500ms' } });
    expect(r.code).toBe(1);
    const error = jsonError(r.stderr);
    expect(error.message).toMatch(
      /a SendCommand of the apply script got no answer, so SSM may be running it on \w+; molectl did not send it again \(ssm:SendCommand .* got no answer within 500 ms \(timeout\)/,
    );
    const run = /run (\S+-migrate-cp-secret-apply-\w+)/.exec(r.stderr)![1]!;
    const resumed = await f.molectl(['--env', 'sandbox', 'migrate', 'cp-secret', 'resume', run, '--yes']);
    expect(resumed.code, resumed.stderr).toBe(0);
    // No host got the script twice from this run.
    const after = applyRunsPerHost();
    for (const [id, n] of Object.entries(after)) expect(n - (before[id] ?? 0)).toBeLessThanOrEqual(1);
  });
});

describe('an apply SendCommand whose answer is lost, recorded by a clock that was ahead', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 3, preCutover: 3 });
  });
  afterAll(() => f.stop());

  const instanceOf = (slug: string): string => f.sandbox.state.orgs.get(slug)!.tenantInstanceId!;

  it('is still found by its comment once the clock was set back: the host runs the script once', async () => {
    const { state } = f.sandbox;
    // This machine's clock is 2 hours fast while the run records its intent, and is set back
    // (NTP) before the resume: SSM dated the command by its own clock, 2 hours before dispatchedAt.
    const fast = { now: () => new Date(Date.now() + 2 * 3600_000), sleep: systemClock.sleep };
    state.faults.flags['resetAfterSendCommand'] = 'cp-secret apply';
    const r = await f.molectl([...APPLY, '-o', 'json'], { overrides: { clock: fast } });
    delete state.faults.flags['resetAfterSendCommand'];
    expect(r.code).toBe(1);
    const run = /run (\S+-migrate-cp-secret-apply-\w+)/.exec(r.stderr)![1]!;
    expect(applyRunsPerHostOf(f)).toEqual({ [instanceOf('acme')]: 1 });

    const resumed = await f.molectl(['--env', 'sandbox', 'migrate', 'cp-secret', 'resume', run, '--yes']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(applyRunsPerHostOf(f)).toEqual({
      [instanceOf('acme')]: 1,
      [instanceOf('beta')]: 1,
      [instanceOf('gamma')]: 1,
    });
  });
});
