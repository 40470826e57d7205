import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { AwsDoor } from '../../../src/lib/aws/aws-door.js';
import { silenceAwsSdkNodeVersionWarning, type EnvVars } from '../../../src/lib/config/env.js';
import { resolveConfig } from '../../../src/lib/config/load-config.js';
import { createOutput } from '../../../src/lib/output/output.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { handleAwsRequest, type HostRunner } from '../../../src/sandbox/aws/handle-aws-request.js';
import { defaultFaults, type SandboxState, type SimInstance, type Tag } from '../../../src/sandbox/state.js';

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

export type Fallback = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export function createFakeState(): SandboxState {
  return {
    seed: 7,
    url: '',
    root: '',
    region: 'us-east-2',
    accountId: '210987654321',
    provisionSharedSecret: 'provision-secret',
    cpAdminToken: 'cp-admin-token',
    cpSharedSecretId: 'molecule/cp/provision-shared-secret',
    speed: 'fast',
    orgs: new Map(),
    instances: new Map(),
    secrets: new Map(),
    parameters: new Map(),
    commands: new Map(),
    requests: [],
    faults: defaultFaults(),
  };
}

const quietHosts: HostRunner = {
  runScript: async () => ({ exitCode: 0, stdout: 'ok\n', stderr: '', timedOut: false }),
};

export async function startFakeServer(options: { state?: SandboxState; hosts?: HostRunner; fallback?: Fallback } = {}): Promise<FakeServer> {
  const state = options.state ?? createFakeState();
  const hosts = options.hosts ?? quietHosts;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      handleAwsRequest(state, hosts, { method: req.method ?? 'GET', path: req.url ?? '/', headers, body }).then(
        (answer) => {
          if (answer) res.writeHead(answer.status, answer.headers).end(answer.body);
          else if (options.fallback) options.fallback(req, res, body);
          else res.writeHead(404).end();
        },
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.url = url;
  return {
    url,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let instanceCounter = 0x2000;

export function addFakeInstance(state: SandboxState, init: { tags?: Tag[]; nitro?: boolean; console?: string; userData?: string; managed?: boolean } = {}): SimInstance {
  const n = instanceCounter++;
  const instance: SimInstance = {
    instanceId: `i-0${n.toString(16).padStart(16, '0')}`,
    state: 'running',
    launchTime: new Date('2026-04-01T10:00:00Z'),
    tags: init.tags ?? [],
    userData: init.userData ?? '',
    console: init.console ?? '',
    consoleUpdatedAt: new Date('2026-04-01T10:05:00Z'),
    nitro: init.nitro ?? true,
    privateIp: `10.1.${(n >> 8) & 255}.${n & 255}`,
    ssm: init.managed === false ? null : { pingStatus: 'Online', agentVersion: '3.3.987.0', platform: 'Linux' },
    hostRoot: null,
    role: 'molecule-tenant',
  };
  state.instances.set(instance.instanceId, instance);
  return instance;
}

/** The AWS part of the environment the sandbox hands out: endpoint, region, fake keys. */
export function fakeAwsEnv(url: string, extra: EnvVars = {}): EnvVars {
  return { AWS_ENDPOINT_URL: url, AWS_REGION: 'us-east-2', AWS_ACCESS_KEY_ID: 'AKIDFAKEDOOR', AWS_SECRET_ACCESS_KEY: 'fake-secret-key-for-tests', MOLECTL_ENV: 'sandbox', ...extra };
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
export async function createTestDoor(env: EnvVars, options: { maxAttempts?: number; region?: string } = {}): Promise<TestDoor> {
  // As ctx does before the first AWS call: the SDK's Node 20 notice would bury the test output.
  silenceAwsSdkNodeVersionWarning();
  const redactor = new Redactor();
  const stderr = new MemoryStream();
  const stdout = new MemoryStream();
  const config = resolveConfig({ file: null, configPath: '/nonexistent/config.json', env, flags: options.region ? { region: options.region } : {} });
  const out = await createOutput({ format: 'text', quiet: false, verbose: false, debug: true, noColor: true, env, redactor, stdout, stderr });
  const controller = new AbortController();
  const door = new AwsDoor({ config, env, redactor, signal: controller.signal, out, maxAttempts: options.maxAttempts ?? 1 });
  return { door, redactor, stderr, controller };
}
