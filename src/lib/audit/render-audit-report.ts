import { SCHEMA_VERSION } from '../output/output.js';
import type { ReportFormat } from '../verify/report/render-report.js';
import { toAuditDocument, type AuditReport } from './build-audit-report.js';
import { renderAuditJunit } from './render-audit-junit.js';
import { renderAuditMarkdown } from './render-audit-markdown.js';
import { renderAuditText } from './render-audit-text.js';

/** The audit in one of verify's report formats, without colour (files and machine readers). Pure. */
export function renderAuditReport(report: AuditReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...toAuditDocument(report) }, null, 2)}\n`;
    case 'junit':
      return renderAuditJunit(report);
    case 'markdown':
      return renderAuditMarkdown(report);
    case 'text':
      return `${renderAuditText(report)}\n`;
  }
}
