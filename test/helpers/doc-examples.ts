import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Example outputs in docs/ that a test checks against the sandbox (issue 19, item 9). A checked
 * example is a fenced block preceded by a marker comment:
 *
 *     <!-- checked: {"sandbox": {"tenants": 4}, "argv": ["secrets", "list"]} -->
 *     ```
 *     NAME  ...
 *     ```
 *
 * The marker holds a JSON ExampleSpec. Without `argv`, the block's own `$ molectl ...` lines are
 * the commands (each followed by its expected output), as a reader would type them. Volatile parts
 * (times, run ids, uuids, ports, durations, fingerprints, instance ids, temp paths) are replaced by
 * placeholders on both sides, runs of spaces are one (column widths follow the values), and a line
 * `...` in the doc stands for any number of lines.
 */

export interface ExampleSpec {
  /** Options for the sandbox the example runs against (startSandbox's). */
  sandbox?: { tenants?: number; preCutover?: number; workspacesPerTenant?: number; faults?: string; seed?: number };
  /** molectl runs made first (their output is not compared). Placeholders as in argv. */
  before?: string[][];
  /** The command, when the block does not show it. `{run:<command>}` is the id of the last run of it; `{deployCommit}` the sandbox's deployed commit; `{stateDir}` the state directory. */
  argv?: string[];
  /** What the block shows: stdout (default), stderr, or stderr then stdout as a terminal shows them. */
  stream?: 'stdout' | 'stderr' | 'both';
  /** The exit code the example ends with (default 0). */
  code?: number;
  /** Extra environment for every run of the example. */
  env?: Record<string, string>;
  /** Sandbox-side preparation: `rawSqlDelete:<slug>` removes an org's CP row and leaves its instances. */
  prepare?: string[];
  /** Files written under a fresh directory first (path relative to it: content); `{dir}` in argv names it. */
  files?: Record<string, string>;
}

export interface DocExample {
  /** docs/...md:line, for the test's name. */
  where: string;
  spec: ExampleSpec;
  /** The commands and their expected outputs, in order. */
  steps: Array<{ argv: string[]; expected: string }>;
  /** The markdown file, the fenced block's text and the whole marked block, for MOLECTL_DOCS_UPDATE=1. */
  file: string;
  block: string;
  raw: string;
}

const MARKER = /<!-- checked: (\{.*?\}) -->\s*\n```[a-z]*\n([\s\S]*?)```/g;

export function findDocExamples(docsDir: string): DocExample[] {
  const examples: DocExample[] = [];
  for (const file of listMarkdown(docsDir)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(MARKER)) {
      const spec = JSON.parse(match[1]!) as ExampleSpec;
      const line = text.slice(0, match.index).split('\n').length;
      const where = `${relative(join(docsDir, '..'), file)}:${line}`;
      const block = match[2]!;
      // With argv given, a leading `$ molectl ...` line is only for the reader.
      const shown = spec.argv ? block.replace(/^\$ molectl [^\n]*\n/, '') : block;
      examples.push({
        where,
        spec,
        steps: spec.argv ? [{ argv: spec.argv, expected: shown }] : splitSteps(block),
        file,
        block,
        raw: match[0],
      });
    }
  }
  return examples;
}

/** `$ molectl ...` lines and the output under each. */
function splitSteps(block: string): Array<{ argv: string[]; expected: string }> {
  const steps: Array<{ argv: string[]; expected: string[] }> = [];
  for (const line of block.split('\n')) {
    const command = /^\$ molectl (.*)$/.exec(line);
    if (command) steps.push({ argv: splitWords(command[1]!.replace(/\s+#.*$/, '')), expected: [] });
    else steps.at(-1)?.expected.push(line);
  }
  if (steps.length === 0) throw new Error(`a checked block needs "argv" or "$ molectl ..." lines:\n${block}`);
  return steps.map((s) => ({ argv: s.argv, expected: s.expected.join('\n') }));
}

/** Shell words: spaces separate, single and double quotes group (no expansion). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let current: string | null = null;
  let quote: string | null = null;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current ??= '';
    } else if (/\s/.test(ch)) {
      if (current !== null) words.push(current);
      current = null;
    } else current = (current ?? '') + ch;
  }
  if (current !== null) words.push(current);
  return words;
}

/** The comparable form of an output: volatile values as placeholders, one space between words. */
export function normaliseOutput(text: string): string[] {
  const replaced = text

    .replace(/\u001b\[[0-9;]*m/g, '')
    .replace(/\b\d{8}T\d{6}Z(?:-[a-z0-9-]+?-[0-9a-f]{4})?\b/g, '<run>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, '<time>')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?Z/g, '<time>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uuid>')
    .replace(/sha256:[0-9a-f]{64}/g, '<sha256>')
    .replace(/sha256:[0-9a-f]{12}…?/g, '<fp>')
    .replace(/\blen=\d+/g, 'len=<n>')
    .replace(/https?:\/\/127\.0\.0\.1:\d+/g, '<url>')
    .replace(/\b127\.0\.0\.1:\d+/g, '<host>')
    .replace(/\bi-[0-9a-f]{8,17}\b/g, '<instance>')
    .replace(/\bpid \d+/g, 'pid <n>')
    .replace(/(?:\/tmp|\/home\/[a-z]+|\/root)\/[^\s'"`)]+/g, '<path>')
    .replace(/\b\d+(?:\.\d+)? ?(?:ms|s|m|h|d)(?: \d+ ?(?:ms|s|m|h))?\b/g, '<dur>')
    .replace(/\(\d+ tries\)/g, '(<n> tries)')
    .replace(/#{2,}/g, '<bar>');
  const lines = replaced.split('\n').map((l) => l.replace(/\s+/g, ' ').trimEnd());
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  while (lines.length > 0 && lines[0] === '') lines.shift();
  return lines;
}

/**
 * Whether the actual lines match the documented ones: equal line by line, where a documented
 * `...` line stands for any number of actual lines. Returns null, or the first difference.
 */
export function compareLines(documented: string[], actual: string[]): string | null {
  const match = (d: number, a: number): boolean => {
    if (d === documented.length) return a === actual.length;
    if (documented[d]!.trim() === '...') {
      for (let skip = a; skip <= actual.length; skip++) if (match(d + 1, skip)) return true;
      return false;
    }
    return a < actual.length && documented[d] === actual[a] && match(d + 1, a + 1);
  };
  if (match(0, 0)) return null;
  // Where it first differs, for the failure message (ignoring wildcards).
  for (let i = 0; i < Math.max(documented.length, actual.length); i++)
    if (documented[i] !== actual[i])
      return `line ${i + 1}:\n  documented: ${documented[i]}\n  actual:     ${actual[i]}`;
  return 'differs';
}

function listMarkdown(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listMarkdown(path));
    else if (name.endsWith('.md')) out.push(path);
  }
  return out;
}
