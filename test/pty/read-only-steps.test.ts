import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spinnerFrames, startPty, stopAllPtys } from '../helpers/pty.js';
import { startPtyFleet, type PtyFleet } from '../helpers/pty-fleet.js';

// Read-only commands on a terminal, where their spinners and Ctrl-C are seen. secrets status
// turned a Ctrl-C into "1 of 2 consumers unknown ... (exit 5)" (the interrupted tenant probe read
// as a consumer it could not reach), and a step an error had left open ("discovering tenants")
// went on spinning below the result and after every later line.

let fleet: PtyFleet;

beforeAll(async () => {
  fleet = await startPtyFleet({ speed: 'fast', tenants: 2, preCutover: 1, workspacesPerTenant: 0 });
});
afterEach(() => stopAllPtys());
afterAll(() => fleet.stop());

describe('read-only commands on a terminal', { timeout: 60_000 }, () => {
  it('secrets status: Ctrl-C while tenants are probed ends as interrupted (130), saying nothing was changed', async () => {
    fleet.sandbox.state.faults.hostWorkMs = 3_000;
    try {
      const pty = startPty(['secrets', 'status', 'cp-shared-secret'], { env: fleet.env(), cols: 80 });
      await pty.waitFor(/probing 2 online tenants/);
      pty.ctrlC();
      expect(await pty.exited).toBe(130);
      expect(pty.text).toMatch(/error: interrupted \(SIGINT\)\nhint: nothing was changed: secrets status only reads/m);
      expect(pty.text).not.toMatch(/consumers? unknown/);
      // The terminal is left clean: the cursor shown again after the last hide.
      expect(pty.transcript.lastIndexOf('\u001b[?25h')).toBeGreaterThan(pty.transcript.lastIndexOf('\u001b[?25l'));
    } finally {
      fleet.sandbox.state.faults.hostWorkMs = 0;
    }
  });

  it('secrets status: a step an error left open is not drawn again below the result', async () => {
    fleet.sandbox.state.faults.cpErrorRate = 1;
    try {
      const pty = startPty(['secrets', 'status', 'cp-shared-secret'], { env: fleet.env(), cols: 120 });
      // The tenants cannot be discovered (the CP answers 503): that consumer is unknown, exit 5.
      expect(await pty.exited, pty.text.slice(-2000)).toBe(5);
      const transcript = pty.transcript;
      expect(spinnerFrames(transcript.slice(0, transcript.indexOf('consumers:')))).toContain('discovering tenants');
      expect(spinnerFrames(transcript.slice(transcript.indexOf('consumers:')))).toEqual([]);
      expect(pty.text).toMatch(/warning: \d of 2 consumers unknown/);
    } finally {
      fleet.sandbox.state.faults.cpErrorRate = 0;
    }
  });

  it('fleet audit: Ctrl-C names the signal and says nothing was changed, not the request it was waiting on', async () => {
    fleet.sandbox.state.faults.hostWorkMs = 3_000;
    try {
      const pty = startPty(['fleet', 'audit'], { env: fleet.env(), cols: 80 });
      await pty.waitFor(/auditing/);
      pty.ctrlC();
      expect(await pty.exited).toBe(130);
      expect(pty.text).toMatch(/error: interrupted \(SIGINT\)\nhint: nothing was changed: fleet audit only reads/m);
      expect(pty.text).not.toMatch(/was cancelled/);
    } finally {
      fleet.sandbox.state.faults.hostWorkMs = 0;
    }
  });
});
