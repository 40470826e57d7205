import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/index.js';
import { simulateRawSqlDelete } from '../../src/sandbox/cp/simulate-tenant.js';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import type { CliRun } from '../helpers/run-cli.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

/**
 * Issue 19, items 1 and 2: stdout is results only, and `-q` means results only. Walks the
 * registry, every command with a sample invocation that does its real work against the sandbox
 * (mutating ones included, confirmed on the command line), twice: with `-q` (text) and with
 * `-o json`. A command added tomorrow fails here until it has a sample and keeps the contract.
 *
 * -q:      stdout holds no hint, progress or notice; stderr holds nothing but warnings (and, for a
 *          run that fails, errors with their hints).
 * -o json: stdout is exactly one JSON document with schemaVersion, nothing before or after it.
 */

/** What a hint, a piece of progress or a notice looks like when it lands on stdout. */
const NOT_A_RESULT: Array<[string, RegExp]> = [
  ['a hint line', /^\s*hint\b/im],
  ['a "What to do" list', /what to do/i],
  ['a suggestion to run a command', /\b(?:run|see|check|try|use|start|stop)\b[^\n]{0,60}`molectl /i],
  ['"check it with"', /check it with/i],
  ['a suggestion to add a flag', /\b(?:add|pass|drop|use) `?--[a-z][a-z-]+/i],
  ['a count of what the table shows', /^\s*\d+ of \d+ orgs\s*$/m],
  ['a progress line', /^\S.*\.\.\.$/m],
  ['a dry-run notice', /\bdry run\b/i],
];

interface Sample {
  /** The command line, built when the walk reaches it (ids of runs made earlier in the walk). */
  argv: (walk: Walk) => string[];
  /** The exit code this sample ends with in the sandbox (default 0). */
  code?: number;
}

interface Walk {
  fx: SandboxFixture;
  tag: string;
  dir: string;
  lastRun(command: string): string;
}

const SANDBOX = ['--env', 'sandbox', '-y'];
const FAST = ['--soak', '0', '--health-timeout', '5s'];

/**
 * Run in this order: runs show and status use runs made before them, and the migration comes
 * before the rotation (which would leave it nothing to do).
 */
const SAMPLES: Record<string, Sample> = {
  doctor: { argv: () => ['doctor'] },
  verify: { argv: () => ['verify', '--only', 'cp-health,cp-admin-gated'] },
  'config show': { argv: () => ['config', 'show'] },
  'runs list': { argv: () => ['runs', 'list'] },
  'runs show': { argv: (w) => ['runs', 'show', w.lastRun('org create')] },
  'org create': { argv: (w) => ['org', 'create', `q-${w.tag}-new`, '--no-wait'] },
  'org list': { argv: () => ['org', 'list'] },
  'org show': { argv: () => ['org', 'show', 'acme'] },
  'org delete': { argv: (w) => [...SANDBOX, 'org', 'delete', `q-${w.tag}-old`, '--confirm', `q-${w.tag}-old`] },
  'org gc': { argv: () => [...SANDBOX, 'org', 'gc', '--prefix', 'zz-', '--older-than', '1m'] },
  'fleet orphans': { argv: () => ['fleet', 'orphans'] },
  // The sandbox's pre-cutover tenants are findings at "high": exit 1 is the audit's verdict.
  'fleet audit': { argv: () => ['fleet', 'audit', '--checks', 'orphan-instance,cp-secret-missing'], code: 1 },
  console: { argv: () => ['console', 'acme'] },
  logs: { argv: () => ['logs', 'acme', '--tail', '5'] },
  'migrate cp-secret plan': { argv: () => ['migrate', 'cp-secret', 'plan'] },
  'migrate cp-secret apply': { argv: () => [...SANDBOX, 'migrate', 'cp-secret', 'apply', ...FAST] },
  'migrate cp-secret status': {
    argv: (w) => ['migrate', 'cp-secret', 'status', w.lastRun('migrate cp-secret apply')],
  },
  'migrate cp-secret resume': {
    argv: (w) => [...SANDBOX, 'migrate', 'cp-secret', 'resume', w.lastRun('migrate cp-secret apply')],
  },
  'migrate cp-secret rollback': {
    argv: (w) => [...SANDBOX, 'migrate', 'cp-secret', 'rollback', w.lastRun('migrate cp-secret apply')],
  },
  'secrets list': { argv: () => ['secrets', 'list'] },
  // --no-probe leaves the tenants consumer unknown: exit 5 is the status's verdict.
  'secrets status': { argv: () => ['secrets', 'status', 'cp-shared-secret', '--no-probe'] },
  'secrets put': {
    argv: (w) => [...SANDBOX, 'secrets', 'put', 'cp-admin-api-token', '--value-file', join(w.dir, 'value.txt')],
  },
  'secrets rotate': { argv: () => [...SANDBOX, 'secrets', 'rotate', 'cp-shared-secret', ...FAST] },
  'secrets rollback': { argv: () => [...SANDBOX, 'secrets', 'rollback', 'cp-shared-secret', ...FAST] },
  'gitea rewrite': { argv: (w) => ['gitea', 'rewrite', join(w.dir, 'repo')] },
  'gitea remotes': { argv: (w) => ['gitea', 'remotes', join(w.dir, 'clone')] },
  'migrate cp-secret script': { argv: () => ['migrate', 'cp-secret', 'script'] },
  'sandbox up': { argv: () => ['sandbox', 'up', '--detach', '--port', '0', '--tenants', '1'] },
  'sandbox status': { argv: () => ['sandbox', 'status'] },
  'sandbox down': { argv: () => ['sandbox', 'down'] },
};

