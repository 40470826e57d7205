import { defineCommand } from '../lib/cli/command-definition.js';
import { argument, FlagProblem, type ParsedFlags } from '../lib/cli/flag-declaration.js';
import { countFlag, customFlag, durationFlag, regexFlag, switchFlag, textFlag } from '../lib/cli/flags.js';
import { remoteTextReportFlags } from '../lib/cli/shared-flags.js';
import { echoInput } from '../lib/output/remote-text.js';
import { Diagnosis } from '../lib/console/diagnose-lines.js';
import { readContainerLogs, type ContainerLogs } from '../lib/console/read-container-logs.js';
import { LogLinesFollower } from '../lib/console/follow-log-lines.js';
import { RedactionTally } from '../lib/console/redaction-tally.js';
import { checkLineOutputOptions, printLineReport } from '../lib/console/print-line-report.js';
import { renderDiagnosis } from '../lib/console/render-diagnosis.js';
import {
  classifyConsoleTarget,
  resolveConsoleTarget,
  type ResolvedConsoleTarget,
} from '../lib/console/resolve-console-target.js';
import { compileGrep, matchesLine } from '../lib/console/select-lines.js';
import { createLogCursor, selectNewLogLines, stripLogTimestamp } from '../lib/console/select-new-log-lines.js';
import { splitConsoleLines } from '../lib/console/split-console-lines.js';
import type { Context } from '../lib/context.js';
import { remoteText } from '../lib/output/remote-text.js';
import { ExitCode, UsageError } from '../lib/errors.js';
import { formatCount } from '../lib/output/format-count.js';

const flags = {
  container: textFlag('--container <name>', "container name (default: the environment's, molecule-tenant)", {
    pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
    what: 'a container name (letters, digits, "_", "." and "-")',
  }),
  since: durationFlag('--since <duration>', 'only lines from the last 30m, 2h, ...', {
    minMs: 1000,
    maxMs: 3650 * 86_400_000,
  }),
  tail: customFlag(
    '--tail <n>',
    'the last N lines as docker keeps them, or "all"; --grep filters these',
    (text): number | 'all' => {
      if (text === 'all') return 'all';
      if (!/^\d{1,9}$/.test(text)) throw new FlagProblem(`"${echoInput(text)}" is not a number of lines or "all"`);
      return Number(text);
    },
    { default: '500' },
  ),
  grep: regexFlag(
    '--grep <regex>',
    'only lines matching this JavaScript regular expression (matched on the redacted text)',
  ),
  ignoreCase: switchFlag('-i, --ignore-case', '--grep ignores case'),
  timestamps: switchFlag('--timestamps', "prefix lines with docker's timestamps"),
  follow: switchFlag('-f, --follow', 'keep printing new lines, polling through SSM, until Ctrl-C (exit 0)'),
  interval: durationFlag('--interval <duration>', 'how often --follow polls', {
    minMs: 2000,
    maxMs: 3600_000,
    default: '10s',
  }),
  maxBytes: countFlag('--max-bytes <n>', 'fetch at most this many bytes (the newest); what is left out is stated', {
    min: 1024,
    max: 1024 ** 3,
    default: 8 * 1024 * 1024,
  }),
  ...remoteTextReportFlags('logs'),
};
type LogsOptions = ParsedFlags<typeof flags>;

export const logsCommand = defineCommand({
  description:
    'Show a tenant\'s platform container logs (`docker logs` on its host, through SSM), redacted, whole however long they are (SSM\'s 24,000-character cap is worked around, or what was left out is stated), with a "likely cause" section.',
  args: [argument('slug', "org slug (or the tenant's instance id)")],
  flags,
  examples: [
    ['molectl logs acme', "the last 500 lines of acme's platform container"],
    ['molectl logs acme --since 1h --tail all --grep "ERROR|401"', 'every error of the last hour'],
    ['molectl logs acme --follow', 'watch new lines (polls every 10 s through SSM)'],
    ['molectl logs acme --tail all --out acme.log', 'everything docker kept, redacted, to a file'],
  ],

  async run(ctx, input) {
    const { options } = input;
    const grep = compileGrep(options.grep, { ignoreCase: options.ignoreCase });
    checkLineOutputOptions(ctx, options);
    const target = await resolveLogsTarget(ctx, input.args[0]!);
    const container = options.container ?? ctx.config.environment.containerName;
    ctx.out.info(
      `logs of ${container} on ${target.instanceId}${target.orgSlug ? ` (org ${target.orgSlug})` : ''} through SSM`,
    );
    if (options.follow) return followLogs(ctx, target, container, options, grep);

    const logs = await readContainerLogs(ctx, target.instanceId!, {
      container,
      since: options.since === undefined ? undefined : options.since / 1000,
      tail: options.tail === 'all' ? undefined : options.tail,
      timestamps: options.timestamps,
      maxBytes: options.maxBytes,
      defaultContainer: ctx.config.environment.containerName,
    });
    const tally = new RedactionTally(ctx.redactor);
    // docker's --tail, --max-bytes and log rotation all start the text at a line inside the log.
    const lines = splitConsoleLines(tally.redact(logs.text, 'line')).lines;
    const diagnosis = new Diagnosis({ target: target.input, orgSlug: target.orgSlug, source: 'logs' });
    if (options.diagnosis) diagnosis.add(lines);
    const shown = grep ? lines.filter((l) => matchesLine(grep, l)) : lines;
    const report = {
      target: describeTarget(target),
      container,
      since: input.options.since ?? null,
      tail: options.tail,
      totalBytes: logs.totalBytes,
      complete: logs.complete,
      cut: logs.cut,
      cutBytes: logs.cutBytes,
      totalLines: lines.length,
      lines: shown,
      redaction: { enabled: options.redact, count: tally.count, byKind: { ...tally.byKind } },
      findings: diagnosis.findings(),
    };

    if (logs.cut) ctx.out.warn(logs.cut);
    if (grep) ctx.out.info(`showing ${shown.length} of ${formatCount(lines.length, 'line')}`);
    await printLineReport(ctx, report, { out: options.out, emptyNote: 'no log lines' });
    ctx.out.info(
      logs.cut !== null && logs.text === ''
        ? 'no log text was read: nothing was checked for secrets or failure signatures'
        : tally.describe(options.redact, logs.cut !== null),
    );
    return logs.cutReason === 'failed' ? ExitCode.failed : ExitCode.ok;
  },
});

