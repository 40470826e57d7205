import type { SandboxHostRunner } from '../hosts/create-host-runner.js';
import type { SandboxState } from '../state.js';

/**
 * What the simulated CP works with besides the state: the hosts (redeploys run the updater on
 * them) and the timers of asynchronous work (provisioning), which stop() must cancel so that
 * nothing fires after the sandbox is gone.
 */
export interface CpRuntime {
  state: SandboxState;
  hosts: SandboxHostRunner;
  scheduler: TaskScheduler;
}

export interface TaskScheduler {
  schedule(delayMs: number, task: () => void): void;
  cancelAll(): void;
}

export function createTaskScheduler(): TaskScheduler {
  const timers = new Set<NodeJS.Timeout>();
  return {
    schedule(delayMs, task) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        task();
      }, delayMs);
      timers.add(timer);
    },
    cancelAll() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

/** How long simulated work takes: `fast` for tests, `realistic` for demos (still far below the real 12 to 20 minutes). */
export function getSimulatedDelayMs(state: SandboxState, work: 'provision'): number {
  const table = { provision: { fast: 200, realistic: 8000 } };
  return table[work][state.speed];
}
