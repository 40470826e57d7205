import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineCommand } from '../lib/cli/command-definition.js';
import { type ParsedFlags } from '../lib/cli/flag-declaration.js';
import { choiceFlag, countFlag, switchFlag, textFlag } from '../lib/cli/flags.js';
import { childProcessEnv } from '../lib/config/env.js';
import type { Context } from '../lib/context.js';
import { MolectlError, UsageError } from '../lib/errors.js';
import { packageFile } from '../lib/package-files.js';
import { parseFaultSpec } from '../sandbox/faults-spec.js';
import {
  buildShellEnv,
  getSandboxFiles,
  isProcessAlive,
  readSandboxRecord,
  removeSandboxRecord,
  renderExports,
  writeSandboxRecord,
  type SandboxFiles,
} from '../sandbox/sandbox-record.js';
import { formatCount } from '../lib/output/format-count.js';

const flags = {
  // The sandbox environment's built-in CP URL is http://127.0.0.1:4510.
  port: countFlag('--port <n>', 'port to listen on (0 = any free port)', { min: 0, max: 65535, default: 4510 }),
  tenants: countFlag('--tenants <n>', 'orgs already running', { min: 0, max: 10_000, default: 10 }),
  preCutover: countFlag('--pre-cutover <n>', 'how many of them predate the CP shared secret (default: half)', {
    min: 0,
    max: 10_000,
  }),
  workspacesPerTenant: countFlag('--workspaces-per-tenant <n>', 'workspace instances per org', {
    min: 0,
    max: 50,
    default: 1,
  }),
  seed: countFlag('--seed <n>', 'seed for ids and fault draws (same seed, same fleet)', {
    min: 0,
    max: 2 ** 31 - 1,
    default: 1,
  }),
  faults: textFlag('--faults <spec>', 'faults to inject, e.g. offline=acme|beta,docker-fail=gamma,throttle=0.1', {
    default: '',
  }),
  speed: choiceFlag('--speed <speed>', 'fast (tests) or realistic (demos) provisioning', ['fast', 'realistic'], {
    default: 'fast',
  }),
  hostMode: choiceFlag(
    '--host-mode <mode>',
    "real (bash runs each SSM script on a simulated host) or modelled (the cp-secret script's result is computed; for benchmarks at scale)",
    ['real', 'modelled'],
    { default: 'real' },
  ),
  detach: switchFlag('--detach', 'run in the background and return once it is ready'),
};

type UpOptions = ParsedFlags<typeof flags>;

/** How long `--detach` waits for the background sandbox to be ready. */
const DETACH_READY_TIMEOUT_MS = 30_000;

export const sandboxUpCommand = defineCommand({
  writesState: () => 'sandbox-files',
  description:
    'Start the simulated Molecule platform (CP, EC2, SSM, Secrets Manager, STS, Railway, Vercel, Gitea, tenant hosts) on 127.0.0.1 and print the environment that targets it: everything its consumers need, for eval. In the foreground it logs every request until Ctrl-C; with --detach it runs in the background (stop it with `eval "$(molectl sandbox down)"`, which also unsets what this exported). The CP token and the AWS keys are passed as file paths, never printed; the simulated Railway, Vercel and Gitea take fixed stand-in tokens, public values exported as they are. See docs/sandbox.md.',
  flags,
  examples: [
    ['eval "$(molectl sandbox up --detach)"', 'start in the background and target it from this shell'],
    ['molectl sandbox up --tenants 200 --pre-cutover 150', 'foreground, with a live request log'],
    ["molectl sandbox up --detach --faults 'offline=delta,throttle=0.05'", 'rehearse with faults'],
    ['molectl sandbox up --port 0 --detach -o json', 'any free port; machine-readable env'],
    [
      "molectl sandbox up --detach --tenants 10000 --host-mode modelled --faults 'host-work=2s'",
      'a fleet at scale, to measure molectl rather than bash',
    ],
  ],

  async run(ctx, input) {
    const { options } = input;
    parseFaultSpec(options.faults); // a bad spec fails here, before anything starts
    const files = getSandboxFiles(ctx.config.stateDir);
    const existing = readSandboxRecord(files);
    if (existing && isProcessAlive(existing.pid)) {
      throw new UsageError(
        `a sandbox is already running at ${existing.url} (pid ${existing.pid})`,
        'Stop it with `molectl sandbox down`, or target it with `eval "$(molectl sandbox status --exports)"`.',
      );
    }
    return options.detach ? runDetached(ctx, options, files) : runForeground(ctx, options, files);
  },
});

