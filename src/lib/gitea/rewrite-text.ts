import { hasKeepMarker, type FileKeep } from './acknowledgements.js';
import { detectBareNpmShorthand, detectLineFindings } from './detect-line-findings.js';
import { markGoBlocks } from './go-context.js';
import { compileOrgReferences } from './org-references.js';
import { rewriteGithubUrlsInLine, type LineContext, type LineSink } from './rewrite-github-urls.js';
import type { RewriteRules } from './rewrite-rules.js';
import { rewriteTokenGuards } from './rewrite-token-guards.js';
import { clipLine, type AcknowledgedLine, type TextRewriteResult } from './text-rewrite-result.js';

/**
 * Lines worth a closer look, found with one global search over the whole text: every other line
 * is never split out, let alone run through the rules (a repository's candidate files are mostly
 * lines that mention nothing).
 */
const triggerCache = new Map<string, RegExp>();

function buildTrigger(rules: RewriteRules): RegExp {
  const cached = triggerCache.get(rules.githubOwner);
  if (cached) return cached;
  const owner = rules.githubOwner.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const trigger = new RegExp(String.raw`github|ghcr\.io|\bgh\s|/gh/|uses:\s*["']?${owner}/|"${owner}/|\bbrew\s`, 'gi');
  triggerCache.set(rules.githubOwner, trigger);
  return trigger;
}

/** Go's module and workspace files, by name. With `*.go`, what isGoFile says is Go. */
export const GO_MODULE_FILE_NAMES: readonly string[] = ['go.mod', 'go.sum', 'go.work', 'go.work.sum'];

/**
 * Go sources and module files are out of scope: their github.com paths are module paths. Asked of
 * every path of a listed tree by a later run (20,000 on the bench): the name is never cut out.
 */
export function isGoFile(fileName: string): boolean {
  if (!GO_LAST_LETTERS.includes(fileName.charAt(fileName.length - 1))) return false;
  if (fileName.endsWith('.go')) return true;
  for (const name of GO_MODULE_FILE_NAMES) if (isBaseName(fileName, name)) return true;
  return false;
}

/** The last letter of every Go name: most paths are ruled out by theirs alone. */
const GO_LAST_LETTERS = ['.go', ...GO_MODULE_FILE_NAMES].map((name) => name.charAt(name.length - 1)).join('');

/** `path` is `name` or ends with `/name`. */
function isBaseName(path: string, name: string): boolean {
  return path.endsWith(name) && (path.length === name.length || path[path.length - name.length - 1] === '/');
}

export interface RewriteTextOptions {
  /** What the repository's ignore file keeps in this file (the whole file or some lines). */
  keep?: FileKeep | undefined;
}

/**
 * Rewrites GitHub URLs of the moved owner to Gitea in one file's text. Pure and line-aware:
 * only bytes inside rewritten URLs change, so line endings (LF, CRLF, none at the end), a BOM
 * and any other encoding's bytes (callers may pass latin1-decoded text) survive untouched.
 * Idempotent: a rewritten URL matches no rule. Acknowledged lines (`molectl-gitea: keep`, or the
 * ignore file) are left as they are and listed. Every line that still names the organisation
 * after the rules ran carries a blocking finding: the gate rests on that observation, not on the
 * rules having had an opinion.
 */
