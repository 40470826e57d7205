import { xmlAttr as attr, xmlText as text } from '../../output/xml-text.js';
import { describeOutcome, type VerifyReport } from './build-report.js';

/**
 * JUnit XML in the shape CI test-report tools read (Jenkins, GitLab, Gitea/GitHub Actions report
 * actions): one <testsuite> with one <testcase> per check; a failure carries <failure>, a skip
 * <skipped>. Times are seconds. Text is escaped, and characters XML 1.0 forbids are dropped.
 */
export function renderJunitReport(report: VerifyReport): string {
  const s = report.summary;
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  const suiteName = `molectl verify ${report.environment}`;
  const cases = report.checks.map((c) => {
    const open = `    <testcase classname="molectl.verify.${attr(report.environment)}" name="${attr(c.id)}" time="${seconds(c.durationMs)}"`;
    const out = `      <system-out>${text(`${c.title}\n${c.detail}\nattempts: ${c.attempts}`)}</system-out>`;
    if (c.status === 'pass') return `${open}>\n${out}\n    </testcase>`;
    const message = attr(c.detail);
    const body = text(`${c.detail}${c.hint ? `\nhint: ${c.hint}` : ''}`);
    const verdict =
      c.status === 'fail'
        ? `      <failure message="${message}" type="CheckFailed">${body}</failure>`
        : c.status === 'interrupted'
          ? `      <error message="${message}" type="Interrupted">${body}</error>`
          : `      <skipped message="${message}">${body}</skipped>`;
    return `${open}>\n${verdict}\n${out}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="molectl verify" tests="${s.total}" failures="${s.failed}" errors="${s.interrupted}" skipped="${s.skipped}" time="${seconds(report.durationMs)}">`,
    `  <testsuite name="${attr(suiteName)}" tests="${s.total}" failures="${s.failed}" errors="${s.interrupted}" skipped="${s.skipped}" time="${seconds(report.durationMs)}" timestamp="${attr(report.startedAt)}">`,
    '    <properties>',
    `      <property name="environment" value="${attr(report.environment)}"/>`,
    `      <property name="cpUrl" value="${attr(report.cpUrl)}"/>`,
    ...(report.expectCommit ? [`      <property name="expectCommit" value="${attr(report.expectCommit)}"/>`] : []),
    `      <property name="strict" value="${report.strict}"/>`,
    // The verdict in words: "passed, 5 skipped (credentials or inputs absent: ...)" is not a clean pass.
    `      <property name="outcome" value="${attr(describeOutcome(report))}"/>`,
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
