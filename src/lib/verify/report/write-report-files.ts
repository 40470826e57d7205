import { findOutputPathProblem } from '../../output/check-output-path.js';
import { UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../output/write-file.js';
import type { Redactor } from '../../output/redactor.js';
import { renderDeep } from '../../output/output.js';
import { renderOutputText, type RenderMode } from '../../output/remote-text.js';
import type { VerifyReport } from './build-report.js';
import { isReportFormat, renderReport, type ReportFormat } from './render-report.js';

export interface ReportFileSpec {
  format: ReportFormat;
  path: string;
}

/**
 * `--report-file FILE` writes the run's --output format; `--report-file junit:FILE` names its own
 * format, so one run can leave a JUnit file for the test-report tool and Markdown for the step
 * summary. Pure.
 */
export function parseReportFileSpec(spec: string, defaultFormat: ReportFormat): ReportFileSpec {
  const colon = spec.indexOf(':');
  const prefix = colon > 0 ? spec.slice(0, colon) : '';
  const parsed: ReportFileSpec = isReportFormat(prefix)
    ? { format: prefix, path: spec.slice(colon + 1) }
    : { format: defaultFormat, path: spec };
  if (!parsed.path)
    throw new UsageError(
      `--report-file ${spec}: no file name after "${prefix}:"`,
      `write it as --report-file ${prefix}:report.${REPORT_FILE_EXTENSION[parsed.format]}; if the file name came from a shell variable (like "$GITHUB_STEP_SUMMARY"), that variable is unset or empty`,
    );
  return parsed;
}

/** The file name the usage hint suggests takes the format's usual extension (it said `markdown:verify-report.xml`). */
const REPORT_FILE_EXTENSION: Record<ReportFormat, string> = { text: 'txt', json: 'json', junit: 'xml', markdown: 'md' };

/** Checked with the flags, before any check runs: a report that cannot be written is found now, not after. */
export function checkReportFile(spec: ReportFileSpec): ReportFileSpec {
  const problem = findOutputPathProblem(spec.path);
  if (problem) throw new UsageError(`--report-file: ${problem}`, 'give a file in an existing, writable directory');
  return spec;
}

/**
 * Writes each report atomically. Invariant: the rendered text passes the output contract's
 * rendering (renderOutputText), as stdout would: registered values scrubbed everywhere, token
 * shapes and escaped controls in remote spans, so no file holds a secret and molectl's own
 * words (hints, fixes) stay intact.
 */
export async function writeReportFiles(
  report: VerifyReport,
  specs: ReportFileSpec[],
  redactor: Redactor,
): Promise<void> {
  await writeRenderedReports(
    specs,
    (format) => renderReport(renderDeep(report, redactor, modeFor(format)), format),
    redactor,
  );
}

/**
 * How a report's strings are rendered before a format serialises them: JSON keeps controls (its
 * escaping shows them), every other format shows them escaped. Rendering the strings first, not
 * the serialised text, is what lets the shape rules see a remote value as it was (JSON and XML
 * escaping would hide `"key":"..."` from them).
 */
export function modeFor(format: ReportFormat): RenderMode {
  return format === 'json' ? 'json' : 'text';
}

/** The same for any report: `render` gives the text of one format (fleet audit passes its own). */
export async function writeRenderedReports(
  specs: ReportFileSpec[],
  render: (format: ReportFormat) => string,
  redactor: Redactor,
): Promise<void> {
  for (const spec of specs) {
    const text = renderOutputText(render(spec.format), redactor, spec.format === 'json' ? 'json' : 'text');
    try {
      // Reports are meant to be shared (CI artifacts, step summaries): readable, never secret.
      await writeFileAtomic(spec.path, text, { mode: 0o644 });
    } catch (error) {
      throw new UsageError(
        `cannot write the ${spec.format} report to ${spec.path}: ${(error as Error).message}`,
        'check that the directory exists and is writable',
      );
    }
  }
}
