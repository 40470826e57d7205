import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type StartSandboxOptions } from '../../src/sandbox/start-sandbox.js';
import type { MainDeps } from '../../src/cli.js';
import { runCli, type CliRun } from './run-cli.js';

/**
 * A sandbox plus an isolated state directory, and `molectl` bound to both: what most command
 * tests need. `stop()` removes everything it made.
 */
export interface SandboxFixture {
  sandbox: Sandbox;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  molectl(
    argv: string[],
    options?: { signal?: AbortSignal; env?: NodeJS.ProcessEnv; overrides?: MainDeps['overrides'] },
  ): Promise<CliRun>;
  stop(): Promise<void>;
}

export async function startSandboxFixture(options: StartSandboxOptions = {}): Promise<SandboxFixture> {
  const sandbox = await startSandbox({ speed: 'fast', ...options });
  const stateDir = mkdtempSync(join(tmpdir(), 'molectl-state-'));
  const env = { ...sandbox.env, MOLECTL_STATE_DIR: stateDir };
  return {
    sandbox,
    stateDir,
    env,
    molectl: (argv, opts = {}) =>
      runCli(argv, {
        env: { ...env, ...opts.env },
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.overrides ? { overrides: opts.overrides } : {}),
      }),
    async stop() {
      await sandbox.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
