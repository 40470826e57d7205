import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPty, stopAllPtys } from '../helpers/pty.js';
import { eachInterrupt, interrupt, startPtyFleet, type PtyFleet } from '../helpers/pty-fleet.js';

// Issue 13, the signal × phase table for a migration before its waves: at the typed
// confirmation, while the canary is being changed, during its soak. Each interrupt is delivered
// as it happens (helpers/pty-fleet.ts) and the test checks the exit code, the ledger, the locks,
// and that no tenant was sent anything after it. Waves: interrupts-waves.test.ts.

let fleet: PtyFleet;

beforeAll(async () => {
  // Slow hosts, so that the canary is still being changed when the test interrupts it.
  fleet = await startPtyFleet({
    speed: 'fast',
    tenants: 19,
    preCutover: 19,
    workspacesPerTenant: 0,
    faults: 'host-work=500ms',
  });
});
afterEach(() => stopAllPtys());
afterAll(() => fleet.stop());

const APPLY = ['migrate', 'cp-secret', 'apply', '--health-timeout', '5s'];
const UNATTENDED = ['--env', 'sandbox', '--yes', ...APPLY];
const APPLY_RUN = 'migrate cp-secret apply';

describe('the typed confirmation', { timeout: 60_000 }, () => {
  it('typing the environment name goes ahead', async () => {
    const pty = startPty([...APPLY, '--orgs', 'acme', '--soak', '0'], { env: fleet.env() });
    await pty.waitFor(/Type the environment name \(sandbox\) to change 1 tenant: $/);
    pty.type('sandbox\r');
    expect(await pty.exited).toBe(0);
    expect(fleet.newest(APPLY_RUN).status).toBe('succeeded');
  });

  it.each(eachInterrupt({ SIGINT: { org: 'beta' }, SIGTERM: { org: 'gamma' }, SIGHUP: { org: 'delta' } }))(
    '%s at the question: 130, no run left behind, no lock held, nothing sent',
    async (_how, { signal, org }) => {
      const before = fleet.ledgers().length;
      const pty = startPty([...APPLY, '--orgs', org, '--soak', '0'], { env: fleet.env() });
      await pty.waitFor(/Type the environment name/);
      const at = interrupt(pty, signal);
      expect(await pty.exited).toBe(130);
      expect(fleet.ledgers().length).toBe(before);
      expect(fleet.locksHeld()).toEqual([]);
      expect(fleet.sendsAfter(at)).toBe(0);
      expect(fleet.sendsFor('apply', [org])).toBe(0);
    },
  );

  it('Ctrl-D at the question is no answer: 130, nothing sent', async () => {
    const before = fleet.ledgers().length;
    const pty = startPty([...APPLY, '--orgs', 'omicron', '--soak', '0'], { env: fleet.env() });
    await pty.waitFor(/Type the environment name/);
    pty.type('\u0004');
    expect(await pty.exited).toBe(130);
    expect(pty.text).toMatch(
      /no answer at the question \(confirming: change 1 tenant\): its input ended; nothing was changed/,
    );
    expect(fleet.ledgers().length).toBe(before);
    expect(fleet.locksHeld()).toEqual([]);
    expect(fleet.sendsFor('apply', ['omicron'])).toBe(0);
  });

  it('Ctrl-C after typing part of the answer: the notice starts on a line of its own, no blank line, then the error', async () => {
    const pty = startPty([...APPLY, '--orgs', 'pi', '--soak', '0'], { env: fleet.env() });
    await pty.waitFor(/Type the environment name \(sandbox\) to change 1 tenant: $/);
    pty.type('sand');
    await pty.waitFor(/tenant: sand$/);
    pty.ctrlC();
    expect(await pty.exited).toBe(130);
    // It was "...tenants: sandwarning: interrupted..." and two blank lines before the error.
    expect(pty.text).toMatch(
      /to change 1 tenant: sand\nwarning: interrupted: [^\n]*\nerror: interrupted at the question \(confirming: change 1 tenant\); nothing was changed by it\n/,
    );
    expect(fleet.sendsFor('apply', ['pi'])).toBe(0);
  });
});

