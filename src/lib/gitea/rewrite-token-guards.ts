import type { RewriteRules } from './rewrite-rules.js';
import { clipLine, type TextChange, type TextFinding } from './text-rewrite-result.js';

/**
 * Second pass over a file whose clone URLs switched from `${GITHUB_TOKEN}` to `${GITEA_TOKEN}`:
 * a guard testing the old variable would now fail (or pass) for the wrong reason, so it switches
 * too. Only guards: `secrets.GITHUB_TOKEN` and other uses of the variable stay, and when the file
 * uses the variable for anything else the guard may serve that too, so it is reported instead.
 * Acknowledged lines (`kept`, 0-based) are never switched. Pure; mutates `lines` in place (the caller's copy).
 */
export function rewriteTokenGuards(
  lines: string[],
  rules: RewriteRules,
  changes: TextChange[],
  findings: TextFinding[],
  kept: ReadonlySet<number> = new Set(),
): void {
  const { from, to } = rules.tokenVariable;
  const reference = new RegExp(String.raw`\$\{?${from}(?![A-Za-z0-9_])`);
  const bareName = new RegExp(String.raw`(?<![A-Za-z0-9_.])${from}(?![A-Za-z0-9_])`, 'g');
  const assignment = new RegExp(String.raw`(?:^|[\s;])(?:export\s+)?${from}\s*(?::\s|=)`);
  const guardIndexes: number[] = [];
  let otherUse = false;

  lines.forEach((line, index) => {
    if (reference.test(line)) {
      if (isGuard(line, from)) guardIndexes.push(index);
      else if (!assignment.test(line)) otherUse = true;
    }
    if (assignment.test(line)) {
      findings.push({
        line: index + 1,
        rule: 'token-assignment',
        text: clipLine(line),
        match: from,
        reason: `this sets ${from}, but the rewritten clone URL reads ${to}, so provide ${to} here too (on Gitea Actions secrets.GITHUB_TOKEN still exists)`,
        blocking: false,
      });
    }
  });

  for (const index of guardIndexes) {
    const line = lines[index] ?? '';
    if (otherUse) {
      findings.push({
        line: index + 1,
        rule: 'token-guard-shared',
        text: clipLine(line),
        match: from,
        reason: `this guard tests ${from}, which the file also uses for something else than the clone (now ${to}); decide which variable it should test`,
        blocking: false,
      });
      continue;
    }
    swapLine(index, 'token-guard');
    // `if [ -z "$GITHUB_TOKEN" ]; then echo "GITHUB_TOKEN is required"; exit 1; fi` over several lines.
    if (/\bthen\b/.test(line) && !/\bfi\b/.test(line)) {
      for (let next = index + 1; next < Math.min(lines.length, index + 6); next += 1) {
        const body = lines[next] ?? '';
        if (/^\s*fi\b/.test(body)) break;
        if (/\b(?:echo|printf)\b|>&2/.test(body)) swapLine(next, 'token-guard');
      }
    }
  }

  function swapLine(index: number, rule: string): void {
    if (kept.has(index)) return;
    const before = lines[index] ?? '';
    const after = before.replace(bareName, to);
    if (after === before) return;
    lines[index] = after;
    changes.push({ line: index + 1, rule, before: before.trim(), after: after.trim() });
  }
}

/** `[ -z "$X" ]`, `[[ -n ${X:-} ]]`, `test -n "$X"`, `: "${X:?message}"`, `if [ ! "$X" ]`. */
function isGuard(line: string, name: string): boolean {
  if (new RegExp(String.raw`\$\{${name}:?\?`).test(line)) return true;
  return /(?:^|[\s;&|!(])(?:\[\[?|test)\s/.test(line) && /(?:^|\s)(?:-[zn]|!=|==?)(?:\s|$)|\[\s+"?\$/.test(line);
}
