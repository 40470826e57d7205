import { detectLineFindings } from './detect-line-findings.js';
import { rewriteGithubUrlsInLine, type LineSink } from './rewrite-github-urls.js';
import type { RewriteRules } from './rewrite-rules.js';
import { rewriteTokenGuards } from './rewrite-token-guards.js';
import { clipLine, type TextRewriteResult } from './text-rewrite-result.js';

/** Lines worth a closer look; everything else is returned untouched without running the rules. */
const triggerCache = new Map<string, RegExp>();

function buildTrigger(rules: RewriteRules): RegExp {
  const cached = triggerCache.get(rules.githubOwner);
  if (cached) return cached;
  const owner = rules.githubOwner.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const trigger = new RegExp(String.raw`github|ghcr\.io|\bgh\s|uses:\s*["']?${owner}/`, 'i');
  triggerCache.set(rules.githubOwner, trigger);
  return trigger;
}

/** Go sources and module files are out of scope: their github.com paths are module paths. */
export function isGoFile(fileName: string): boolean {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  return base.endsWith('.go') || base === 'go.mod' || base === 'go.sum' || base === 'go.work' || base === 'go.work.sum';
}

/**
 * Rewrites GitHub URLs of the moved owner to Gitea in one file's text. Pure and line-aware:
 * only bytes inside rewritten URLs change, so line endings (LF, CRLF, none at the end), a BOM
 * and any other encoding's bytes (callers may pass latin1-decoded text) survive untouched.
 * Idempotent: a rewritten URL matches no rule.
 */
export function rewriteText(text: string, rules: RewriteRules, fileName: string): TextRewriteResult {
  const trigger = buildTrigger(rules);
  if ((isGoFile(fileName) && !rules.rewriteGoFiles) || !trigger.test(text)) return { text, changes: [], findings: [] };
  const lines = text.split('\n');
  const sink: LineSink = { changes: [], findings: [], tokenSwapped: false };
  let touched = false;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (!trigger.test(line)) continue;
    const rewritten = detectLineFindings(rewriteGithubUrlsInLine(line, index + 1, rules, sink), index + 1, rules, sink);
    if (rewritten !== line) {
      lines[index] = rewritten;
      touched = true;
    }
  }
  if (sink.tokenSwapped) {
    const before = sink.changes.length;
    rewriteTokenGuards(lines, rules, sink.changes, sink.findings);
    touched ||= sink.changes.length > before;
  }
  sink.changes.sort((a, b) => a.line - b.line);
  const firstChange = sink.changes[0];
  if (firstChange && /(?:^|\/)\.gitmodules$/.test(fileName)) {
    // .gitmodules only seeds clones' configs: existing checkouts keep the old URL until synced.
    sink.findings.push({
      line: firstChange.line,
      rule: 'gitmodules-sync',
      text: clipLine(lines[firstChange.line - 1] ?? ''),
      match: '.gitmodules',
      reason: 'submodule URLs changed: existing clones must run `git submodule sync --recursive` (or `molectl gitea remotes` in each submodule)',
    });
  }
  sink.findings.sort((a, b) => a.line - b.line);
  return { text: touched ? lines.join('\n') : text, changes: sink.changes, findings: sink.findings };
}
