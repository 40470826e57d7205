import { markdownCell as cell, markdownInline as inline } from '../../output/markdown-text.js';
import { formatDuration } from '../../output/table.js';
import { describeOutcome, STRICT_HINT, summarizeReport, type VerifyReport } from './build-report.js';

const ICON = { pass: '✅ pass', fail: '❌ fail', skip: '⏭️ skip', interrupted: '⏹️ interrupted' } as const;

/** Markdown for a CI step summary ($GITHUB_STEP_SUMMARY, Gitea's equivalent) or a PR comment. */
export function renderMarkdownReport(report: VerifyReport): string {
  const rows = report.checks.map(
    (c) =>
      `| \`${c.id}\` | ${ICON[c.status]} | ${formatDuration(c.durationMs)}${c.attempts > 1 ? ` (${c.attempts} tries)` : ''} | ${cell(c.detail)} |`,
  );
  const todo = report.checks
    .filter((c) => c.status !== 'pass' && c.hint)
    .map((c) => `- **${c.id}** (${c.status}): ${inline(c.hint!)}`);
  // A pass with skips is not a clean pass: an amber mark, and which checks did not run.
  const mark = { passed: '✅', 'passed-with-skips': '⚠️', failed: '❌', interrupted: '⏹️' }[report.outcome];
  return [
    `## molectl verify: ${mark} ${inline(describeOutcome(report))} (${inline(report.environment)})`,
    '',
    `${summarizeReport(report)}. CP \`${report.cpUrl}\`${report.expectCommit ? `, commit \`${report.expectCommit.slice(0, 12)}\`` : ''}${report.strict ? ', strict' : ''}.${report.outcome === 'passed-with-skips' ? ` ${inline(STRICT_HINT)}.` : ''}`,
    '',
    '| Check | Result | Time | Detail |',
    '| --- | --- | ---: | --- |',
    ...rows,
    ...(todo.length ? ['', '### What to do', '', ...todo] : []),
    '',
  ].join('\n');
}
