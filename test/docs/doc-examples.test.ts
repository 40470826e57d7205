import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { simulateRawSqlDelete } from '../../src/sandbox/cp/simulate-tenant.js';
import { deployServicesEnv, sandboxDeployCommit } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { compareLines, findDocExamples, normaliseOutput, type DocExample } from '../helpers/doc-examples.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

/**
 * Issue 19, item 9: docs match output. Every example output in docs/ marked `<!-- checked: ... -->`
 * is produced again here from the sandbox and compared, volatile parts normalised
 * (test/helpers/doc-examples.ts). A doc whose example drifts from what molectl prints fails here.
 */

const DOCS = fileURLToPath(new URL('../../docs', import.meta.url));
const examples = findDocExamples(DOCS);

describe('example outputs in docs/ are what molectl prints against the sandbox', () => {
  it('the docs named in the issue have checked examples, and so do most command pages', () => {
    const files = new Set(examples.map((e) => e.where.replace(/:\d+$/, '')));
    expect(files).toContain('docs/commands/secrets.md');
    expect(files).toContain('docs/sandbox.md');
    expect(examples.length).toBeGreaterThanOrEqual(15);
    console.log(`${examples.length} checked examples in ${files.size} files: ${[...files].join(', ')}`);
  });

  it.each(examples.map((e) => [e.where, e] as const))(
    '%s',
    async (_where, example) => {
      const fx = await startSandboxFixture(example.spec.sandbox ?? {});
      const dir = mkdtempSync(join(tmpdir(), 'molectl-doc-example-'));
      try {
        await runExample(fx, example, dir);
      } finally {
        await fx.molectl(['sandbox', 'down']);
        await fx.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});

async function runExample(fx: SandboxFixture, example: DocExample, dir: string): Promise<void> {
  const { spec } = example;
  for (const step of spec.prepare ?? []) {
    const [kind, arg] = step.split(':');
    if (kind === 'rawSqlDelete') simulateRawSqlDelete(fx.sandbox.state, arg!);
    else throw new Error(`unknown prepare step ${step}`);
  }
  for (const [path, content] of Object.entries(spec.files ?? {})) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const env = { ...deployServicesEnv(), ...spec.env };
  const expand = (argv: string[]): string[] => argv.map((a) => expandPlaceholder(a, fx).replace(/\{dir\}/g, dir));
  for (const argv of spec.before ?? []) {
    const run = await fx.molectl(expand(argv), { env });
    expect([0, 5], `before: molectl ${argv.join(' ')}\n${run.stderr}`).toContain(run.code);
  }
  for (const [index, step] of example.steps.entries()) {
    const run = await fx.molectl(expand(step.argv), { env });
    const last = index === example.steps.length - 1;
    if (last) expect(run.code, `exit code of molectl ${step.argv.join(' ')}\n${run.stderr}`).toBe(spec.code ?? 0);
    const stream = spec.stream ?? 'stdout';
    const actual = stream === 'stdout' ? run.stdout : stream === 'stderr' ? run.stderr : `${run.stderr}${run.stdout}`;
    const difference = compareLines(normaliseOutput(step.expected), normaliseOutput(actual));
    if (difference && process.env.MOLECTL_DOCS_UPDATE === '1') updateDoc(example, step.argv, actual);
    expect(
      difference,
      `${example.where}: molectl ${step.argv.join(' ')} prints something else than the doc shows.\n${difference}\n--- actual output ---\n${actual}`,
    ).toBeNull();
  }
}

/**
 * MOLECTL_DOCS_UPDATE=1: writes what molectl printed into the doc's block, for a person to review
 * in the diff (like a snapshot update). Only single-command blocks; the `$ molectl` line is kept.
 */
function updateDoc(example: DocExample, argv: string[], actual: string): void {
  if (example.steps.length !== 1) return;
  const first = example.block.split('\n')[0]!;
  const command = first.startsWith('$ molectl ') ? `${first}\n` : '';
  const text = readFileSync(example.file, 'utf8');
  // The whole marked block (marker included) is unique in its file: the body is replaced there only.
  const updated = example.raw.replace(
    /(```[a-z]*\n)[\s\S]*```$/,
    (_m, open: string) => `${open}${command}${actual.replace(/\n*$/, '\n')}\`\`\``,
  );
  writeFileSync(
    example.file,
    text.replace(example.raw, () => updated),
  );
  void argv;
}

function expandPlaceholder(word: string, fx: SandboxFixture): string {
  return word
    .replace(/\{deployCommit\}/g, () => sandboxDeployCommit(fx.sandbox.state))
    .replace(/\{stateDir\}/g, fx.stateDir)
    .replace(/\{run:([a-z -]+)\}/g, (_m, command: string) => lastRun(fx.stateDir, command));
}

function lastRun(stateDir: string, command: string): string {
  const prefix = command.replace(/ /g, '-');
  const ids = readdirSync(join(stateDir, 'runs'))
    .filter((f) => f.endsWith('.json') && new RegExp(`^\\d{8}T\\d{6}Z-${prefix}-[0-9a-f]{4}\\.json$`).test(f))
    .sort();
  if (ids.length === 0) throw new Error(`no ${command} run to name`);
  return ids.at(-1)!.replace(/\.json$/, '');
}
