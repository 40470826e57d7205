import { Writable } from 'node:stream';
import { AwsDoor } from '../../../src/lib/aws/aws-door.js';
import { silenceAwsSdkNodeVersionWarning, type EnvVars } from '../../../src/lib/config/env.js';
import { resolveConfig } from '../../../src/lib/config/load-config.js';
import { createOutput } from '../../../src/lib/output/output.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import type { HostRunner } from '../../../src/sandbox/aws/handle-aws-request.js';
import { createSandboxState } from '../../../src/sandbox/create-sandbox-state.js';
import type { SandboxState, SimInstance, Tag } from '../../../src/sandbox/state.js';
import { addSimInstance } from '../../helpers/add-sim-instance.js';
import { serveAwsHandler, type Fallback } from '../../helpers/serve-aws-handler.js';
import { absentPath } from '../../helpers/absent-path.js';

/**
 * A loopback server that answers AWS requests with the sandbox's simulated APIs (so the real
 * SDK clients sign, serialise, retry and parse against it) and hands any other request to
 * `fallback` (a fake CP in the doctor tests).
 */

export interface FakeServer {
  url: string;
  state: SandboxState;
  close(): Promise<void>;
}

export function createFakeState(): SandboxState {
  return createSandboxState({
    seed: 7,
    accountId: '210987654321',
    provisionSharedSecret: 'provision-secret',
    cpAdminToken: 'cp-admin-token',
  });
}

const quietHosts: HostRunner = {
  runScript: async () => ({ exitCode: 0, stdout: 'ok\n', stderr: '', timedOut: false }),
};

export async function startFakeServer(
  options: { state?: SandboxState; hosts?: HostRunner; fallback?: Fallback } = {},
): Promise<FakeServer> {
  const state = options.state ?? createFakeState();
  const server = await serveAwsHandler({
    state,
    hosts: options.hosts ?? quietHosts,
    ...(options.fallback ? { fallback: options.fallback } : {}),
  });
  return { url: server.url, state, close: server.close };
}

export function addFakeInstance(
  state: SandboxState,
  init: { tags?: Tag[]; nitro?: boolean; console?: string; userData?: string; managed?: boolean } = {},
): SimInstance {
  const { managed, ...rest } = init;
  return addSimInstance(state, { ...rest, ...(managed === false ? { ssm: 'none' as const } : {}) });
}

/** The AWS part of the environment the sandbox hands out: endpoint, region, fake keys. */
export function fakeAwsEnv(url: string, extra: EnvVars = {}): EnvVars {
  return {
    AWS_ENDPOINT_URL: url,
    AWS_REGION: 'us-east-2',
    AWS_ACCESS_KEY_ID: 'AKIDFAKEDOOR',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-key-for-tests',
    MOLECTL_ENV: 'sandbox',
    ...extra,
  };
}

export class MemoryStream extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

export interface TestDoor {
  door: AwsDoor;
  redactor: Redactor;
  stderr: MemoryStream;
  controller: AbortController;
}

/** An AwsDoor as ctx builds it, over `env`, with retries capped low so failure tests stay fast. */
export async function createTestDoor(
  env: EnvVars,
  options: { maxAttempts?: number; region?: string } = {},
): Promise<TestDoor> {
  // As ctx does before the first AWS call: the SDK's Node 20 notice would bury the test output.
  silenceAwsSdkNodeVersionWarning();
  const redactor = new Redactor();
  const stderr = new MemoryStream();
  const stdout = new MemoryStream();
  const config = resolveConfig({
    file: null,
    configPath: absentPath('config.json'),
    env,
    flags: options.region ? { region: options.region } : {},
  });
  const out = await createOutput({
    format: 'text',
    quiet: false,
    verbose: false,
    debug: true,
    noColor: true,
    env,
    redactor,
    stdout,
    stderr,
  });
  const controller = new AbortController();
  const door = new AwsDoor({
    config,
    env,
    redactor,
    signal: controller.signal,
    out,
    maxAttempts: options.maxAttempts ?? 1,
  });
  return { door, redactor, stderr, controller };
}
