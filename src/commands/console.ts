import { open } from 'node:fs/promises';
import { defineCommand } from '../lib/cli/command-definition.js';
import { argument, type ParsedFlags } from '../lib/cli/flag-declaration.js';
import { countFlag, durationFlag, regexFlag, switchFlag } from '../lib/cli/flags.js';
import { remoteTextReportFlags } from '../lib/cli/shared-flags.js';
import { buildConsoleReport, type ConsoleReport } from '../lib/console/build-console-report.js';
import { describeConsoleSource, describeEmptyConsole } from '../lib/console/describe-console-source.js';
import { Diagnosis } from '../lib/console/diagnose-lines.js';
import { followConsole, type FollowSummary } from '../lib/console/follow-console.js';
import { readConsoleSnapshot, type ConsoleSnapshot } from '../lib/console/read-console-snapshot.js';
import { RedactionTally } from '../lib/console/redaction-tally.js';
import { checkLineOutputOptions, printLineReport } from '../lib/console/print-line-report.js';
import { renderDiagnosis } from '../lib/console/render-diagnosis.js';
import { resolveConsoleTarget, type ResolvedConsoleTarget } from '../lib/console/resolve-console-target.js';
import { compileGrep } from '../lib/console/select-lines.js';
import type { Context } from '../lib/context.js';
import { ExitCode } from '../lib/errors.js';
import { remoteText, renderOutputText } from '../lib/output/remote-text.js';
import { formatCount } from '../lib/output/format-count.js';

const flags = {
  latest: switchFlag('--latest', 'the live console buffer (Nitro instances; others fall back with a note)'),
  tail: countFlag('--tail <n>', 'only the last N lines (after --grep)', { min: 0, max: 1_000_000 }),
  grep: regexFlag(
    '--grep <regex>',
    'only lines matching this JavaScript regular expression (matched on the redacted text)',
  ),
  ignoreCase: switchFlag('-i, --ignore-case', '--grep ignores case'),
  follow: switchFlag('-f, --follow', 'keep printing new lines as they arrive, until Ctrl-C (exit 0)'),
  interval: durationFlag('--interval <duration>', 'how often --follow polls', {
    minMs: 1000,
    maxMs: 3600_000,
    default: '5s',
  }),
  ...remoteTextReportFlags('output'),
};
type ConsoleOptions = ParsedFlags<typeof flags>;

export const consoleCommand = defineCommand({
  description:
    'Show what a tenant or workspace instance printed on its serial console (EC2 keeps the last 64 KB), redacted, with a "likely cause" section when a known failure shows. The target is an org slug (its tenant instance), an instance id, or a workspace id (its instance by tag, else the CP\'s copy).',
  args: [argument('target', 'org slug, instance id (i-...) or workspace id (UUID)')],
  flags,
  examples: [
    ['molectl console acme', 'the tenant instance of org acme'],
    ['molectl console acme --grep "cloud-init|docker" --tail 50', 'the last 50 cloud-init or docker lines'],
    ['molectl console i-0123456789abcdef0 --follow', 'watch an instance boot'],
    ['molectl console 3f2a5c1e-...-uuid -o json', "a workspace's console as JSON, with findings"],
    ['molectl console acme --out acme-console.txt', 'save it (redacted) for an incident ticket'],
  ],

  async run(ctx, input) {
    const { options } = input;
    const grep = compileGrep(options.grep, { ignoreCase: options.ignoreCase });
    checkLineOutputOptions(ctx, options);

    const target = await resolveConsoleTarget({ aws: ctx.aws, environment: ctx.config.environment }, input.args[0]!, {
      allowCpFallback: true,
    });
    const read = (): Promise<ConsoleSnapshot> =>
      readConsoleSnapshot({ aws: ctx.aws, cp: ctx.cp }, target, { latest: options.latest });
    const first = await read();
    if (options.follow) return followAndReport(ctx, target, first, { options, grep, read });

    const tally = new RedactionTally(ctx.redactor);
    const report = buildConsoleReport({
      target,
      snapshot: first,
      selection: { grep, tail: options.tail },
      tally,
      redactionEnabled: options.redact,
      now: ctx.clock.now(),
      diagnose: options.diagnosis,
    });
    describeToStderr(ctx, report);
    await printLineReport(ctx, report, options);
    // No text: nothing was checked for secrets or failure signatures, and the exit code says so
    // (a script must not read "exit 0, no findings" as a clean console).
    if (report.output.empty) {
      ctx.out.info(NOTHING_READ);
      return ExitCode.failed;
    }
    ctx.out.info(tally.describe(options.redact));
    return ExitCode.ok;
  },
});

const NOTHING_READ = 'no console text was read: nothing was checked for secrets or failure signatures';

/** Where the text comes from, how old it is, and what was left out: stderr, never the result. */
function describeToStderr(ctx: Context, report: ConsoleReport): void {
  for (const note of report.notes) ctx.out.info(note);
  ctx.out.info(describeConsoleSource(report));
  if (report.output.empty) {
    ctx.out.warn(describeEmptyConsole(report));
    return;
  }
  if (report.output.droppedPartialFirstLine)
    ctx.out.verbose('the window starts mid-line: that partial first line is left out');
  if (report.selection.grep !== null || report.selection.tail !== null)
    ctx.out.info(`showing ${report.lines.length} of ${formatCount(report.output.totalLines, 'line')}`);
}

interface FollowInput {
  options: ConsoleOptions;
  grep: RegExp | undefined;
  read: () => Promise<ConsoleSnapshot>;
}

/** --follow: stream to stdout (or to --out), then the diagnosis of everything seen. */
async function followAndReport(
  ctx: Context,
  target: ResolvedConsoleTarget,
  first: ConsoleSnapshot,
  input: FollowInput,
): Promise<number> {
  const { options } = input;
  const tally = new RedactionTally(ctx.redactor);
  // Only the header: the follower prints the lines itself, each once.
  describeToStderr(
    ctx,
    buildConsoleReport({
      target,
      snapshot: first,
      selection: {},
      tally: new RedactionTally(ctx.redactor),
      redactionEnabled: options.redact,
      now: ctx.clock.now(),
      diagnose: false,
    }),
  );
  ctx.out.untilInterrupted(`following every ${Math.round(options.interval / 1000)} s; Ctrl-C to stop`);
  const diagnosis = options.diagnosis
    ? new Diagnosis({ target: target.input, orgSlug: target.orgSlug, source: 'console' })
    : undefined;
  const file = options.out ? await open(options.out, 'w', 0o600) : null;
  let summary: FollowSummary;
  try {
    summary = await followConsole(
      {
        read: input.read,
        write: async (text) =>
          file
            ? void (await file.write(renderOutputText(remoteText(text), ctx.redactor, 'text')))
            : ctx.out.streamRemote(remoteText(text)),
        warn: (message) => ctx.out.warn(message),
        clock: ctx.clock,
        signal: ctx.signal,
      },
      first,
      { intervalMs: options.interval, grep: input.grep, tail: options.tail, tally, diagnosis },
    );
    if (file) ctx.out.info(`wrote ${formatCount(summary.linesPrinted, 'line')} to ${options.out}`);
  } finally {
    await file?.close();
  }
  const rendered = diagnosis ? renderDiagnosis(diagnosis.findings(), ctx.out.resultStyle) : '';
  if (rendered) await ctx.out.stream(`\n${rendered}\n`);
  if (!summary.textSeen) {
    ctx.out.info(NOTHING_READ);
    return ExitCode.failed;
  }
  ctx.out.info(tally.describe(options.redact));
  return ExitCode.ok;
}
