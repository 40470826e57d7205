import { setTimeout as sleep } from 'node:timers/promises';
import { defineCommand } from '../lib/cli/command-definition.js';
import { NotFoundError } from '../lib/errors.js';
import { getSandboxFiles, isProcessAlive, readSandboxRecord, removeSandboxRecord } from '../sandbox/sandbox-record.js';

/** How long the sandbox gets to stop cleanly (kill its host scripts, remove its temp dir). */
const STOP_GRACE_MS = 10_000;

export const sandboxDownCommand = defineCommand({
  description:
    'Stop the sandbox started with `molectl sandbox up --detach` (by the pid it recorded). It stops its host scripts and removes its temporary directory.',
  flags: {},
  examples: [
    ['molectl sandbox down', 'stop the background sandbox'],
    ['molectl sandbox down -o json', 'machine-readable outcome'],
  ],

  async run(ctx) {
    const files = getSandboxFiles(ctx.config.stateDir);
    const record = readSandboxRecord(files);
    if (!record)
      throw new NotFoundError(
        'no sandbox is running (no record in the state directory)',
        'Start one with `molectl sandbox up --detach`.',
      );
    let forced = false;
    if (isProcessAlive(record.pid)) {
      process.kill(record.pid, 'SIGTERM');
      const deadline = Date.now() + STOP_GRACE_MS;
      while (isProcessAlive(record.pid) && Date.now() < deadline) await sleep(50);
      if (isProcessAlive(record.pid)) {
        process.kill(record.pid, 'SIGKILL');
        forced = true;
      }
    }
    removeSandboxRecord(files, record.pid);
    await ctx.out.result(
      { stopped: true, pid: record.pid, url: record.url, forced },
      (d) =>
        `sandbox at ${d.url} (pid ${d.pid}) stopped${d.forced ? ' (killed after 10 s; its temporary directory may remain)' : ''}`,
    );
    return 0;
  },
});
