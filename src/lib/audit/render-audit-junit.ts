import { xmlAttr as attr, xmlText as text } from '../output/xml-text.js';
import type { AuditReport } from './build-audit-report.js';
import type { Verdict } from './audit-verdict.js';

/**
 * JUnit XML for CI dashboards: one <testsuite> per check, one <testcase> per check and subject
 * (tenant, instance or org). A failure is <failure> (type = severity), an unknown is <error>
 * (type Unknown): CI shows it, as the exit code does; it is never a pass.
 */
export function renderAuditJunit(report: AuditReport): string {
  const seconds = (report.durationMs / 1000).toFixed(3);
  const suites = report.checks.map((check) => {
    const cases = report.verdicts.filter((v) => v.check === check.id);
    return [
      `  <testsuite name="${attr(`fleet-audit ${check.id}`)}" tests="${cases.length}" failures="${check.fail}" errors="${check.unknown}" skipped="0" time="0" timestamp="${attr(report.startedAt)}">`,
      `    <properties><property name="severity" value="${check.severity}"/><property name="evidence" value="${attr(check.evidence)}"/></properties>`,
      ...cases.map((v) => renderCase(report, v)),
      '  </testsuite>',
    ].join('\n');
  });
  const total = report.verdicts.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(`molectl fleet audit ${report.environment}`)}" tests="${total}" failures="${report.totals.failed}" errors="${report.totals.unknown}" skipped="0" time="${seconds}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

function renderCase(report: AuditReport, v: Verdict): string {
  const name = `${v.subject.slug ?? '(unattributed)'} ${v.subject.instanceId ?? 'org'}`;
  const open = `    <testcase classname="${attr(`molectl.fleet-audit.${report.environment}.${v.check}`)}" name="${attr(name)}" time="0"`;
  if (v.status === 'pass') return `${open}/>`;
  const body = text(
    [v.detail, v.evidence ? `evidence: ${v.evidence}` : '', v.fix ? `fix: ${v.fix}` : ''].filter(Boolean).join('\n'),
  );
  const severity = report.checks.find((c) => c.id === v.check)?.severity ?? 'high';
  const element =
    v.status === 'fail'
      ? `<failure message="${attr(v.detail)}" type="${severity}">${body}</failure>`
      : `<error message="${attr(v.detail)}" type="Unknown">${body}</error>`;
  return `${open}>\n      ${element}\n    </testcase>`;
}
