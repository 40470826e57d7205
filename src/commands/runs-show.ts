import { defineCommand } from '../lib/cli/command-definition.js';
import { argument } from '../lib/cli/flag-declaration.js';
import { countFlag } from '../lib/cli/flags.js';
import { listFlag } from '../lib/cli/list-flags.js';
import { UsageError } from '../lib/errors.js';
import { fitFields, fitLine } from '../lib/output/fit-line.js';
import type { Styles } from '../lib/output/output.js';
import { formatDuration, ownCell, renderTable } from '../lib/output/table.js';
import { storedText, type OwnText } from '../lib/output/remote-text.js';
import { formatTargets, formatTimestamp, styleStatus } from '../lib/runs/format-run-fields.js';
import type { RunLedgerDocument, ScalarOrList, TargetRecord } from '../lib/runs/run-ledger-schema.js';
import { TARGET_STATES } from '../lib/runs/run-ledger-states.js';
import { summarizeRun, type RunSummary } from '../lib/runs/summarize-run.js';

export const runsShowCommand = defineCommand({
  description:
    "Show one run's ledger: what it was asked to do, the environment, every target's state, outcome and remote ids, and the last events. `-o json` prints the whole ledger.",
  args: [argument('id', 'run id, or a unique leading part of it (at least 6 characters)')],
  flags: {
    states: listFlag(
      '--state <states>',
      `only targets in these states (comma-separated: ${TARGET_STATES.join(', ')})`,
      {
        pattern: new RegExp(`^(${TARGET_STATES.join('|')})$`),
        problem: `is not a target state (${TARGET_STATES.join(', ')})`,
        example: 'failed,unverified',
      },
    ),
    events: countFlag('--events <n>', 'how many of the latest events to show', { min: 0, max: 100_000, default: 20 }),
  },
  examples: [
    ['molectl runs show 20261122T203000Z-migrate-cp-secret-apply-3f9a', 'one run in full'],
    ['molectl runs show 20261122T2030', 'the same run, by a unique prefix of its id'],
    ['molectl runs show 20261122T2030 --state failed,in-progress', 'only the targets a resume would look at first'],
    [
      'molectl runs show 20261122T2030 -o json | jq \'.run.targets[] | select(.state != "succeeded")\'',
      'targets a resume would still do',
    ],
  ],

  async run(ctx, input) {
    const options = input.options;
    const id = input.args[0];
    if (!id) throw new UsageError('missing run id', 'list runs with `molectl runs list`');
    const ledger = await ctx.runs.load(id);
    const doc = ledger.document as RunLedgerDocument;
    const summary = summarizeRun(doc, ctx.clock.now());
    await ctx.out.result({ ledgerPath: ledger.path, summary, run: ledger.asWritten() }, (data, style) =>
      renderRun(doc, data.summary, data.ledgerPath, { events: options.events, states: options.states ?? null }, style),
    );
    return 0;
  },
});

interface RenderOptions {
  events: number;
  /** Target states to list; null lists all. */
  states: string[] | null;
}