describe('signals before the waves', { timeout: 90_000 }, () => {
  it.each(
    eachInterrupt({
      SIGINT: { canary: 'epsilon', next: 'zeta' },
      SIGTERM: { canary: 'sigma', next: 'tau' },
      SIGHUP: { canary: 'eta', next: 'theta' },
    }),
  )(
    '%s while the canary is being changed: its host is left to finish, no other tenant is sent, 130',
    async (_how, { signal, canary, next }) => {
      const pty = startPty([...UNATTENDED, '--orgs', `${canary},${next}`, '--canary', canary, '--soak', '0'], {
        env: fleet.env(),
      });
      await fleet.untilSent('apply', [canary]);
      const at = interrupt(pty, signal);
      // Only a person's Ctrl-C is asked whether to cancel the host in flight; the answer here is no.
      if (signal === 'SIGINT') {
        await pty.waitFor(/Cancel them anyway\? .*\[y\/N\]/);
        pty.type('n\r');
      }
      expect(await pty.exited).toBe(130);
      if (signal !== 'SIGHUP') {
        expect(pty.text).toMatch(/1 tenant is still being changed by 1 SSM command; they will finish on their own/);
        expect(pty.text).toMatch(/hint: resume with: molectl migrate cp-secret resume /);
      }
      if (signal === 'SIGTERM') expect(pty.text).not.toMatch(/Cancel them anyway/);
      const ledger = fleet.newest(APPLY_RUN);
      expect(ledger.status).toBe('interrupted');
      // The canary's command is recorded, for resume to collect its result; the other tenant is untouched.
      expect(ledger.targets[canary]).toMatchObject({
        state: 'in-progress',
        remoteIds: { commandId: expect.any(String) },
      });
      expect(ledger.targets[next]!.state).toBe('pending');
      expect(fleet.locksHeld()).toEqual([]);
      expect(fleet.sendsAfter(at)).toBe(0);
      expect(fleet.sendsFor('apply', [next])).toBe(0);
    },
  );

  it.each(
    eachInterrupt({
      SIGINT: { canary: 'iota', next: 'kappa' },
      SIGTERM: { canary: 'lambda', next: 'mu' },
      SIGHUP: { canary: 'nu', next: 'xi' },
    }),
  )(
    '%s during the soak: 130, ledger interrupted, lock released, no wave sent',
    async (_how, { signal, canary, next }) => {
      const pty = startPty([...UNATTENDED, '--orgs', `${canary},${next}`, '--canary', canary, '--soak', '60s'], {
        env: fleet.env(),
      });
      await pty.waitFor(new RegExp(`soaking canary ${canary}`));
      // The soak's first check (does the CP accept the canary's credentials?) is out: it now watches.
      await fleet.untilSent('cp-auth-check', [canary]);
      const at = interrupt(pty, signal);
      expect(await pty.exited).toBe(130);
      if (signal !== 'SIGHUP') {
        expect(pty.text).not.toMatch(/Cancel them anyway/);
        expect(pty.text).toMatch(/interrupted: run \S+ saved; tenants already changed stay changed/);
        expect(pty.text).toMatch(/hint: resume with: molectl migrate cp-secret resume /);
      }
      const ledger = fleet.newest(APPLY_RUN);
      expect(ledger.status).toBe('interrupted');
      expect(ledger.targets[canary]!.state).toBe('succeeded');
      expect(ledger.targets[next]!.state).toBe('pending');
      expect(fleet.locksHeld()).toEqual([]);
      expect(fleet.sendsAfter(at)).toBe(0);
      expect(fleet.sendsFor('apply', [next])).toBe(0);
    },
  );
});
