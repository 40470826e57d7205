import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { redactDeep, SCHEMA_VERSION } from '../output/output.js';
import { remoteText, renderOutputText } from '../output/remote-text.js';
import { writeFileAtomic } from '../output/write-file.js';
import type { Finding } from './diagnose-lines.js';
import { applyRedactionChoice } from './apply-redaction-choice.js';
import { renderDiagnosis } from './render-diagnosis.js';
import { formatCount } from '../output/format-count.js';

/** What console and logs print: the selected lines and the findings about them. */
export interface LineReport {
  lines: string[];
  findings: Finding[];
}

/**
 * The output choices console and logs share, checked before anything is read: --follow streams,
 * so it cannot be one JSON document; --no-redact has its own refusals.
 */
export function checkLineOutputOptions(
  ctx: Context,
  options: { follow?: boolean; redact: boolean; out?: string | undefined },
): void {
  if (options.follow && ctx.out.format === 'json') {
    throw new UsageError(
      '--follow cannot be combined with --output json',
      '--output json prints one document; drop --follow, or follow as text',
    );
  }
  applyRedactionChoice(ctx, { redact: options.redact, outFile: options.out });
}

/** Text or JSON, to stdout or to --out (the diagnosis stays on stdout as the result's summary). */
export async function printLineReport(
  ctx: Context,
  report: LineReport,
  options: { out?: string | undefined; emptyNote?: string },
): Promise<void> {
  if (ctx.out.format === 'json') {
    if (!options.out) return ctx.out.result(report, () => '');
    await writeFileAtomic(
      options.out,
      `${JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...redactDeep(report, ctx.redactor) }, null, 2)}\n`,
    );
    ctx.out.info(
      `wrote ${formatCount(report.lines.length, 'line')} and ${formatCount(report.findings.length, 'finding')} to ${options.out}`,
    );
    return;
  }
  const text = report.lines.length ? `${report.lines.join('\n')}\n` : '';
  if (options.out) {
    // As on stdout: redacted, and controls escaped. The file is a redacted copy for a ticket or a
    // colleague (`cat`, `less`), not a byte-exact capture; raw, a log line could retitle or clear
    // the reader's terminal, or hide the lines before it.
    await writeFileAtomic(options.out, renderOutputText(remoteText(text), ctx.redactor, 'text'));
    ctx.out.info(`wrote ${formatCount(report.lines.length, 'line')} to ${options.out}`);
  } else if (text) {
    await ctx.out.streamRemote(remoteText(text));
  } else if (options.emptyNote) {
    ctx.out.info(options.emptyNote);
  }
  const diagnosis = renderDiagnosis(report.findings, ctx.out.resultStyle);
  if (diagnosis) await ctx.out.stream(`${text && !options.out ? '\n' : ''}${diagnosis}\n`);
}
