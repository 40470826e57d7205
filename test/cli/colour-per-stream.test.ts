import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { runCli } from '../helpers/run-cli.js';

// `molectl org list | less`, `molectl fleet audit > audit.txt`, `molectl verify | tee log` from a
// terminal: stderr is the terminal, stdout is not. The results carried colour codes (the status
// column, PASS/FAIL), because colour followed stderr: ESC garbage in less and in the file.

let sandbox: Sandbox;
let stateDir: string;
beforeAll(async () => {
  sandbox = await startSandbox({ speed: 'fast', tenants: 2 });
  stateDir = mkdtempSync(join(tmpdir(), 'molectl-colour-'));
});
afterAll(async () => {
  await sandbox.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const ESC = '\u001b[';
// No TERM: no spinner on the fake terminal, colour still on (colour depends on TERM only for `dumb`).
const env = (): NodeJS.ProcessEnv => ({
  ...sandbox.env,
  ...deployServicesEnv(),
  MOLECTL_STATE_DIR: stateDir,
  TERM: '',
});

describe('colour is judged per stream', { timeout: 60_000 }, () => {
  it.each([
    ['org list', ['org', 'list'], false],
    ['verify', ['verify'], true],
    ['migrate cp-secret plan', ['migrate', 'cp-secret', 'plan', '--orgs', 'acme'], true],
  ])(
    '%s with stdout piped from a terminal: plain results on stdout, colour still on stderr',
    async (_name, argv, stderrColoured) => {
      const piped = await runCli(argv, { env: env(), stderrIsTTY: true });
      expect(piped.code, piped.stderr).toBe(0);
      expect(piped.stdout.length).toBeGreaterThan(0);
      expect(piped.stdout).not.toContain(ESC);
      // What stderr shows on the terminal keeps its colour (the ✔ of a step, the hints).
      if (stderrColoured) expect(piped.stderr).toContain(ESC);
    },
  );

  it('on a terminal, the results keep their colour', async () => {
    const run = await runCli(['org', 'list'], { env: env(), stderrIsTTY: true, stdoutIsTTY: true });
    expect(run.stdout).toContain(`${ESC}32mrunning`);
  });
});
