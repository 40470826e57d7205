import type { Styles } from '../output/output.js';
import { IGNORE_FILE_NAME } from './acknowledgements.js';
import type { RewriteReport } from './rewrite-files.js';
import type { RepoCheck } from './verify-gitea-repos.js';
import { displayWidth } from '../output/display-width.js';
import { formatCount } from '../output/format-count.js';
import { escapeControls, remoteText } from '../output/remote-text.js';

/** Text renderings of a rewrite's report, and the gate's verdict. Pure. */

export interface GateSummary {
  /** Changes the run would make (dry run, check) or made (write). */
  rewrite: number;
  files: number;
  /** References to the moved organisation that stay and are not acknowledged: they fail --check. */
  needsPerson: number;
  /** References on acknowledged lines, and those lines, by marker and by ignore file. */
  acknowledged: number;
  acknowledgedLines: { marker: number; ignoreFile: number };
  /** Findings about lines that no longer (or never did) name the organisation. */
  notes: number;
  /** `--check` passes: nothing to rewrite, nothing unacknowledged left, and something looked at under every path. */
  passed: boolean;
}

export interface RewriteSummaryData extends RewriteReport {
  mode: 'dry-run' | 'check' | 'write';
  githubOwner: string;
  gate: GateSummary;
  remote?: RepoCheck[];
}

export function summariseGate(report: RewriteReport, mode: RewriteSummaryData['mode']): GateSummary {
  const needsPerson = report.findings.filter((f) => f.blocking).length;
  const rewrite = report.changeCount;
  return {
    rewrite,
    files: report.filesChanged,
    needsPerson,
    acknowledged: report.acknowledged.reduce((sum, a) => sum + a.references, 0),
    acknowledgedLines: {
      marker: report.acknowledged.filter((a) => a.by === 'marker').length,
      ignoreFile: report.acknowledged.filter((a) => a.by === 'ignore-file').length,
    },
    notes: report.findings.length - needsPerson,
    passed: needsPerson === 0 && (mode === 'write' || rewrite === 0) && report.rootsWithNothing.length === 0,
  };
}

