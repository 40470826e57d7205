import { markdownCell as cell, markdownInline as inline } from '../../output/markdown-text.js';
import { formatDuration } from '../../output/table.js';
import { summarizeReport, type VerifyReport } from './build-report.js';

const ICON = { pass: '✅ pass', fail: '❌ fail', skip: '⏭️ skip' } as const;

/** Markdown for a CI step summary ($GITHUB_STEP_SUMMARY, Gitea's equivalent) or a PR comment. */
export function renderMarkdownReport(report: VerifyReport): string {
  const rows = report.checks.map(
    (c) =>
      `| \`${c.id}\` | ${ICON[c.status]} | ${formatDuration(c.durationMs)}${c.attempts > 1 ? ` (${c.attempts} tries)` : ''} | ${cell(c.detail)} |`,
  );
  const todo = report.checks
    .filter((c) => c.status !== 'pass' && c.hint)
    .map((c) => `- **${c.id}** (${c.status}): ${inline(c.hint!)}`);
  return [
    `## molectl verify: ${report.ok ? '✅ passed' : '❌ failed'} (${inline(report.environment)})`,
    '',
    `${summarizeReport(report)}. CP \`${report.cpUrl}\`${report.expectCommit ? `, commit \`${report.expectCommit.slice(0, 12)}\`` : ''}${report.strict ? ', strict' : ''}.`,
    '',
    '| Check | Result | Time | Detail |',
    '| --- | --- | ---: | --- |',
    ...rows,
    ...(todo.length ? ['', '### What to do', '', ...todo] : []),
    '',
  ].join('\n');
}
