import { defineCommand } from '../lib/cli/command-definition.js';
import { formatDuration } from '../lib/output/table.js';
import {
  buildShellEnv,
  getSandboxFiles,
  isProcessAlive,
  readSandboxRecord,
  removeSandboxRecord,
  renderUnsets,
} from '../sandbox/sandbox-record.js';
import { STOP_GRACE_MS, stopSandboxProcess } from '../sandbox/stop-sandbox-process.js';

export const sandboxDownCommand = defineCommand({
  description:
    'Stop the sandbox started with `molectl sandbox up --detach` (by the pid it recorded), with the host scripts it runs, and remove its temporary directory. Prints the `unset` line for what `sandbox up` exported, so `eval "$(molectl sandbox down)"` also cleans the shell. Nothing running is not an error: exit 0.',
  flags: {},
  examples: [
    ['eval "$(molectl sandbox down)"', 'stop the background sandbox and unset its variables'],
    ['molectl sandbox down', 'stop it (the unset line is printed for eval)'],
    ['molectl sandbox down -o json', 'machine-readable outcome'],
  ],

  async run(ctx) {
    const files = getSandboxFiles(ctx.config.stateDir);
    const record = readSandboxRecord(files);
    const unset = buildShellEnv(files, '').map(([name]) => name);
    const printUnsets = (data: object): Promise<void> =>
      ctx.out.result({ ...data, unset }, () => renderUnsets(buildShellEnv(files, '')));

    if (!record || !isProcessAlive(record.pid)) {
      // A record whose process has ended (killed, a reboot) is removed, and said so.
      if (record) removeSandboxRecord(files, record.pid);
      ctx.out.info(
        `no sandbox running${record ? ` (removed the record of pid ${record.pid} at ${record.url}, which had ended)` : ''}`,
      );
      await printUnsets({ running: false, stopped: false, staleRecord: record !== null });
      return 0;
    }

    const outcome = await stopSandboxProcess(record.pid);
    removeSandboxRecord(files, record.pid);
    const forced = outcome.forced
      ? `: it did not stop within ${formatDuration(STOP_GRACE_MS)} of SIGTERM and was killed; its temporary directory may remain`
      : '';
    const leftovers = outcome.leftoversKilled ? `; killed ${outcome.leftoversKilled} process(es) it had started` : '';
    ctx.out.info(
      `sandbox at ${record.url} (pid ${record.pid}) stopped in ${formatDuration(outcome.elapsedMs)}${forced}${leftovers}`,
    );
    await printUnsets({
      running: true,
      stopped: true,
      pid: record.pid,
      url: record.url,
      forced: outcome.forced,
      leftoversKilled: outcome.leftoversKilled,
      elapsedMs: Math.round(outcome.elapsedMs),
    });
    return 0;
  },
});
