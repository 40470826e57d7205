import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../lib/errors.js';
import { createTaskScheduler, type CpRuntime } from './cp/cp-runtime.js';
import { resolveFaults } from './faults-spec.js';
import { createHostRunner, type SandboxHostRunner, type ScriptResult } from './hosts/create-host-runner.js';
import { createModelledHostRunner } from './hosts/create-modelled-host-runner.js';
import { seedFleet } from './seed-fleet.js';
import { createSandboxServer } from './server.js';
import { createSandboxState } from './create-sandbox-state.js';
import type { FaultConfig, RecordedRequest, SandboxState } from './state.js';

/**
 * Starts the simulated platform on 127.0.0.1: one server for the CP and the AWS APIs, a seeded
 * fleet, and simulated hosts under a temporary root. `stop()` leaves nothing behind: no server,
 * no timers, no host processes, no directory.
 */

export interface StartSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  tenants?: number;
  /** Default: half of the tenants. */
  preCutover?: number;
  workspacesPerTenant?: number;
  seed?: number;
  faults?: Partial<FaultConfig> | string;
  speed?: 'fast' | 'realistic';
  /** 'real' (default): bash on every simulated host. 'modelled': see SandboxState.hostMode. */
  hostMode?: 'real' | 'modelled';
  /**
   * Record the command line of every program the hosts' scripts start (hosts.recordedArgv()),
   * for tests that check no secret is in any process's argv. Real hosts only; slower.
   */
  recordHostArgv?: boolean;
  /**
   * Start the hosts' scripts from Node itself, never from the launcher (host-launcher.py): for the
   * test that holds both ways of starting a script to the same result. Default false.
   */
  withoutHostLauncher?: boolean;
  /** Parent directory for the sandbox's temporary root (default: the OS temp dir). */
  root?: string;
  onRequest?: (request: RecordedRequest) => void;
}

export interface Sandbox {
  url: string;
  /** The environment a molectl process needs to target this sandbox. */
  env: Record<string, string>;
  state: SandboxState;
  hosts: SandboxHostRunner;
  /** Runs the auto-updater on an org's tenant host now (its cron runs every 5 minutes on real hosts). */
  runAutoUpdater(slug: string, options?: { tag?: string }): Promise<ScriptResult>;
  stop(): Promise<void>;
}

/** Fake credentials: the sandbox does not verify signatures, the SDK only needs something to sign with. */
export const SANDBOX_ACCESS_KEY_ID = 'AKIDSANDBOX000000000';
export const SANDBOX_SECRET_ACCESS_KEY = 'sandbox-secret-access-key-not-a-secret';
export const SANDBOX_ACCOUNT_ID = '111122223333';

export async function startSandbox(options: StartSandboxOptions = {}): Promise<Sandbox> {
  const tenants = checkCount('tenants', options.tenants ?? 0);
  const workspacesPerTenant = checkCount('workspaces per tenant', options.workspacesPerTenant ?? 1);
  const preCutover =
    options.preCutover === undefined ? undefined : checkCount('pre-cutover tenants', options.preCutover);
  const faults = resolveFaults(options.faults);

  const parent = options.root ?? tmpdir();
  mkdirSync(parent, { recursive: true });
  const root = mkdtempSync(join(parent, 'molectl-sandbox-'));
  const state = createSandboxState({
    seed: options.seed ?? 1,
    root,
    accountId: SANDBOX_ACCOUNT_ID,
    provisionSharedSecret: randomBytes(32).toString('hex'),
    cpAdminToken: randomBytes(32).toString('base64url'),
    speed: options.speed ?? 'fast',
    hostMode: options.hostMode ?? 'real',
    faults,
  });

  let runtime: CpRuntime | null = null;
  try {
    const hosts =
      state.hostMode === 'modelled'
        ? createModelledHostRunner(state)
        : createHostRunner(state, {
            recordArgv: options.recordHostArgv ?? false,
            launcher: !options.withoutHostLauncher,
          });
    runtime = { state, hosts, scheduler: createTaskScheduler() };
    const server = createSandboxServer(runtime, { onRequest: options.onRequest });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    state.url = `http://127.0.0.1:${port}`;
    seedFleet(state, { tenants, preCutover, workspacesPerTenant });

    const live = runtime;
    let stopped: Promise<void> | null = null;
    return {
      url: state.url,
      env: buildSandboxEnv(state),
      state,
      hosts: live.hosts,
      runAutoUpdater(slug, updaterOptions) {
        const org = state.orgs.get(slug);
        const instance = org?.tenantInstanceId ? state.instances.get(org.tenantInstanceId) : undefined;
        if (!instance)
          throw new UsageError(
            `no tenant host for org "${slug}" in the sandbox`,
            'List the orgs with GET /cp/admin/orgs.',
          );
        return live.hosts.runAutoUpdater(instance, updaterOptions);
      },
      stop() {
        stopped ??= stopAll(live, server.close.bind(server), () => server.closeAllConnections());
        return stopped;
      },
    };
  } catch (error) {
    runtime?.scheduler.cancelAll();
    runtime?.hosts.close();
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

export function buildSandboxEnv(state: SandboxState): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: state.url,
    AWS_REGION: state.region,
    AWS_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SANDBOX_SECRET_ACCESS_KEY,
    // Keeps the SDK from probing instance metadata (a 1 s stall per client off EC2).
    AWS_EC2_METADATA_DISABLED: 'true',
    MOLECTL_ENV: 'sandbox',
    MOLECTL_CP_URL: state.url,
    CP_ADMIN_API_TOKEN: state.cpAdminToken,
  };
}

async function stopAll(
  runtime: CpRuntime,
  close: (cb: () => void) => void,
  dropConnections: () => void,
): Promise<void> {
  runtime.scheduler.cancelAll();
  runtime.hosts.close();
  const closed = new Promise<void>((resolve) => close(() => resolve()));
  dropConnections();
  await closed;
  // Killed process groups report their exit asynchronously; wait for them so no bash outlives us.
  for (let i = 0; i < 100 && runtime.hosts.active > 0; i++) await sleep(20);
  rmSync(runtime.state.root, { recursive: true, force: true });
}

function checkCount(what: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new UsageError(`the number of ${what} must be a whole number >= 0, got ${value}`, 'Pass a count such as 10.');
  return value;
}
