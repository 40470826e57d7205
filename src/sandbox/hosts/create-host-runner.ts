import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { HostRunner } from '../aws/host-runner.js';
import type { SandboxState, SimInstance } from '../state.js';
import { hostMatches } from '../state.js';
import { installArgvRecorder, pathDirs, type ArgvRecorder } from './argv-recorder.js';
import { createCpuTurns } from './cpu-turns.js';
import { HOST_SYSTEM_PATH, installHostFunctions, installShims } from './host-assets.js';
import { materialiseHost, syncHostFaults } from './materialise-host.js';
import { startHostLauncher, type HostLauncher } from './start-host-launcher.js';
import { startPythonHelper, type PythonHelper } from './start-python-helper.js';

/**
 * Runs SSM scripts on simulated hosts: real bash, the shims first on PATH, the host's directory
 * as cwd and MOLECTL_HOST_ROOT, and a minimal root-like env as the SSM agent gives.
 *
 * This spawns directly instead of going through src/lib/exec.ts because it needs two things
 * that door does not offer: an env that does not inherit the sandbox's own (the parent's
 * credentials must not leak into "hosts"), and a process group per script so that a timeout,
 * a cancel or stop() kills the script's children too (no process outlives the sandbox).
 */

export interface ScriptResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface SandboxHostRunner extends HostRunner {
  /** Runs the host's /usr/local/bin/molecule-auto-update.sh now, as its cron would. */
  runAutoUpdater(instance: SimInstance, options?: { tag?: string; timeoutSeconds?: number }): Promise<ScriptResult>;
  /** Kills every running script (process groups) and cancels pending ones. */
  killAll(): void;
  /** killAll(), then refuses new scripts without touching disk: stop() removes the hosts' root. */
  close(): void;
  /** Number of scripts running or waiting on simulated host work. */
  readonly active: number;
  /**
   * CPU seconds spent by the sandbox's long-lived host helpers (the warm python3), which the
   * reaped-children counters of this process do not include until the sandbox stops.
   */
  helperCpuSeconds(): number;
  /**
   * The command lines the hosts' scripts started, when the sandbox records them
   * (StartSandboxOptions.recordHostArgv; argv-recorder.ts); else empty.
   */
  recordedArgv(): string[][];
}

/** Output kept per stream; SSM itself keeps far less (24,000 / 8,000 characters). */
const OUTPUT_CAP_BYTES = 256 * 1024;

/**
 * The longest a script holds a core's turn (cpu-turns.ts): several times what a migration script
 * needs on a loaded core (~50 ms of CPU), short enough that scripts which wait do not hold back
 * the others for long.
 */
const CPU_TURN_MS = 250;

