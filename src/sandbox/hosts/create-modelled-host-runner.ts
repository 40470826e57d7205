import type { SandboxState, SimInstance } from '../state.js';
import type { SandboxHostRunner, ScriptResult } from './create-host-runner.js';
import { slowHostDelay } from './create-host-runner.js';
import { modelCpSecretScript, readCpSecretScriptInputs } from './model-cp-secret-script.js';

/**
 * The host runner of the sandbox's modelled mode: after the same modelled host time as the real
 * runner (faults host-work and slow), it answers with what scripts/tenant-cp-secret.sh would
 * print on that host and changes the host's in-memory record as the script would, without
 * starting bash. Any other script is refused (exit 127): the model covers that one script only.
 * For benchmarks at internet scale; tests use the real runner.
 */
export function createModelledHostRunner(state: SandboxState): SandboxHostRunner {
  const pending = new Set<() => void>();
  let closed = false;

  function runScript(
    instance: SimInstance,
    script: string,
    opts: { timeoutSeconds: number; commandId: string; signal?: AbortSignal },
  ): Promise<ScriptResult> {
    if (closed) return Promise.resolve({ exitCode: 143, stdout: '', stderr: 'sandbox stopped\n', timedOut: false });
    const workMs = state.faults.hostWorkMs + slowHostDelay(state, instance);
    const timeoutMs = Math.max(1, opts.timeoutSeconds) * 1000;
    return new Promise<ScriptResult>((resolve) => {
      const finish = (result: ScriptResult): void => {
        clearTimeout(timer);
        pending.delete(cancel);
        opts.signal?.removeEventListener('abort', cancel);
        resolve(result);
      };
      function cancel(): void {
        finish({ exitCode: 143, stdout: '', stderr: '', timedOut: false });
      }
      const timer = setTimeout(
        () => {
          if (workMs >= timeoutMs) return finish({ exitCode: 124, stdout: '', stderr: '', timedOut: true });
          const vars = readCpSecretScriptInputs(script);
          if (!vars)
            return finish({
              exitCode: 127,
              stdout: '',
              stderr:
                'sandbox (modelled hosts): only scripts/tenant-cp-secret.sh is modelled; start the sandbox with real hosts to run other scripts\n',
              timedOut: false,
            });
          finish({ ...modelCpSecretScript(state, instance, vars), timedOut: false });
        },
        Math.min(workMs, timeoutMs),
      );
      pending.add(cancel);
      opts.signal?.addEventListener('abort', cancel);
    });
  }

  return {
    runScript,
    async runAutoUpdater() {
      return {
        exitCode: 127,
        stdout: '',
        stderr: 'sandbox (modelled hosts): the auto-updater is not modelled\n',
        timedOut: false,
      };
    },
    killAll() {
      for (const cancel of [...pending]) cancel();
    },
    close() {
      closed = true;
      for (const cancel of [...pending]) cancel();
    },
    get active() {
      return pending.size;
    },
    helperCpuSeconds() {
      return 0;
    },
    recordedArgv() {
      return [];
    },
  };
}
