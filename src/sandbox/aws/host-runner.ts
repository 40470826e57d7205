import type { SimInstance } from '../state.js';

/**
 * The door from the simulated SSM service to the simulated hosts (src/sandbox/hosts/). The SSM
 * simulation decides when and where a script runs; the host side decides how.
 */
export interface HostRunner {
  /**
   * Runs an SSM shell script on a simulated host; resolves when the script ends.
   * `signal` aborts when the command is cancelled (CancelCommand); a runner may ignore it, in
   * which case the invocation still reads Cancelled and the script's late result is dropped.
   */
  runScript(
    instance: SimInstance,
    script: string,
    opts: { timeoutSeconds: number; commandId: string; signal?: AbortSignal },
  ): Promise<{ exitCode: number; stdout: string; stderr: string; timedOut: boolean }>;
}
