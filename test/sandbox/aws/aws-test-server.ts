import type { HostRunner } from '../../../src/sandbox/aws/handle-aws-request.js';
import { createSandboxState } from '../../../src/sandbox/create-sandbox-state.js';
import type { SandboxState, SimInstance } from '../../../src/sandbox/state.js';
import { serveAwsHandler } from '../../helpers/serve-aws-handler.js';

/**
 * Test harness: a loopback HTTP server that feeds every request to handleAwsRequest, so the
 * real SDK v3 clients (signing, serialisation, retries, error parsing) talk to the simulation.
 */

export interface AwsTestServer {
  url: string;
  state: SandboxState;
  hosts: FakeHostRunner;
  close(): Promise<void>;
}

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'x' };

export function createTestState(overrides: Partial<SandboxState> = {}): SandboxState {
  return createSandboxState({
    seed: 42,
    accountId: '123456789012',
    provisionSharedSecret: 'provision-secret',
    cpAdminToken: 'cp-admin-token',
    cpSharedSecretId: 'molecule/cp-shared-secret',
    ...overrides,
  });
}

export async function startAwsTestServer(state: SandboxState = createTestState()): Promise<AwsTestServer> {
  const hosts = new FakeHostRunner();
  const server = await serveAwsHandler({ state, hosts });
  return { url: server.url, state, hosts, close: server.close };
}

export type ScriptBehaviour = (
  instance: SimInstance,
  script: string,
) => Promise<{ exitCode: number; stdout: string; stderr: string; timedOut?: boolean }>;

/** A HostRunner that runs a per-test behaviour and measures how many scripts run at once. */
export class FakeHostRunner implements HostRunner {
  behaviour: ScriptBehaviour = async () => ({ exitCode: 0, stdout: 'ok\n', stderr: '' });
  running = 0;
  maxRunning = 0;
  started: string[] = [];
  scripts: string[] = [];

  async runScript(
    instance: SimInstance,
    script: string,
    opts: { timeoutSeconds: number; commandId: string; signal?: AbortSignal },
  ) {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.started.push(instance.instanceId);
    this.scripts.push(script);
    try {
      const timeout = new Promise<{ exitCode: number; stdout: string; stderr: string; timedOut: boolean }>(
        (resolve) => {
          const timer = setTimeout(
            () => resolve({ exitCode: -1, stdout: '', stderr: '', timedOut: true }),
            opts.timeoutSeconds * 1000,
          );
          timer.unref();
        },
      );
      const result = await Promise.race([
        this.behaviour(instance, script).then((r) => ({ timedOut: false, ...r })),
        timeout,
      ]);
      return result;
    } finally {
      this.running--;
    }
  }
}

export { addSimInstance as addInstance } from '../../helpers/add-sim-instance.js';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
