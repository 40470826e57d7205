import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPty, stopAllPtys } from '../helpers/pty.js';
import { eachInterrupt, interrupt, startPtyFleet, type PtyFleet } from '../helpers/pty-fleet.js';

// Issue 13: a rollback is interrupted the way an apply is (the signal × phase table's rollback
// row), and two runs started together never both run. Each interrupt is delivered as it happens
// (helpers/pty-fleet.ts); the test checks the exit code, the ledger, the locks, and that no
// tenant was sent anything after it.

let fleet: PtyFleet;

beforeAll(async () => {
  // Slow hosts, so that a rollback wave is still out when the test interrupts it.
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

const APPLY = ['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'apply', '--health-timeout', '5s'];
const ROLLED_BACK = ['acme', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];

describe('setup', { timeout: 60_000 }, () => {
  it('an apply run to roll back later', async () => {
    const r = await fleet.runToEnd([...APPLY, '--orgs', ROLLED_BACK.join(','), '--soak', '0', '--waves', '100%']);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('signals during a rollback wave', { timeout: 90_000 }, () => {
  it.each(
    eachInterrupt({
      SIGINT: { orgs: ['acme', 'beta'] },
      SIGTERM: { orgs: ['gamma', 'delta'] },
      SIGHUP: { orgs: ['epsilon', 'zeta'] },
    }),
  )('%s: 130, its ledger interrupted, the fleet lock released, no later wave sent', async (_how, { signal, orgs }) => {
    const apply = fleet.newest('migrate cp-secret apply');
    const pty = startPty(
      ['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'rollback', apply.id, '--orgs', orgs.join(',')],
      { env: fleet.env() },
    );
    // The rollback's first wave is one tenant: the engine picks which.
    await fleet.untilSent('rollback', orgs);
    const first = orgs.find((slug) => fleet.sendsFor('rollback', [slug]) > 0)!;
    const second = orgs.find((slug) => slug !== first)!;
    const at = interrupt(pty, signal);
    expect(await pty.exited).toBe(130);
    if (signal !== 'SIGHUP') expect(pty.text).toMatch(/hint: run the same rollback again/);
    const rollback = fleet.newest('migrate cp-secret rollback');
    expect(rollback.status).toBe('interrupted');
    expect(rollback.targets[second]!.state).toBe('pending');
    expect(fleet.locksHeld()).toEqual([]);
    expect(fleet.sendsAfter(at)).toBe(0);
    expect(fleet.sendsFor('rollback', [second])).toBe(0);
  });
});

describe('one run at a time', { timeout: 90_000 }, () => {
  it('two applies started together: exactly one runs, the other changes nothing', async () => {
    const args = [...APPLY, '--orgs', 'omicron,pi', '--soak', '0'];
    const [a, b] = await Promise.all([fleet.runToEnd(args), fleet.runToEnd(args)]);
    expect([a.code, b.code].sort(), `${a.stderr}\n----\n${b.stderr}`).toEqual([0, 1]);
    expect([a.stderr, b.stderr].join('\n')).toMatch(/already running against this environment|the local lock/);
    expect(fleet.sendsFor('apply', ['omicron'])).toBe(1);
  });

  it('an apply and a rollback started together: exactly one runs (whichever takes the lock first)', async () => {
    const done = fleet
      .ledgers()
      .find((l) => l.command === 'migrate cp-secret apply' && l.status === 'succeeded' && l.targets['omicron'])!;
    const [apply, rollback] = await Promise.all([
      fleet.runToEnd([...APPLY, '--orgs', 'rho', '--soak', '5s']),
      fleet.runToEnd(['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'rollback', done.id]),
    ]);
    expect([apply.code, rollback.code].sort(), `apply: ${apply.stderr}\n----\nrollback: ${rollback.stderr}`).toEqual([
      0, 1,
    ]);
    const refused = apply.code === 1 ? apply : rollback;
    expect(refused.stderr).toMatch(
      /migrate-cp-secret on sandbox is already running: the local lock is held by run|already running against this environment/,
    );
    expect(fleet.locksHeld()).toEqual([]);
  });
});
