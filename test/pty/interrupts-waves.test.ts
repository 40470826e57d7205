import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPty, stopAllPtys } from '../helpers/pty.js';
import { eachInterrupt, interrupt, startPtyFleet, type PtyFleet } from '../helpers/pty-fleet.js';

// Issue 13, the signal × phase table for a migration's waves, and a second Ctrl-C. Each
// interrupt is delivered as it happens (helpers/pty-fleet.ts); the test checks the exit code,
// the ledger, the locks, and that no tenant was sent anything after it.

let fleet: PtyFleet;

beforeAll(async () => {
  // Slow hosts, so that a wave is still out when the test interrupts it.
  fleet = await startPtyFleet({
    speed: 'fast',
    tenants: 14,
    preCutover: 14,
    workspacesPerTenant: 0,
    faults: 'host-work=500ms',
  });
});
afterEach(() => stopAllPtys());
afterAll(() => fleet.stop());

const UNATTENDED = ['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'apply', '--health-timeout', '5s'];
const APPLY_RUN = 'migrate cp-secret apply';

describe('signals during a wave', { timeout: 90_000 }, () => {
  it.each(
    eachInterrupt({
      SIGINT: { orgs: ['acme', 'beta', 'gamma'] },
      SIGTERM: { orgs: ['delta', 'epsilon', 'zeta'] },
      SIGHUP: { orgs: ['eta', 'theta', 'iota'] },
    }),
  )('%s: the hosts in flight finish on their own, no further wave is sent, 130', async (_how, { signal, orgs }) => {
    const [canary, ...rest] = orgs;
    const pty = startPty(
      [...UNATTENDED, '--orgs', orgs.join(','), '--canary', canary!, '--soak', '0', '--waves', '1,100%'],
      { env: fleet.env() },
    );
    // After the canary, a wave of one: the engine picks which.
    await fleet.untilSent('apply', rest);
    const inWave = rest.find((slug) => fleet.sendsFor('apply', [slug]) > 0)!;
    const lastWave = rest.find((slug) => slug !== inWave)!;
    const at = interrupt(pty, signal);
    // Only a person's Ctrl-C is asked whether to cancel the hosts in flight; the answer here is no.
    if (signal === 'SIGINT') {
      await pty.waitFor(/Cancel them anyway\? .*\[y\/N\]/);
      pty.type('n\r');
    }
    expect(await pty.exited).toBe(130);
    if (signal === 'SIGTERM') expect(pty.text).not.toMatch(/Cancel them anyway/);
    if (signal !== 'SIGHUP') expect(pty.text).toMatch(/hint: resume with: molectl migrate cp-secret resume /);
    const ledger = fleet.newest(APPLY_RUN);
    expect(ledger.status).toBe('interrupted');
    expect(ledger.targets[canary!]!.state).toBe('succeeded');
    expect(ledger.targets[inWave]).toMatchObject({
      state: 'in-progress',
      remoteIds: { commandId: expect.any(String) },
    });
    expect(ledger.targets[lastWave]!.state).toBe('pending');
    expect(fleet.locksHeld()).toEqual([]);
    expect(fleet.sendsAfter(at)).toBe(0);
    // The last wave was never sent.
    expect(fleet.sendsFor('apply', orgs)).toBe(2);
  });
});

describe('a second Ctrl-C', { timeout: 90_000 }, () => {
  it('leaves at once, sends nothing more; the ledger on disk is whole and resumable', async () => {
    const pty = startPty([...UNATTENDED, '--orgs', 'kappa,lambda', '--canary', 'kappa', '--soak', '5s'], {
      env: fleet.env(),
    });
    await pty.waitFor(/soaking canary kappa/);
    await fleet.untilSent('cp-auth-check', ['kappa']);
    const at = Date.now();
    pty.ctrlC();
    pty.ctrlC();
    expect(await pty.exited).toBe(130);
    expect(Date.now() - at).toBeLessThan(5_000);
    expect(fleet.sendsAfter(at)).toBe(0);
    const ledger = fleet.newest(APPLY_RUN);
    // Whichever the first Ctrl-C had time to write: both resume.
    expect(['interrupted', 'running']).toContain(ledger.status);
    expect(ledger.targets['lambda']!.state).toBe('pending');
    // Leaving at once may leave its locks behind: their holder is dead on this host, so resume takes them over.
    const resumed = await fleet.runToEnd(['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'resume', ledger.id]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(fleet.newest(APPLY_RUN).status).toBe('succeeded');
    expect(fleet.locksHeld()).toEqual([]);
  });

  it('at the question the first one asks, it leaves on a line of its own: the shell prompt comes back clean', async () => {
    const pty = startPty([...UNATTENDED, '--orgs', 'mu,nu', '--canary', 'mu', '--soak', '0', '--waves', '1'], {
      env: fleet.env(),
    });
    await fleet.untilSent('apply', ['nu']);
    pty.ctrlC();
    await pty.waitFor(/Cancel them anyway\? .*\[y\/N\] $/);
    pty.ctrlC();
    expect(await pty.exited).toBe(130);
    // It was "[y/N] SIGINT: a second interrupt; ..." on the question's line.
    expect(pty.text).toMatch(
      /\[y\/N\] \nSIGINT: a second interrupt; exiting now \(the ledger on disk is the last one written\)\n$/,
    );
  });
});
