import type { Styles } from '../output/output.js';
import type { RewriteReport } from './rewrite-files.js';
import type { RepoCheck } from './verify-gitea-repos.js';

/** Text renderings of a rewrite's report. Pure. */

export interface RewriteSummaryData extends RewriteReport {
  mode: 'dry-run' | 'check' | 'write';
  remote?: RepoCheck[];
}

export function renderRewriteSummary(data: RewriteSummaryData, style: Styles): string {
  const lines: string[] = [];
  const files = plural(data.filesChanged, 'file');
  const urls = plural(data.changeCount, 'change');
  if (data.changeCount === 0) {
    lines.push(style.ok(`nothing to change: ${plural(data.filesListed, 'file')} looked at, ${data.filesRead} read`));
  } else if (data.mode === 'write') {
    lines.push(style.ok(`changed ${files}, ${urls}`));
  } else {
    lines.push(`${data.mode === 'check' ? style.fail('stale GitHub URLs:') : 'would change'} ${files}, ${urls} (${data.mode === 'check' ? 'check' : 'dry run'}: nothing written; --write applies it)`);
  }
  const byRule = Object.entries(data.changesByRule).sort((a, b) => b[1] - a[1]);
  if (byRule.length) lines.push(`by rule: ${byRule.map(([rule, n]) => `${rule} ${n}`).join(', ')}`);
  const renamed = data.changes.filter((c) => c.renamedFrom).length;
  if (renamed) lines.push(`renamed repos: ${renamed} URL${renamed === 1 ? '' : 's'}`);
  if (data.files.length) {
    lines.push('by file:');
    const width = Math.min(60, Math.max(...data.files.map((f) => f.path.length)));
    for (const file of data.files) {
      const rules = Object.entries(file.byRule).map(([rule, n]) => `${rule} ${n}`).join(', ');
      lines.push(`  ${file.path.padEnd(width)}  ${String(file.changes).padStart(4)}  ${style.dim(rules)}`);
    }
  }
  if (data.skipped.length) {
    const counts = new Map<string, number>();
    for (const s of data.skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
    lines.push(`skipped: ${[...counts].map(([reason, n]) => `${n} ${reason}`).join(', ')}`);
    for (const s of data.skipped) lines.push(style.dim(`  ${s.file} (${s.reason}${s.bytes === undefined ? '' : `, ${formatBytes(s.bytes)}`})`));
  }
  if (data.remote) lines.push(...renderRepoChecks(data.remote, style));
  if (data.findings.length) lines.push(style.warn(`${plural(data.findings.length, 'finding')} ${data.findings.length === 1 ? 'needs' : 'need'} a person (listed on stderr)`));
  return lines.join('\n');
}

/** One block per finding: `file:line: [rule] why`, then the line itself. */
export function renderFindings(findings: RewriteReport['findings'], style: Styles): string[] {
  return findings.map((f) => `${style.bold(`${f.file}:${f.line}`)}: ${style.warn(`[${f.rule}]`)} ${f.reason}\n    ${style.dim(f.text)}`);
}

export function renderRepoChecks(checks: readonly RepoCheck[], style: Styles): string[] {
  const bad = checks.filter((c) => c.state !== 'exists');
  const lines = [`Gitea repositories: ${checks.length - bad.length}/${checks.length} exist`];
  for (const c of bad) lines.push(`  ${style.fail(c.state.padEnd(7))} ${c.repo}${c.detail ? `  ${style.dim(c.detail)}` : ''}`);
  return lines;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