function renderRun(
  doc: RunLedgerDocument,
  summary: RunSummary,
  path: string,
  options: RenderOptions,
  style: Styles,
): string {
  const env = doc.environment;
  const aws = env.awsAccount || env.awsRegion ? `aws ${[env.awsAccount, env.awsRegion].filter(Boolean).join(' ')}` : '';
  const resumable = summary.resumable ? style.warn(' (resumable)') : '';
  // Every value below is read back from the ledger file: shown as stored, controls escaped.
  // A value is text, or laid out once the labels' width is known (pairs wrap under their label).
  const lines: Array<[string, string | ((indent: number) => string)]> = [
    ['run', storedText(doc.id)],
    ['command', storedText(doc.command)],
    ['status', `${styleStatus(summary.displayStatus, summary, style)}${resumable}`],
    ['env', storedText([env.name, env.cpUrl, aws].filter(Boolean).join('  '))],
    ['started', storedText(formatTimestamp(doc.startedAt))],
    [
      'finished',
      doc.finishedAt
        ? `${storedText(formatTimestamp(doc.finishedAt))}  (took ${formatDuration(summary.durationMs)})`
        : `-  (${formatDuration(summary.durationMs)} so far)`,
    ],
    ['owner', storedText(summary.owner)],
  ];
  if (Object.keys(doc.inputs).length) lines.push(['inputs', (indent) => fitPairs(doc.inputs, style, indent)]);
  if (Object.keys(doc.pinned).length) lines.push(['pinned', (indent) => fitPairs(doc.pinned, style, indent)]);
  if (doc.error) lines.push(['error', style.fail(storedText(doc.error.message))]);
  if (doc.error?.hint) lines.push(['hint', storedText(doc.error.hint)]);
  lines.push(['ledger', path]);
  const width = Math.max(...lines.map(([k]) => k.length));
  const out = lines.map(([k, v]) => `${k.padEnd(width)}  ${typeof v === 'string' ? v : v(width + 2)}`);

  const all = Object.values(doc.targets);
  if (all.length) {
    const t = summary.targets;
    const parts = [
      `${t.succeeded} succeeded`,
      `${t.failed} failed`,
      `${t.skipped} skipped`,
      `${t.inProgress} in progress`,
      `${t.pending} pending`,
    ];
    const shown = options.states ? all.filter((target) => options.states!.includes(target.state)) : all;
    out.push('', `targets ${formatTargets(summary)}: ${parts.join(', ')}`);
    if (options.states) out.push(`showing ${shown.length} in state ${options.states.join(' or ')}`);
    if (shown.length) out.push(renderTargets(shown, style));
  }

  if (options.events > 0 && doc.events.length) {
    const shown = doc.events.slice(-options.events);
    const total = doc.events.length + doc.eventsDropped;
    out.push('', shown.length < total ? `last ${shown.length} of ${total} events:` : 'events:');
    for (const e of shown) {
      // Padded before it is coloured: padEnd counts the colour codes, and a coloured `warn` was
      // left one column short, its message out of line with the others.
      const padded = e.level.padEnd(5);
      const level = e.level === 'error' ? style.fail(padded) : e.level === 'warn' ? style.warn(padded) : padded;
      const at = formatTimestamp(e.at);
      // On a terminal a long message wraps under the messages' column, not into the times'.
      out.push(
        fitLine(
          `  ${storedText(at)}  ${level}  ${e.target ? `[${storedText(e.target)}] ` : ''}${storedText(e.message)}`,
          style,
          2 + at.length + 2 + padded.length + 2,
        ),
      );
    }
  }
  return out.join('\n');
}

function renderTargets(targets: TargetRecord[], style: Styles): string {
  return renderTable<TargetRecord>(
    [
      { header: 'target', value: (t) => storedText(t.key) },
      {
        header: 'state',
        value: (t) => ownCell(t.state),
        style: (cell, t) =>
          t.state === 'succeeded'
            ? style.ok(cell)
            : t.state === 'failed'
              ? style.fail(cell)
              : t.state === 'skipped'
                ? style.dim(cell)
                : style.warn(cell),
      },
      { header: 'outcome', value: (t) => (t.outcome ? storedText(t.outcome) : null), shrink: true },
      // On a narrow terminal these go first (and come back when room is left): the state, outcome
      // and error are what a reader looks for; -o json keeps the SSM command ids.
      { header: 'attempts', value: (t) => t.attempts, align: 'right', leaveOut: 2 },
      { header: 'remote ids', value: (t) => formatPairs(t.remoteIds), leaveOut: 3 },
      { header: 'updated', value: (t) => storedText(formatTimestamp(t.updatedAt)), leaveOut: 1 },
      { header: 'error', value: (t) => (t.error ? storedText(t.error.message) : null), shrink: true },
    ],
    targets,
    style,
  );
}

/**
 * The pairs of formatPairs on a terminal: as many to a line as fit beside the label, the next
 * line under the first pair, a pair never split, so the terminal does not fold them into the
 * labels' column.
 */
function fitPairs(values: Record<string, ScalarOrList>, style: Styles, indent: number): string {
  return fitFields(
    Object.entries(values).map(([k, v]) => formatPairs({ [k]: v })),
    style,
    indent,
  );
}

/** `key=value` pairs read back from the ledger: shown as stored (the shapes ran when it was written). */
function formatPairs(values: Record<string, ScalarOrList>): OwnText {
  return storedText(
    Object.entries(values)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
      .join('  '),
  );
}
