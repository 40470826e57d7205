import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { packageFile } from '../../lib/package-files.js';
import { getAssetPath, HOST_SYSTEM_PATH } from './host-assets.js';
import { processCpuSeconds } from './process-cpu-seconds.js';

/**
 * Starts the sandbox's warm Python interpreter (python-helper.py), which serves the hosts'
 * `python3 -c` calls through the python3 shim. Until it has announced its port, and if it cannot
 * start at all, the shim runs the real python3: the helper changes how fast a script runs, never
 * what it does. It ends when the sandbox closes its stdin (or dies), so it never outlives it.
 *
 * Spawned directly rather than through src/lib/exec.ts for the same reasons as the host runner:
 * an env that does not inherit the sandbox's own, and a lifetime tied to the sandbox's.
 */

export interface PythonHelper {
  /** CPU seconds the helper and the forks it reaped have used so far (benchmarks read it). */
  cpuSeconds(): number;
  stop(): void;
}

export function startPythonHelper(realPython: string, onReady: (port: number, token: string) => void): PythonHelper {
  const token = randomBytes(24).toString('base64url');
  let child: ChildProcess | null = null;
  try {
    // The migration script's snippets may run in the helper's own process (python-helper.py).
    const script = fileURLToPath(packageFile('scripts/tenant-cp-secret.sh'));
    child = spawn(realPython, [getAssetPath('python-helper.py'), script], {
      env: { PATH: HOST_SYSTEM_PATH, LANG: 'C.UTF-8', MOLECTL_PY_HELPER_TOKEN: token },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
  } catch {
    child = null;
  }
  let announced = '';
  // Set by stop(): the sandbox's directory may be gone by then, so a late announcement is dropped.
  let stopped = false;
  child?.on('error', () => undefined);
  child?.stdout?.on('data', (chunk: Buffer) => {
    if (stopped || announced.endsWith('\n')) return;
    announced += chunk.toString('utf8');
    const port = Number(announced.trim());
    if (announced.endsWith('\n') && Number.isInteger(port) && port > 0) onReady(port, token);
  });
  // Neither keeps the sandbox's event loop alive: the helper lives exactly as long as the sandbox.
  child?.unref();
  (child?.stdout as { unref?: () => void } | null | undefined)?.unref?.();
  (child?.stdin as { unref?: () => void } | null | undefined)?.unref?.();

  return {
    cpuSeconds() {
      return processCpuSeconds(child?.pid);
    },
    stop() {
      stopped = true;
      if (!child) return;
      child.stdin?.end();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      child = null;
    },
  };
}
