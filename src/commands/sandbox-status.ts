import { fitLine } from '../lib/output/fit-line.js';
import { defineCommand } from '../lib/cli/command-definition.js';
import { switchFlag } from '../lib/cli/flags.js';
import { NotFoundError } from '../lib/errors.js';
import {
  buildShellEnv,
  getSandboxFiles,
  isProcessAlive,
  readSandboxRecord,
  renderExports,
} from '../sandbox/sandbox-record.js';

export const sandboxStatusCommand = defineCommand({
  description:
    'Show whether a sandbox started with `molectl sandbox up` is running: its URL, pid, fleet size, seed and faults, and whether it answers. Exit 4 when none is running.',
  flags: {
    exports: switchFlag('--exports', 'print only the environment to target it (for eval)'),
  },
  examples: [
    ['molectl sandbox status', 'is it up, where, with which faults'],
    ['eval "$(molectl sandbox status --exports)"', 'target the running sandbox from another shell'],
  ],

  async run(ctx, input) {
    const options = input.options;
    const files = getSandboxFiles(ctx.config.stateDir);
    const record = readSandboxRecord(files);
    if (!record || !isProcessAlive(record.pid)) {
      throw new NotFoundError('no sandbox is running', 'Start one with `eval "$(molectl sandbox up --detach)"`.');
    }
    const env = buildShellEnv(files, record.url);
    if (options.exports) {
      await ctx.out.result({ url: record.url, env: Object.fromEntries(env) }, () => renderExports(env));
      return 0;
    }
    let healthy = false;
    try {
      const res = await (ctx.fetch ?? globalThis.fetch)(`${record.url}/health`, { signal: AbortSignal.timeout(2000) });
      healthy = res.status === 200;
      await res.body?.cancel();
    } catch {
      healthy = false;
    }
    const status = {
      running: true,
      healthy,
      url: record.url,
      pid: record.pid,
      startedAt: record.startedAt,
      tenants: record.tenants,
      seed: record.seed,
      faults: record.faults,
    };
    // On a terminal, a line longer than it (a long fault spec) wraps at spaces, indented.
    await ctx.out.result(status, (s, style) =>
      [
        `sandbox ${s.healthy ? 'running' : 'NOT ANSWERING'} at ${s.url} (pid ${s.pid}, since ${s.startedAt})`,
        `tenants ${s.tenants}   seed ${s.seed}   faults ${s.faults || 'none'}`,
      ]
        .map((line) => fitLine(line, style, 2))
        .join('\n'),
    );
    return healthy ? 0 : 1;
  },
});
