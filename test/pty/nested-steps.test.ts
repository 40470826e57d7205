import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { spinnerFrames, startPty, stopAllPtys } from '../helpers/pty.js';
import { startPtyFleet, type PtyFleet } from '../helpers/pty-fleet.js';

// A step inside a step: `secrets rotate cp-shared-secret` shows a spinner for its tenant
// consumer, and that consumer runs a whole migration with spinners of its own (pinning,
// discovering, probing, canary, waves). Both used to spin at once on one line, taking turns
// drawing over each other, and ora printed "[ora] Multiple concurrent spinners detected" twice.

let fleet: PtyFleet;

beforeAll(async () => {
  fleet = await startPtyFleet({ speed: 'fast', tenants: 2, preCutover: 2, workspacesPerTenant: 0 });
});
afterEach(() => stopAllPtys());
afterAll(() => fleet.stop());

describe('a step inside a step, on a terminal', { timeout: 120_000 }, () => {
  it('secrets rotate: one spinner at a time; the consumer spinner pauses while the migration inside it spins', async () => {
    const pty = startPty(
      ['--env', 'sandbox', '--yes', 'secrets', 'rotate', 'cp-shared-secret', '--soak', '0', '--health-timeout', '5s'],
      { env: fleet.env(deployServicesEnv()), cols: 160 },
    );
    expect(await pty.exited, pty.text.slice(-2000)).toBe(0);
    expect(pty.text).not.toMatch(/concurrent spinners/);
    expect(pty.text).toMatch(/✔ probed 2 tenants\n/);
    expect(pty.text).toMatch(/✔ tenants-env:MOLECULE_CP_SHARED_SECRET — 2 tenants changed/);

    // From the first frame of the migration's probing step to its end, only that step is drawn:
    // the outer "tenants-env... — setting" spinner does not take turns with it.
    const transcript = pty.transcript;
    const probingFrames = spinnerFrames(
      transcript.slice(transcript.indexOf('probing 2 online tenants'), transcript.indexOf('probed 2 tenants')),
    );
    expect(probingFrames.length).toBeGreaterThan(0);
    expect(probingFrames.filter((f) => f.startsWith('tenants-env'))).toEqual([]);
    // And the outer spinner comes back once the nested steps are done, before its own end.
    const afterWaves = transcript.slice(transcript.lastIndexOf('wave '), transcript.indexOf('✔\u001b[39m tenants-env'));
    expect(spinnerFrames(afterWaves).some((f) => f.startsWith('tenants-env:MOLECULE_CP_SHARED_SECRET — setting'))).toBe(
      true,
    );
  });
});