export function rewriteText(
  text: string,
  rules: RewriteRules,
  fileName: string,
  options: RewriteTextOptions = {},
): TextRewriteResult {
  const unchanged: TextRewriteResult = { text, changes: [], findings: [], acknowledged: [] };
  if (isGoFile(fileName) && !rules.rewriteGoFiles) return unchanged;
  const trigger = buildTrigger(rules);
  trigger.lastIndex = 0;
  let match = trigger.exec(text);
  if (!match) return unchanged;

  const sink: LineSink = { changes: [], findings: [], tokenSwapped: false };
  const packageJson = isBaseName(fileName, 'package.json');
  const hclFile = /\.(?:tf|tofu|hcl)$/.test(fileName);
  const kustomizeFile = /(?:^|\/)(?:kustomization\.ya?ml|Kustomization)$/.test(fileName);
  const acknowledged: AcknowledgedLine[] = [];
  const kept = new Set<number>();
  const references = compileOrgReferences(rules.githubOwner);
  let goBlocks: Uint8Array | undefined;
  // The result is assembled from the untouched stretches between rewritten lines.
  const pieces: string[] = [];
  let copiedUpTo = 0;
  let lineNo = 1;
  let countedUpTo = 0;
  while (match) {
    const start = text.lastIndexOf('\n', match.index - 1) + 1;
    const newline = text.indexOf('\n', match.index);
    const end = newline === -1 ? text.length : newline;
    lineNo += countNewlines(text, countedUpTo, start);
    countedUpTo = start;
    const rewritten = processLine(text.slice(start, end), lineNo);
    if (rewritten !== undefined) {
      pieces.push(text.slice(copiedUpTo, start), rewritten);
      copiedUpTo = end;
    }
    if (newline === -1) break;
    trigger.lastIndex = newline + 1;
    match = trigger.exec(text);
  }
  let result = pieces.length ? pieces.join('') + text.slice(copiedUpTo) : text;
  if (sink.tokenSwapped) {
    const lines = result.split('\n');
    const before = sink.changes.length;
    rewriteTokenGuards(lines, rules, sink.changes, sink.findings, kept);
    if (sink.changes.length > before) result = lines.join('\n');
  }
  sink.changes.sort((a, b) => a.line - b.line);
  const firstChange = sink.changes[0];
  if (firstChange && /(?:^|\/)\.gitmodules$/.test(fileName)) {
    // .gitmodules only seeds clones' configs: existing checkouts keep the old URL until synced.
    sink.findings.push({
      line: firstChange.line,
      rule: 'gitmodules-sync',
      text: clipLine(result.split('\n')[firstChange.line - 1] ?? ''),
      match: '.gitmodules',
      reason:
        'submodule URLs changed: existing clones must run `git submodule sync --recursive` (or `molectl gitea remotes` in each submodule)',
      blocking: false,
    });
  }
  sink.findings.sort((a, b) => a.line - b.line);
  return { text: result, changes: sink.changes, findings: sink.findings, acknowledged };

  /** Runs the rules on one line; returns the new line when it changed. */
  function processLine(line: string, lineNo: number): string | undefined {
    const context: LineContext = {
      inGoBlock: () => (goBlocks ??= markGoBlocks(text.split('\n')))[lineNo - 1] === 1,
      hclFile,
      kustomizeFile,
    };
    const keep = keepReason(line, lineNo, options.keep);
    if (keep) {
      kept.add(lineNo - 1);
      const entry = acknowledge(line, lineNo, context, keep);
      if (entry) acknowledged.push(entry);
      return undefined;
    }
    const findingsBefore = sink.findings.length;
    const rewritten = applyLineRules(line, lineNo, context, sink);
    let blocked = false;
    for (let i = findingsBefore; i < sink.findings.length; i += 1) blocked ||= sink.findings[i]!.blocking;
    const left = blocked ? undefined : references.find(rewritten)[0];
    if (left) {
      sink.findings.push({
        line: lineNo,
        rule: 'stale-reference',
        text: clipLine(rewritten),
        match: left,
        reason:
          'still names the moved organisation on GitHub, in a form molectl has no rule for: fix it by hand, or acknowledge it',
        blocking: true,
      });
    }
    return rewritten === line ? undefined : rewritten;
  }

  /** Every line rule in order: the rewrites, then the findings on what they left; the line as rewritten. */
  function applyLineRules(line: string, lineNo: number, context: LineContext, sink: LineSink): string {
    const rewritten = detectLineFindings(
      rewriteGithubUrlsInLine(line, lineNo, rules, sink, context),
      lineNo,
      rules,
      sink,
    );
    if (packageJson) detectBareNpmShorthand(rewritten, lineNo, rules, sink);
    return rewritten;
  }

  /** What the rules would have done on a kept line: it is acknowledged only if it names something. */
  function acknowledge(line: string, lineNo: number, context: LineContext, keep: Keep): AcknowledgedLine | undefined {
    const scratch: LineSink = { changes: [], findings: [], tokenSwapped: false };
    applyLineRules(line, lineNo, context, scratch);
    const count = Math.max(
      references.find(line).length,
      scratch.changes.length + scratch.findings.filter((f) => f.blocking).length,
    );
    if (count === 0) return undefined;
    const entry: AcknowledgedLine = { line: lineNo, text: clipLine(line), references: count, by: keep.by };
    if (keep.reason) entry.reason = keep.reason;
    return entry;
  }
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = text.indexOf('\n', from); at !== -1 && at < to; at = text.indexOf('\n', at + 1)) count += 1;
  return count;
}

interface Keep {
  by: AcknowledgedLine['by'];
  reason?: string;
}

function keepReason(line: string, lineNo: number, keep: FileKeep | undefined): Keep | undefined {
  if (hasKeepMarker(line)) return { by: 'marker' };
  const reason = keep?.whole ?? keep?.lines?.get(lineNo);
  return reason === undefined ? undefined : { by: 'ignore-file', reason };
}