/** logs needs a host with the platform container: an org's tenant, or an instance named directly. */
async function resolveLogsTarget(ctx: Context, input: string): Promise<ResolvedConsoleTarget> {
  if (classifyConsoleTarget(input).kind === 'workspace') {
    throw new UsageError(
      'workspaces do not run the platform container',
      `read the workspace's console with \`molectl console ${input}\`, or pass its org slug`,
    );
  }
  const target = await resolveConsoleTarget({ aws: ctx.aws, environment: ctx.config.environment }, input, {
    allowCpFallback: false,
  });
  for (const note of target.notes) ctx.out.info(note);
  return target;
}

/**
 * --follow: docker on the host has no window that survives between SSM commands, so each poll
 * asks for the lines since the newest timestamp printed and prints only those not yet printed.
 */
async function followLogs(
  ctx: Context,
  target: ResolvedConsoleTarget,
  container: string,
  options: LogsOptions,
  grep: RegExp | undefined,
): Promise<number> {
  if (options.out)
    throw new UsageError(
      '--follow writes to stdout only',
      'redirect stdout (with redaction on), or drop --follow to use --out',
    );
  const tally = new RedactionTally(ctx.redactor);
  const diagnosis = new Diagnosis({ target: target.input, orgSlug: target.orgSlug, source: 'logs' });
  const cursor = createLogCursor();
  let first = true;
  let partial = false;
  const follower = new LogLinesFollower(tally);
  const print = async (lines: string[]): Promise<void> => {
    if (options.diagnosis) diagnosis.add(lines);
    const shown = grep ? lines.filter((l) => matchesLine(grep, l)) : lines;
    if (shown.length) await ctx.out.streamRemote(remoteText(`${shown.join('\n')}\n`));
  };
  ctx.out.untilInterrupted(`following every ${Math.round(options.interval / 1000)} s; Ctrl-C to stop`);
  while (!ctx.signal.aborted) {
    let logs: ContainerLogs;
    try {
      logs = await readContainerLogs(ctx, target.instanceId!, {
        container,
        since: cursor.since ?? (options.since === undefined ? undefined : options.since / 1000),
        tail: first && options.tail !== 'all' ? options.tail : undefined,
        timestamps: true,
        maxBytes: options.maxBytes,
        defaultContainer: ctx.config.environment.containerName,
      });
    } catch (error) {
      if (ctx.signal.aborted) break;
      throw error;
    }
    if (logs.cut) {
      ctx.out.warn(logs.cut);
      partial = true;
    }
    const fresh = selectNewLogLines(splitConsoleLines(logs.text).lines, cursor);
    // The first poll starts at docker's --tail, a cut one at --max-bytes: inside the log.
    await print(
      follower.take(
        fresh.map((l) => (options.timestamps ? l : stripLogTimestamp(l))),
        first || logs.cut !== null,
      ),
    );
    first = false;
    try {
      await ctx.clock.sleep(options.interval, ctx.signal);
    } catch {
      break; // Ctrl-C: the normal end of --follow
    }
  }
  await print(follower.flush());
  const rendered = renderDiagnosis(diagnosis.findings(), ctx.out.resultStyle);
  if (rendered) await ctx.out.stream(`\n${rendered}\n`);
  ctx.out.info(tally.describe(options.redact, partial));
  return ExitCode.ok;
}

function describeTarget(t: ResolvedConsoleTarget): Record<string, unknown> {
  return { input: t.input, kind: t.kind, instanceId: t.instanceId, orgSlug: t.orgSlug, instanceState: t.instanceState };
}