describe.each([
  ['-q', ['-q']],
  ['-o json', ['-o', 'json']],
] as const)('every command with %s prints only its result on stdout', (mode, flags) => {
  let fx: SandboxFixture;
  let dir: string;
  const tag = mode === '-q' ? 'q' : 'j';
  const walk = (): Walk => ({
    fx,
    tag,
    dir,
    lastRun(command) {
      const listing = runsOf(fx.stateDir).filter((r) => r.command === command);
      if (listing.length === 0) throw new Error(`the walk made no ${command} run before this sample`);
      return listing.at(-1)!.id;
    },
  });

  beforeAll(async () => {
    fx = await startSandboxFixture({ tenants: 3, preCutover: 2 });
    dir = mkdtempSync(join(tmpdir(), `molectl-results-only-${tag}-`));
    writeFileSync(join(dir, 'value.txt'), 'a-new-admin-token-value-0123456789');
    mkdirSync(join(dir, 'repo'));
    writeFileSync(join(dir, 'repo', 'README.md'), 'see https://github.com/Molecule-AI/molecule-monorepo\n');
    mkdirSync(join(dir, 'clone'));
    execFileSync('git', ['init', '-q'], { cwd: join(dir, 'clone') });
    execFileSync('git', ['remote', 'add', 'origin', 'https://github.com/Molecule-AI/sdk'], { cwd: join(dir, 'clone') });
    // The org this mode's `org delete` deletes.
    const made = await fx.molectl(['org', 'create', `q-${tag}-old`]);
    expect(made.code, made.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await fx.molectl(['sandbox', 'down']);
    await fx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has a sample for every command in the registry', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(commands.map((c) => c.name).sort());
  });

  it.each(Object.keys(SAMPLES))(
    '%s',
    async (name) => {
      const sample = SAMPLES[name];
      expect(sample, `no sample invocation for ${name}`).toBeDefined();
      const run = await fx.molectl([...flags, ...sample!.argv(walk())], { env: deployServicesEnv() });
      expect(run.code, `exit code; stderr:\n${run.stderr}`).toBe(sample!.code ?? 0);
      if (mode === '-q') checkQuiet(run);
      else checkJson(run);
    },
    120_000,
  );
});

/**
 * The situations in which commands printed a hint or a notice on stdout (issue 19's examples and
 * the ones found walking the code): the hint is now on stderr, and gone under -q.
 */
describe('hints that used to land on stdout go to stderr, and -q silences them', { timeout: 120_000 }, () => {
  let fx: SandboxFixture;
  beforeAll(async () => {
    fx = await startSandboxFixture({ tenants: 3, preCutover: 1 });
    // gamma's row is gone from the CP, its instances still run: an orphan, and an org show with no CP row.
    simulateRawSqlDelete(fx.sandbox.state, 'gamma');
  }, 60_000);
  afterAll(() => fx?.stop());

  const cases: Array<[string, () => string[], number, RegExp]> = [
    [
      'org create --no-wait',
      () => ['org', 'create', 'made-new', '--no-wait'],
      0,
      /check it with `molectl org show made-new`/,
    ],
    ['org list', () => ['org', 'list'], 0, /^\d+ of \d+ orgs$/m],
    [
      'org gc (a dry run with candidates)',
      () => ['org', 'gc', '--prefix', 'ac', '--older-than', '1m'],
      0,
      /dry run: nothing was deleted; add --execute/,
    ],
    ['org delete --dry-run', () => ['org', 'delete', 'acme', '--dry-run'], 0, /dry run: nothing was deleted/],
    [
      'org show of an org gone from the CP',
      () => ['org', 'show', 'gamma'],
      0,
      /`molectl fleet orphans` lists such instances/,
    ],
    ['fleet orphans with orphans', () => ['fleet', 'orphans'], 0, /terminate them with `aws ec2 terminate-instances/],
    ['doctor with a failing check', () => ['doctor'], 1, /hint \(aws identity\): /],
    ['verify with skips', () => ['verify'], 0, /--strict counts a skipped check/],
  ];

  it.each(cases)('%s', async (_name, argv, code, hint) => {
    // doctor fails its AWS checks against an endpoint that is not there.
    const env = argv()[0] === 'doctor' ? { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' } : {};
    const loud = await fx.molectl(argv(), { env });
    expect(loud.code, loud.stderr).toBe(code);
    expect(loud.stdout).not.toMatch(hint);
    expect(loud.stderr).toMatch(hint);
    for (const [what, shape] of NOT_A_RESULT) expect(loud.stdout, `stdout holds ${what}`).not.toMatch(shape);

    const quiet = await fx.molectl(['-q', ...argv().map((a) => (a === 'made-new' ? 'made-new-q' : a))], { env });
    expect(quiet.code).toBe(code);
    // A failed check's fix stays, as an error's hint does; every other hint is gone under -q.
    if (code === 0) expect(quiet.stderr).not.toMatch(hint);
    checkQuiet(quiet);
  });
});

function checkQuiet(run: CliRun): void {
  for (const [what, shape] of NOT_A_RESULT)
    expect(run.stdout, `stdout holds ${what}:\n${run.stdout}`).not.toMatch(shape);
  // -q: warnings and errors (with their hints) only; nothing at all from a run that succeeded cleanly.
  const allowed = run.code === 0 ? /^warning: / : /^(?:warning|error|hint)\b|^ {2}|^✖ /;
  for (const line of run.stderr.split('\n').filter(Boolean))
    expect(line, `stderr under -q:\n${run.stderr}`).toMatch(allowed);
}

function checkJson(run: CliRun): void {
  let doc: { schemaVersion?: unknown } | null = null;
  expect(() => (doc = JSON.parse(run.stdout) as { schemaVersion?: unknown }), run.stdout.slice(0, 500)).not.toThrow();
  // A plan document carries the plan file's own schemaVersion (2 since its environment block).
  expect([1, 2]).toContain(doc!.schemaVersion);
}

function runsOf(stateDir: string): Array<{ id: string; command: string }> {
  return readdirSync(join(stateDir, 'runs'))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ id: f.replace(/\.json$/, ''), command: commandOf(f) }));
}

function commandOf(file: string): string {
  const match = /^\d{8}T\d{6}Z-(.+)-[0-9a-f]{4}\.json$/.exec(file);
  const words = match?.[1] ?? '';
  for (const c of commands) if (words === c.name.replace(/ /g, '-')) return c.name;
  return words;
}
