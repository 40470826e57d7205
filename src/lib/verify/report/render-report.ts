import { SCHEMA_VERSION } from '../../output/output.js';
import type { VerifyReport } from './build-report.js';
import { renderJunitReport } from './render-junit-report.js';
import { renderMarkdownReport } from './render-markdown-report.js';
import { renderTextReport } from './render-text-report.js';

import { OUTPUT_FORMATS, type OutputFormat } from '../../config/output-format.js';

/** A report renders in every output format molectl has; the commands that print reports declare all of them. */
export const REPORT_FORMATS = OUTPUT_FORMATS;
export type ReportFormat = OutputFormat;

export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

/** A report in one format, without colour (files and machine readers). Pure. */
export function renderReport(report: VerifyReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...report }, null, 2)}\n`;
    case 'junit':
      return renderJunitReport(report);
    case 'markdown':
      return renderMarkdownReport(report);
    case 'text':
      return `${renderTextReport(report)}\n`;
  }
}
