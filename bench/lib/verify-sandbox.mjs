// What the verify benches share (bench/verify.mjs, bench/command-startup.mjs): a healthy sandbox
// in this process, the environment molectl needs to verify it (config and state isolated in a
// temp directory), the one checklist invocation both time, an output sink and a median.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

const dist = (path) => new URL(`../../dist/${path}`, import.meta.url).href;

/** Collects what molectl writes when it runs in-process. */
export class Sink extends Writable {
  text = '';
  _write(chunk, _enc, done) {
    this.text += chunk.toString();
    done();
  }
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/**
 * Starts the sandbox (4 tenants, fast) and returns the environment and the argv of `molectl
 * verify` against it: the built-in checklist, the deployed commit expected, two canaries, JSON.
 * stop() ends the sandbox and removes the temp directory.
 */
export async function startVerifySandbox(prefix) {
  const { startSandbox } = await import(dist('sandbox/start-sandbox.js'));
  const { deployServicesEnv, sandboxDeployCommit } = await import(
    dist('sandbox/deploy-services/deploy-services-state.js')
  );
  const sandbox = await startSandbox({ tenants: 4, speed: 'fast' });
  const stateDir = mkdtempSync(join(tmpdir(), `molectl-bench-${prefix}-`));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...sandbox.env,
    ...deployServicesEnv(),
    MOLECTL_CONFIG: join(stateDir, 'absent-config.json'),
    MOLECTL_STATE_DIR: stateDir,
  };
  const verifyArgs = [
    'verify',
    '--expect-commit',
    sandboxDeployCommit(sandbox.state),
    '--canary',
    'acme',
    'beta',
    '-o',
    'json',
  ];
  return {
    env,
    verifyArgs,
    url: sandbox.state.url,
    /** How many requests (AWS, CP, tenant, deploy services) the sandbox has answered so far. */
    requestCount: () => sandbox.state.requests.length,
    async stop() {
      await sandbox.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
