import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { startPty, stopAllPtys } from '../helpers/pty.js';
import { eachInterrupt, interrupt, startPtyFleet, type PtyFleet } from '../helpers/pty-fleet.js';

// Issue 13, the signal × phase table's rotation row: `secrets rotate` interrupted in its tenant
// step (the tenant canary's soak). Each interrupt is delivered as it happens
// (helpers/pty-fleet.ts); the test checks the exit code, both ledgers, AWSPENDING, the locks,
// that no tenant was sent anything after it, and that --abort-pending then puts everything back.

let fleet: PtyFleet;

beforeAll(async () => {
  fleet = await startPtyFleet({
    speed: 'fast',
    tenants: 4,
    preCutover: 4,
    workspacesPerTenant: 0,
    faults: 'host-work=300ms',
  });
});
afterEach(() => stopAllPtys());
afterAll(() => fleet.stop());

const ROTATE = ['--env', 'sandbox', '--yes', 'secrets', 'rotate', 'cp-shared-secret', '--health-timeout', '5s'];

describe("signals during a rotation's tenant step", { timeout: 120_000 }, () => {
  it.each(eachInterrupt({ SIGINT: { canary: 'acme' }, SIGTERM: { canary: 'beta' }, SIGHUP: { canary: 'gamma' } }))(
    '%s: 130, AWSPENDING kept for --resume, both locks released, nothing sent after; --abort-pending puts it back',
    async (_how, { signal, canary }) => {
      const secret = fleet.sandbox.state.secrets.get(fleet.sandbox.state.cpSharedSecretId)!;
      const pending = (): boolean => secret.versions.some((v) => v.stages.includes('AWSPENDING'));
      const pty = startPty([...ROTATE, '--canary', canary, '--soak', '60s'], { env: fleet.env(deployServicesEnv()) });
      await pty.waitFor(new RegExp(`soaking canary ${canary}`), 60_000);
      await fleet.untilSent('cp-auth-check', [canary]);
      const at = interrupt(pty, signal);
      expect(await pty.exited).toBe(130);
      if (signal !== 'SIGHUP')
        expect(pty.text).toMatch(/continue with `molectl secrets rotate cp-shared-secret --resume`/);
      expect(fleet.newest('secrets rotate').status).toBe('interrupted');
      // The tenant step's own apply run is not left `running` either.
      const tenantRun = fleet.newest('migrate cp-secret apply');
      expect(tenantRun.status).toBe('interrupted');
      expect(tenantRun.targets[canary]!.state).toBe('succeeded');
      expect(Object.values(tenantRun.targets).filter((t) => t.state !== 'pending')).toHaveLength(1);
      expect(pending()).toBe(true);
      expect(fleet.locksHeld()).toEqual([]);
      expect(fleet.sendsAfter(at)).toBe(0);

      // The way back: --abort-pending puts every consumer the run touched back.
      const aborted = await fleet.runToEnd(
        ['--env', 'sandbox', '--yes', 'secrets', 'rotate', 'cp-shared-secret', '--abort-pending', '--soak', '0'],
        deployServicesEnv(),
      );
      expect(aborted.code, aborted.stderr).toBe(0);
      expect(pending()).toBe(false);
      expect(fleet.sandbox.state.provisionSharedSecret).toBe(
        secret.versions.find((v) => v.stages.includes('AWSCURRENT'))!.value,
      );
      expect(fleet.locksHeld()).toEqual([]);
    },
  );
});