export function createHostRunner(
  state: SandboxState,
  options: { recordArgv?: boolean; launcher?: boolean } = {},
): SandboxHostRunner {
  const shims = installShims(state.root);
  const recorder: ArgvRecorder | null = options.recordArgv
    ? installArgvRecorder(state.root, shims.bash, [shims.bin, ...pathDirs(HOST_SYSTEM_PATH)])
    : null;
  // The recorder's wrappers stand first and exec the shim or program a PATH lookup would find.
  const shimBin = recorder ? `${recorder.bin}:${shims.bin}` : shims.bin;
  const hostFunctions = installHostFunctions(shims, recorder?.log ?? null);
  const python: PythonHelper | null = shims.realPython
    ? startPythonHelper(shims.realPython, shims.announcePythonHelper)
    : null;
  // Started with the first script (a sandbox that never runs one never starts it); scripts are
  // started here until it is ready, and again if it stops.
  let launcher: HostLauncher | null = null;
  let launcherTried = false;
  const getLauncher = (): HostLauncher | null => {
    if (!launcherTried && shims.realPython && options.launcher !== false)
      launcher = startHostLauncher(shims.realPython);
    launcherTried = true;
    return launcher?.ready ? launcher : null;
  };
  const running = new Set<() => void>();
  // Scripts start a few at a time, as each host has a CPU of its own (cpu-turns.ts): two per core,
  // so that a script waiting on the host API or the python helper does not leave its core idle.
  const cpuTurns = createCpuTurns(2 * availableParallelism(), CPU_TURN_MS);
  let updaterRuns = 0;
  let closed = false;

  async function runScript(
    instance: SimInstance,
    script: string,
    opts: { timeoutSeconds: number; commandId: string; signal?: AbortSignal },
  ): Promise<ScriptResult> {
    if (closed) return { exitCode: 143, stdout: '', stderr: 'sandbox stopped\n', timedOut: false };
    const hostRoot = materialiseHost(state, instance);
    syncHostFaults(state, instance);
    const deadline = Date.now() + Math.max(1, opts.timeoutSeconds) * 1000;
    const scriptDir = join(
      hostRoot,
      'var',
      'lib',
      'amazon',
      'ssm',
      instance.instanceId,
      'document',
      'orchestration',
      opts.commandId,
      'awsrunShellScript',
      '0.awsrunShellScript',
    );
    mkdirSync(scriptDir, { recursive: true });
    const scriptPath = join(scriptDir, '_script.sh');
    writeFileSync(scriptPath, script, { mode: 0o700 });

    const extraMs = state.faults.hostWorkMs + slowHostDelay(state, instance);
    return new Promise<ScriptResult>((resolve) => {
      let settled = false;
      // Assigned once below, but read by finish() which is declared before them.
      // eslint-disable-next-line prefer-const
      let delayTimer: NodeJS.Timeout | undefined;
      // eslint-disable-next-line prefer-const
      let deadlineTimer: NodeJS.Timeout | undefined;
      // The script's process (and group) id once it runs; null before, and after it ended.
      let pid: number | null = null;
      let started = false;
      let killRequested = false;
      let timedOut = false;
      // Takes the script out of the queue of turns if it still waits there (no effect once it has
      // started); and ends its turn once it has one.
      let leaveQueue: (() => void) | null = null;
      let endTurn: (() => void) | null = null;
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;

      const finish = (result: ScriptResult): void => {
        if (settled) return;
        settled = true;
        pid = null;
        leaveQueue?.();
        endTurn?.();
        clearTimeout(delayTimer);
        clearTimeout(deadlineTimer);
        running.delete(kill);
        opts.signal?.removeEventListener('abort', kill);
        resolve(result);
      };
      const collected = (): { stdout: string; stderr: string } => ({
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
      const killGroup = (): void => {
        if (pid === null) return;
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      function kill(): void {
        killRequested = true;
        killGroup();
        if (!started) finish({ exitCode: timedOut ? 124 : 143, ...collected(), timedOut });
      }
      const onDeadline = (): void => {
        timedOut = true;
        kill();
      };
      const onStdout = (chunk: Buffer): void => {
        if (outBytes < OUTPUT_CAP_BYTES) stdout.push(chunk);
        outBytes += chunk.length;
      };
      const onStderr = (chunk: Buffer): void => {
        if (errBytes < OUTPUT_CAP_BYTES) stderr.push(chunk);
        errBytes += chunk.length;
      };
      const onError = (message: string): void =>
        finish({ exitCode: 127, stdout: '', stderr: `failed to start bash: ${message}\n`, timedOut: false });
      const onClose = (code: number | null, signalled: boolean): void =>
        finish({ exitCode: timedOut ? 124 : (code ?? (signalled ? 128 + 9 : 1)), ...collected(), timedOut });

      const start = (): void => {
        if (settled) return;
        started = true;
        const env = buildHostEnv(shimBin, hostRoot, hostFunctions);
        const viaLauncher = getLauncher();
        if (viaLauncher) {
          viaLauncher.launch(
            { argv: ['bash', scriptPath], cwd: hostRoot, env },
            {
              onStart(startedPid) {
                if (settled) return;
                pid = startedPid;
                // A kill that came while the launcher was starting it.
                if (killRequested) killGroup();
              },
              onStdout,
              onStderr,
              onClose,
              onError,
            },
          );
          return;
        }
        const child = spawn('bash', [scriptPath], {
          cwd: hostRoot,
          env,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        pid = child.pid ?? null;
        child.stdout?.on('data', onStdout);
        child.stderr?.on('data', onStderr);
        child.on('error', (error) => onError(error.message));
        child.on('close', (code, signal) => onClose(code, signal !== null));
      };

      running.add(kill);
      opts.signal?.addEventListener('abort', kill);
      deadlineTimer = setTimeout(onDeadline, deadline - Date.now());
      // Simulated work (faults host-work / slow) happens before the script, inside its time budget;
      // so does the wait for a turn on a core.
      delayTimer = setTimeout(() => {
        leaveQueue = cpuTurns.take((end) => {
          endTurn = end;
          start();
        });
      }, extraMs);
    });
  }

  return {
    runScript,
    async runAutoUpdater(instance, options = {}) {
      updaterRuns += 1;
      const tagArg = options.tag ? ` ${shellWord(options.tag)}` : '';
      return runScript(
        instance,
        `#!/bin/bash\nexec bash "\${MOLECTL_HOST_ROOT:-}/usr/local/bin/molecule-auto-update.sh"${tagArg}\n`,
        {
          timeoutSeconds: options.timeoutSeconds ?? 120,
          commandId: `auto-update-${updaterRuns}`,
        },
      );
    },
    killAll() {
      for (const kill of [...running]) kill();
    },
    close() {
      closed = true;
      for (const kill of [...running]) kill();
      python?.stop();
      launcher?.stop();
    },
    get active() {
      return running.size;
    },
    helperCpuSeconds() {
      return (python?.cpuSeconds() ?? 0) + (launcher?.cpuSeconds() ?? 0);
    },
    recordedArgv() {
      return recorder?.read() ?? [];
    },
  };
}

/** Extra time the `slow` fault gives this host's scripts, milliseconds. */
export function slowHostDelay(state: SandboxState, instance: SimInstance): number {
  let ms = 0;
  for (const [key, delay] of Object.entries(state.faults.slowHosts)) {
    if (hostMatches(instance, [key])) ms = Math.max(ms, delay);
  }
  return ms;
}

/**
 * What the SSM agent gives a script: root, a system PATH (shims first), no inherited secrets.
 * Plus BASH_ENV, which the script's bash sources and unsets before the script's first line: the
 * shims as functions (shims/host-functions.sh), cheaper to call than to start, same behaviour.
 */
function buildHostEnv(shimBin: string, hostRoot: string, hostFunctions: string): Record<string, string> {
  return {
    BASH_ENV: hostFunctions,
    PATH: `${shimBin}:${join(hostRoot, 'usr', 'local', 'bin')}:${HOST_SYSTEM_PATH}`,
    HOME: join(hostRoot, 'root'),
    USER: 'root',
    LOGNAME: 'root',
    SHELL: '/bin/bash',
    LANG: 'C.UTF-8',
    TMPDIR: join(hostRoot, 'tmp'),
    MOLECTL_HOST_ROOT: hostRoot,
  };
}

/** Tags are [A-Za-z0-9_.-]; anything else is refused rather than quoted. */
function shellWord(value: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(value)) throw new Error(`unsafe image tag: ${value}`);
  return value;
}
