import { spawnSync } from 'node:child_process';

/** The pid of a process that has exited: what a SIGKILLed run leaves behind in its ledger. */
export function findDeadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid!;
}
