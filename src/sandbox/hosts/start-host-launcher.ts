import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { getAssetPath, HOST_SYSTEM_PATH } from './host-assets.js';
import { processCpuSeconds } from './process-cpu-seconds.js';

/**
 * Starts host-launcher.py, the small process that starts the simulated hosts' scripts with
 * vfork() instead of a fork of the whole sandbox (see its header for why, and for the protocol).
 * What a script gets is what `spawn(argv[0], argv.slice(1), { cwd, env, detached: true })` would
 * give it; create-host-runner.ts starts scripts itself when no launcher could be started, until it
 * is ready, and once it has stopped.
 *
 * Spawned directly rather than through src/lib/exec.ts for the same reasons as the host runner:
 * an env that does not inherit the sandbox's own, and a lifetime tied to the sandbox's (it ends
 * when its stdin closes, killing the scripts still running).
 */

export interface LaunchHandlers {
  /** The script runs as pid, which is also its process group. */
  onStart(pid: number): void;
  onStdout(chunk: Buffer): void;
  onStderr(chunk: Buffer): void;
  /** Both pipes closed and the process reaped: its exit code, or the signal that ended it. */
  onClose(code: number | null, signal: boolean): void;
  /** It could not be started (or the launcher stopped before it ended). */
  onError(message: string): void;
}

export interface HostLauncher {
  /** True once it has said it can start scripts, until it exits: else the caller starts them. */
  readonly ready: boolean;
  launch(request: { argv: string[]; cwd: string; env: Record<string, string> }, handlers: LaunchHandlers): void;
  /** CPU seconds of the launcher and the scripts it reaped (stat fields 14-17). */
  cpuSeconds(): number;
  stop(): void;
}

export function startHostLauncher(realPython: string): HostLauncher | null {
  let child: ChildProcess;
  try {
    child = spawn(realPython, [getAssetPath('host-launcher.py')], {
      env: { PATH: HOST_SYSTEM_PATH, LANG: 'C.UTF-8' },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
  } catch {
    return null;
  }
  const pid = child.pid;
  const running = new Map<number, LaunchHandlers>();
  let nextId = 1;
  let alive = pid !== undefined;
  let ready = false;
  let pending: Buffer = Buffer.alloc(0);
  const stdout = child.stdout as Socket;
  const stdin = child.stdin as Socket;

  // The launcher keeps the sandbox's event loop alive only while a script runs (each also has
  // its deadline timer): an idle sandbox lets its process exit, as with the python helper.
  const refWhileRunning = (): void => {
    if (running.size > 0) {
      child.ref();
      stdout.ref();
    } else {
      child.unref();
      stdout.unref();
    }
  };

  const die = (): void => {
    if (!alive) return;
    alive = false;
    for (const handlers of running.values()) handlers.onError('the sandbox host launcher stopped');
    running.clear();
    refWhileRunning();
  };
  child.on('error', die);
  child.on('exit', die);
  stdin.on('error', die);
  stdin.unref();

  stdout.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      const eol = pending.indexOf(10);
      if (eol < 0) return;
      const [kind, idText, valueText] = pending.subarray(0, eol).toString('latin1').split(' ');
      if (kind === 'R') {
        ready = alive;
        pending = pending.subarray(eol + 1);
        continue;
      }
      const id = Number(idText);
      const value = Number(valueText);
      const hasPayload = kind === 'O' || kind === 'E' || kind === 'F';
      if (hasPayload && pending.length < eol + 1 + value) return; // the rest of its bytes are coming
      const payload = hasPayload ? pending.subarray(eol + 1, eol + 1 + value) : null;
      pending = pending.subarray(eol + 1 + (hasPayload ? value : 0));
      const handlers = running.get(id);
      if (!handlers) continue;
      if (kind === 'S') handlers.onStart(value);
      else if (kind === 'O') handlers.onStdout(Buffer.from(payload!));
      else if (kind === 'E') handlers.onStderr(Buffer.from(payload!));
      else if (kind === 'X' || kind === 'F') {
        running.delete(id);
        refWhileRunning();
        if (kind === 'X') handlers.onClose(value >= 0 ? value : null, value < 0);
        else handlers.onError(payload!.toString('utf8'));
      }
    }
  });
  refWhileRunning();

  return {
    get ready() {
      return ready && alive;
    },
    launch(request, handlers) {
      const id = nextId++;
      running.set(id, handlers);
      refWhileRunning();
      stdin.write(`${JSON.stringify({ id, ...request })}\n`);
    },
    cpuSeconds() {
      return processCpuSeconds(pid);
    },
    stop() {
      stdin.end();
      die();
    },
  };
}
