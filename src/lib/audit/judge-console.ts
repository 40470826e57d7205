import { findCutBase64Run } from '../console/cut-base64-start.js';
import { splitConsoleLines } from '../console/split-console-lines.js';
import { stripAnsi, type Redactor } from '../output/redactor.js';
import { fail, pass, unknown, type Judgement } from './audit-verdict.js';
import { formatCount } from '../output/format-count.js';

/**
 * console-leaks-secret: where in the console window a registered secret or a token shape appears.
 * Deterministic given the redactor. The console is redacted whole first (a PEM block or a wrapped
 * base64 blob is only recognised whole); only when that finds something are lines redacted one by
 * one to say where. Findings carry line numbers and the redacted line, never a value.
 */

export interface ConsoleLeak {
  /** 1-based line number within the console window EC2 returned. */
  line: number;
  kinds: string[];
  /** The line as redacted, control characters removed, cut around the first redaction. */
  excerpt: string;
}

const EXCERPT_CHARS = 160;
/** A key block whose END fell outside the window is still a leak. */
const PRIVATE_KEY_BEGIN = /-----BEGIN [A-Z0-9 ]*(?:PRIVATE KEY|ENCRYPTED)[A-Z0-9 ]*-----/;
/** Findings listed per instance; the count says how many more there were. */
const MAX_LEAKS_SHOWN = 5;

export function findConsoleLeaks(text: string, truncated: boolean, redactor: Redactor): ConsoleLeak[] {
  // A base64 block the window starts inside decodes to a value without its name (cut-base64-start.ts).
  const cut = truncated && redactor.shapeRulesEnabled ? findCutBase64Run(text, true) : null;
  const wholeCount = text === '' ? 0 : redactor.redactDetailed(text).count;
  if (text === '' || (wholeCount === 0 && !PRIVATE_KEY_BEGIN.test(text) && !cut)) return [];
  const { lines, droppedPartialFirstLine } = splitConsoleLines(text, { startsMidLine: truncated });
  const offset = droppedPartialFirstLine ? 2 : 1;
  const leaks: ConsoleLeak[] = [];
  const cutLines = cut ? text.slice(cut.start, cut.end).split('\n').length - (text[cut.end - 1] === '\n' ? 1 : 0) : 0;
  if (cut)
    leaks.push({
      line: offset,
      kinds: ['base64'],
      excerpt: "[REDACTED:base64] (a base64 block cut at the window's start: it decodes to text)",
    });
  lines.forEach((line, i) => {
    if (i < cutLines) return;
    // A private key spans lines: its BEGIN line alone matches no rule, so it is named here.
    if (PRIVATE_KEY_BEGIN.test(line)) {
      leaks.push({ line: i + offset, kinds: ['pem'], excerpt: '[REDACTED:pem] (a private key block starts here)' });
      return;
    }
    const result = redactor.redactDetailed(line);
    if (result.count > 0)
      leaks.push({ line: i + offset, kinds: Object.keys(result.byKind).sort(), excerpt: excerptAround(result.text) });
  });
  // A secret only the whole text shows (`ADMIN_TOKEN:` with its value on the next line, a quoted
  // value broken by a line end): no line alone matches, yet the console carries it. The first line
  // the whole-text redaction changed says where; without this the verdict was "pass".
  if (leaks.length === 0 && wholeCount > 0) leaks.push(locateSpanningLeak(text, truncated, redactor, offset));
  return leaks;
}

function locateSpanningLeak(text: string, truncated: boolean, redactor: Redactor, offset: number): ConsoleLeak {
  const before = splitConsoleLines(text, { startsMidLine: truncated }).lines;
  const after = splitConsoleLines(redactor.redact(text), { startsMidLine: truncated }).lines;
  const i = Math.max(
    0,
    before.findIndex((line, n) => line !== after[n]),
  );
  // Not quoted: what the rules matched across lines may not be all of the secret (the next line's
  // prefix can be taken for the value), and the rest of that line would be shown in clear.
  return { line: i + offset, kinds: ['spans-lines'], excerpt: '(a secret that spans lines; not quoted)' };
}

function excerptAround(redacted: string): string {
  const clean = stripAnsi(redacted)
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/\t/g, ' ');
  if (clean.length <= EXCERPT_CHARS) return clean;
  const at = Math.max(0, clean.indexOf('[REDACTED:') - 60);
  const cut = clean.slice(at, at + EXCERPT_CHARS);
  return `${at > 0 ? '…' : ''}${cut}${at + EXCERPT_CHARS < clean.length ? '…' : ''}`;
}

export function judgeConsole(input: {
  console: { text: string; truncated: boolean } | { unavailable: string };
  redactor: Redactor;
}): Judgement {
  if (!('text' in input.console)) return unknown(input.console.unavailable);
  const { text, truncated } = input.console;
  if (text === '') return pass('the console has no output yet');
  const leaks = findConsoleLeaks(text, truncated, input.redactor);
  const lineCount = text.split('\n').length;
  if (leaks.length === 0) return pass(`${lineCount} console lines read: no registered secret, no token shape`);
  const kinds = [...new Set(leaks.flatMap((l) => l.kinds))].sort();
  const shown = leaks.slice(0, MAX_LEAKS_SHOWN).map((l) => `line ${l.line}: ${l.excerpt}`);
  const more =
    leaks.length > MAX_LEAKS_SHOWN ? [`and ${formatCount(leaks.length - MAX_LEAKS_SHOWN, 'more line')}`] : [];
  return fail(
    `${formatCount(leaks.length, 'console line')} ${leaks.length === 1 ? 'carries' : 'carry'} a secret (${kinds.join(', ')}); anyone with ec2:GetConsoleOutput can read them`,
    [...shown, ...more].join(' | '),
    consoleFix(leaks),
  );
}

/** The CP shared secret has a molectl rotation; other credentials are rotated where they live. */
function consoleFix(leaks: ConsoleLeak[]): string {
  const sharedSecret = leaks.some(
    (l) => /MOLECULE_CP_SHARED_SECRET|PROVISION_SHARED_SECRET/.test(l.excerpt) || l.kinds.includes('secret'),
  );
  const rotate = sharedSecret
    ? 'molectl secrets rotate cp-shared-secret'
    : 'rotate the credential named on each line where it is issued (the tenant admin token, the workspace token)';
  return `${rotate}; then take set -x out of the boot script: the console keeps the trace until the instance is replaced`;
}
