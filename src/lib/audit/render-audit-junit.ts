import { xmlAttr as attr, xmlText as text } from '../output/xml-text.js';
import type { AuditReport } from './build-audit-report.js';
import type { Verdict } from './audit-verdict.js';
import { SEVERITY_RANK, type Severity } from './audit-checks.js';

/**
 * JUnit XML for CI dashboards: one <testsuite> per check, one <testcase> per check and subject
 * (tenant, instance or org). A failure at or above --fail-on is <failure> (type = severity), an
 * unknown is <error> (type Unknown): CI shows it, as the exit code does; it is never a pass. A
 * finding below --fail-on is <skipped> with the finding as its message: shown, but it does not
 * fail a CI that fails on JUnit failures when the exit code says the audit passed.
 */
export function renderAuditJunit(report: AuditReport): string {
  const seconds = (report.durationMs / 1000).toFixed(3);
  const suites = report.checks.map((check) => {
    const cases = report.verdicts.filter((v) => v.check === check.id);
    const gating = failsTheRun(check.severity, report.failOn);
    return [
      `  <testsuite name="${attr(`fleet-audit ${check.id}`)}" tests="${cases.length}" failures="${gating ? check.fail : 0}" errors="${check.unknown}" skipped="${gating ? 0 : check.fail}" time="0" timestamp="${attr(report.startedAt)}">`,
      `    <properties><property name="severity" value="${check.severity}"/><property name="evidence" value="${attr(check.evidence)}"/><property name="fail-on" value="${report.failOn}"/></properties>`,
      ...cases.map((v) => renderCase(report, v, check.severity)),
      '  </testsuite>',
    ].join('\n');
  });
  const total = report.verdicts.length;
  const failures = report.totals.failedAtOrAboveFailOn;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(`molectl fleet audit ${report.environment}`)}" tests="${total}" failures="${failures}" errors="${report.totals.unknown}" skipped="${report.totals.failed - failures}" time="${seconds}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

function failsTheRun(severity: Severity, failOn: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[failOn];
}

function renderCase(report: AuditReport, v: Verdict, severity: Severity): string {
  const name = `${v.subject.slug ?? '(unattributed)'} ${v.subject.instanceId ?? 'org'}`;
  const open = `    <testcase classname="${attr(`molectl.fleet-audit.${report.environment}.${v.check}`)}" name="${attr(name)}" time="0"`;
  if (v.status === 'pass') return `${open}/>`;
  const body = text(
    [v.detail, v.evidence ? `evidence: ${v.evidence}` : '', v.fix ? `fix: ${v.fix}` : ''].filter(Boolean).join('\n'),
  );
  const element =
    v.status === 'unknown'
      ? `<error message="${attr(v.detail)}" type="Unknown">${body}</error>`
      : failsTheRun(severity, report.failOn)
        ? `<failure message="${attr(v.detail)}" type="${severity}">${body}</failure>`
        : `<skipped message="${attr(`${severity} finding, below --fail-on ${report.failOn}: ${v.detail}`)}">${body}</skipped>`;
  return `${open}>\n      ${element}\n    </testcase>`;
}