export function renderRewriteSummary(data: RewriteSummaryData, style: Styles): string {
  const { gate } = data;
  const org = `github.com/${data.githubOwner}`;
  const lines: string[] = [];
  if (data.mode === 'check') {
    lines.push(
      gate.passed
        ? style.ok(
            `check passed: no reference to ${org} left${gate.acknowledged ? ` (${formatCount(gate.acknowledged, 'acknowledged reference')})` : ''}; ${formatCount(data.filesListed, 'file')} looked at`,
          )
        : style.fail(
            `check failed: ${[gate.rewrite ? `${formatCount(gate.rewrite, 'change')} would rewrite ${formatCount(gate.files, 'file')}` : '', gate.needsPerson ? `${formatCount(gate.needsPerson, 'reference')} ${gate.needsPerson === 1 ? 'needs' : 'need'} a person` : '', data.rootsWithNothing.length ? `no file looked at in ${data.rootsWithNothing.join(', ')}` : ''].filter(Boolean).join(', ')}`,
          ),
    );
  }
  const verb = data.mode === 'write' ? 'rewrote' : 'would rewrite';
  if (gate.rewrite === 0 && gate.needsPerson === 0 && gate.acknowledged === 0 && data.mode !== 'check') {
    lines.push(
      style.ok(`nothing to change: ${formatCount(data.filesListed, 'file')} looked at, ${data.filesRead} read`),
    );
  } else {
    // "would rewrite" is the dry run's result; how to apply it is a hint (stderr, from the command).
    lines.push(
      `${verb.padEnd(15)} ${gate.rewrite ? `${formatCount(gate.rewrite, 'change')} in ${formatCount(gate.files, 'file')}` : 'nothing'}`,
    );
  }
  const byRule = Object.entries(data.changesByRule).sort((a, b) => b[1] - a[1]);
  if (byRule.length) lines.push(`by rule: ${byRule.map(([rule, n]) => `${rule} ${n}`).join(', ')}`);
  const renamed = data.changes.filter((c) => c.renamedFrom).length;
  if (renamed) lines.push(`renamed repos: ${formatCount(renamed, 'URL')}`);
  if (data.files.length) {
    lines.push('by file:');
    // Padded by the columns the path takes once shown (controls escaped, wide characters two).
    const shownWidth = (path: string): number => displayWidth(escapeControls(path));
    const width = Math.min(60, Math.max(...data.files.map((f) => shownWidth(f.path))));
    for (const file of data.files) {
      const rules = Object.entries(file.byRule)
        .map(([rule, n]) => `${rule} ${n}`)
        .join(', ');
      const pad = ' '.repeat(Math.max(0, width - shownWidth(file.path)));
      lines.push(`  ${remoteText(file.path)}${pad}  ${String(file.changes).padStart(4)}  ${style.dim(rules)}`);
    }
  }
  if (gate.needsPerson) {
    const what = `${formatCount(gate.needsPerson, 'reference')} to ${org}`;
    const advice =
      data.mode === 'write'
        ? `${gate.needsPerson === 1 ? 'remains' : 'remain'}: fix by hand or acknowledge (listed on stderr)`
        : '(listed on stderr)';
    lines.push(style.warn(`${'needs a person'.padEnd(15)} ${what} ${advice}`));
  } else if (data.mode !== 'dry-run' || gate.rewrite || gate.acknowledged) {
    lines.push(`${'needs a person'.padEnd(15)} none`);
  }
  if (gate.acknowledged || data.mode === 'check') {
    const by = [
      gate.acknowledgedLines.marker ? `inline marker ${gate.acknowledgedLines.marker}` : '',
      gate.acknowledgedLines.ignoreFile ? `${IGNORE_FILE_NAME} ${gate.acknowledgedLines.ignoreFile}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    const lineCount = gate.acknowledgedLines.marker + gate.acknowledgedLines.ignoreFile;
    lines.push(
      `${'acknowledged'.padEnd(15)} ${gate.acknowledged ? `${formatCount(gate.acknowledged, 'reference')} on ${formatCount(lineCount, 'line')} (${by})` : 'none'}`,
    );
  }
  if (gate.notes)
    lines.push(style.dim(`${'notes'.padEnd(15)} ${gate.notes} (listed on stderr; they do not fail --check)`));
  if (data.skipped.length) {
    const counts = new Map<string, number>();
    for (const s of data.skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
    lines.push(`skipped: ${[...counts].map(([reason, n]) => `${n} ${reason}`).join(', ')}`);
    for (const s of data.skipped)
      lines.push(
        style.dim(`  ${remoteText(s.file)} (${s.reason}${s.bytes === undefined ? '' : `, ${formatBytes(s.bytes)}`})`),
      );
  }
  if (data.goFilesSkipped)
    lines.push(
      style.dim(`not looked at: ${formatCount(data.goFilesSkipped, 'Go file')} (module paths are out of scope)`),
    );
  if (data.rootsWithNothing.length)
    lines.push(
      style.warn(
        `not looked at: no file listed in ${data.rootsWithNothing.join(', ')} (empty, only ignored or Go files, or no file there passes --include/--exclude)`,
      ),
    );
  if (data.lfsPointers)
    lines.push(
      style.warn(
        `not looked at: ${formatCount(data.lfsPointers, 'Git LFS file')} (only their pointers are in the work tree; listed on stderr)`,
      ),
    );
  if (data.filesOnlyInIndex)
    lines.push(
      style.dim(
        `not in the work tree: ${formatCount(data.filesOnlyInIndex, 'file')} (skip-worktree: a sparse checkout): searched in the index, never written`,
      ),
    );
  if (data.submodulesSkipped.length)
    lines.push(
      style.dim(
        `not looked at: ${formatCount(data.submodulesSkipped.length, 'submodule')} (${remoteText(data.submodulesSkipped.join(', '))}): each is its own repository; rewrite it there`,
      ),
    );
  if (data.nestedReposSkipped.length)
    lines.push(
      style.dim(
        `not looked at: ${formatCount(data.nestedReposSkipped.length, 'repository', 'repositories')} inside (${data.nestedReposSkipped.join(', ')}), untracked here: each is its own repository; rewrite it there`,
      ),
    );
  if (data.remote) lines.push(...renderRepoChecks(data.remote, style));
  return lines.join('\n');
}

/**
 * One block per finding: `file:line: [rule] why` (`note [rule]` when it does not fail --check), then
 * the line. The file's name and its line are the repository's text: controls in them are shown
 * escaped (a line holding `ESC[2J` cleared the operator's screen).
 */
export function renderFindings(findings: RewriteReport['findings'], style: Styles): string[] {
  return findings.map(
    (f) =>
      `${style.bold(`${remoteText(f.file)}:${f.line}`)}: ${f.blocking ? style.warn(`[${f.rule}]`) : style.dim(`note [${f.rule}]`)} ${f.reason}\n    ${style.dim(remoteText(f.text))}`,
  );
}

/** One line per acknowledged line, for --verbose. */
export function renderAcknowledged(entries: RewriteReport['acknowledged']): string[] {
  return entries.map(
    (a) =>
      `${remoteText(a.file)}:${a.line}: acknowledged (${a.by === 'marker' ? 'inline marker' : remoteText(a.reason ?? IGNORE_FILE_NAME)}): ${remoteText(a.text)}`,
  );
}

export function renderRepoChecks(checks: readonly RepoCheck[], style: Styles): string[] {
  const bad = checks.filter((c) => c.state !== 'exists');
  const lines = [`Gitea repositories: ${checks.length - bad.length}/${checks.length} exist`];
  for (const c of bad)
    lines.push(`  ${style.fail(c.state.padEnd(7))} ${remoteText(c.repo)}${c.detail ? `  ${style.dim(c.detail)}` : ''}`);
  return lines;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