async function runForeground(ctx: Context, options: UpOptions, files: SandboxFiles): Promise<number> {
  const { startSandbox } = await import('../sandbox/start-sandbox.js');
  const sandbox = await startSandbox({
    port: options.port,
    tenants: options.tenants,
    preCutover: options.preCutover,
    workspacesPerTenant: options.workspacesPerTenant,
    seed: options.seed,
    faults: options.faults,
    speed: options.speed,
    hostMode: options.hostMode,
    onRequest: (r) =>
      ctx.out.info(`${r.at.toISOString().slice(11, 23)} ${r.status} ${r.service.padEnd(14)} ${r.action}`),
  }).catch((error: unknown) => {
    throw new MolectlError(`the sandbox could not start on port ${options.port}: ${(error as Error).message}`, {
      hint: 'Pick another port with --port, or --port 0 for any free one.',
      cause: error,
    });
  });
  try {
    writeSandboxRecord(files, sandbox, {
      pid: process.pid,
      url: sandbox.url,
      startedAt: new Date().toISOString(),
      tenants: options.tenants,
      seed: options.seed,
      faults: options.faults,
      logFile: null,
    });
    const env = buildShellEnv(files, sandbox.url);
    await ctx.out.result({ url: sandbox.url, pid: process.pid, env: Object.fromEntries(env) }, () =>
      renderExports(env),
    );
    await ctx.out.flush();
    ctx.out.untilInterrupted(
      `sandbox ready at ${sandbox.url}: ${formatCount(options.tenants, 'tenant')}; Ctrl-C to stop`,
    );
    await waitForStop(ctx.signal);
    ctx.out.info('stopping the sandbox');
  } finally {
    await sandbox.stop();
    removeSandboxRecord(files, process.pid);
  }
  return 0;
}

/** Resolves on Ctrl-C (ctx.signal) or SIGTERM (what `sandbox down` sends). */
async function waitForStop(signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = (): void => {
      process.off('SIGTERM', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    if (signal.aborted) return resolve();
    process.once('SIGTERM', done);
    signal.addEventListener('abort', done);
  });
}

async function runDetached(ctx: Context, options: UpOptions, files: SandboxFiles): Promise<number> {
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  const bin = fileURLToPath(packageFile('bin/molectl.js'));
  const args = [bin, 'sandbox', 'up', ...forwardFlags(options)];
  const log = openSync(files.log, 'w', 0o600);
  // Detached into its own session so it outlives this process and the terminal's Ctrl-C.
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: childProcessEnv({ MOLECTL_STATE_DIR: ctx.config.stateDir, MOLECTL_OUTPUT: 'text' }),
  });
  closeSync(log);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  child.unref();

  const deadline = Date.now() + DETACH_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const record = readSandboxRecord(files);
    if (record && record.pid === child.pid) {
      const env = buildShellEnv(files, record.url);
      ctx.out.info(
        `sandbox running in the background at ${record.url} (pid ${record.pid}); log ${files.log}; stop it with: molectl sandbox down`,
      );
      await ctx.out.result({ url: record.url, pid: record.pid, env: Object.fromEntries(env) }, () =>
        renderExports(env),
      );
      return 0;
    }
    if (exited) break;
    await sleep(50);
  }
  if (!exited && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
  const tail = readFileSync(files.log, 'utf8').trim().split('\n').slice(-3).join(' | ');
  throw new MolectlError(`the background sandbox did not become ready${tail ? `: ${tail}` : ''}`, {
    hint: `See ${files.log}; try the foreground (without --detach) to see why.`,
  });
}

/** The flags of this invocation, minus --detach, for the background process. */
/** The background sandbox gets the same fleet: every setting but --detach, as given or defaulted. */
function forwardFlags(options: UpOptions): string[] {
  const out: string[] = [];
  for (const [key, flag] of Object.entries(flags)) {
    const value = options[key as keyof UpOptions];
    if (key === 'detach' || value === undefined || value === '') continue;
    out.push(/--[a-z-]+/.exec(flag.flags)![0], String(value));
  }
  return out;
}
