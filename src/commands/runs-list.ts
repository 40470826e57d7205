import { defineCommand } from '../lib/cli/command-definition.js';
import { countFlag, textFlag } from '../lib/cli/flags.js';
import type { Styles } from '../lib/output/output.js';
import { formatDuration, ownCell, renderTable } from '../lib/output/table.js';
import { storedText } from '../lib/output/remote-text.js';
import { formatTargets, formatTimestamp, styleStatus } from '../lib/runs/format-run-fields.js';
import { summarizeRun, type RunSummary } from '../lib/runs/summarize-run.js';

export const runsListCommand = defineCommand({
  description:
    'List the ledgers of mutating runs on this machine, newest first: status, duration and how many targets each got through. A run shown as "running, owner dead" was killed; `runs show <id>` says whether and how it continues (an org create is never resumed: its create is sent once).',
  flags: {
    command: textFlag('--command <name>', 'only runs of this command, or of a command group ("migrate")'),
    limit: countFlag('--limit <n>', 'show at most n runs', { min: 1, max: 100_000, default: 20 }),
  },
  examples: [
    ['molectl runs list', 'the 20 most recent runs'],
    ['molectl runs list --command "migrate cp-secret"', 'only cp-secret migration runs'],
    ['molectl runs list --limit 100 -o json', 'as JSON, for scripts'],
  ],

  async run(ctx, input) {
    const options = input.options;
    const listing = await ctx.runs.list({ command: options.command, limit: options.limit });
    // One unreadable file must not hide the rest: say which and carry on.
    for (const skipped of listing.skipped) ctx.out.warn(`skipped: ${skipped.reason}`);
    const now = ctx.clock.now();
    const runs = listing.runs.map((doc) => summarizeRun(doc, now));
    if (runs.length === 0)
      ctx.out.info(`no runs${options.command ? ` of "${options.command}"` : ''} recorded in ${ctx.runs.runsDir}`);
    await ctx.out.result({ runsDir: ctx.runs.runsDir, runs, skipped: listing.skipped }, (data, style) =>
      data.runs.length ? renderRunsTable(data.runs, style) : '',
    );
    return 0;
  },
});

function renderRunsTable(runs: RunSummary[], style: Styles): string {
  return renderTable<RunSummary>(
    [
      // On a narrow terminal these go first: the id already holds the start time and the command.
      { header: 'id', value: (r) => storedText(r.id) },
      { header: 'command', value: (r) => storedText(r.command), leaveOut: 4 },
      { header: 'env', value: (r) => storedText(r.environment), leaveOut: 2 },
      { header: 'status', value: (r) => storedText(r.displayStatus), style: (cell, r) => styleStatus(cell, r, style) },
      { header: 'started', value: (r) => storedText(formatTimestamp(r.startedAt)), leaveOut: 1 },
      { header: 'duration', value: (r) => formatDuration(r.durationMs), align: 'right', leaveOut: 3 },
      { header: 'targets', value: (r) => ownCell(formatTargets(r)) },
    ],
    runs,
    style,
  );
}
