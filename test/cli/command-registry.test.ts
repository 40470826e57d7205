import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/index.js';
import { REQUIRED_ARGS, words } from '../helpers/required-args.js';
import { runCli } from '../helpers/run-cli.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';
import { PLAN_SCHEMA_VERSION } from '../../src/lib/tenant-secret-delivery/migration-plan.js';

/**
 * Walks the command registry, so that a command added tomorrow is held to the output contract
 * without anyone remembering to write its test: help with examples, one JSON document with
 * schemaVersion under -o json, errors as JSON under MOLECTL_OUTPUT=json, formats declared.
 */

describe('every command in the registry', () => {
  it.each(commands.map((c) => c.name))('%s --help exits 0 and shows examples', async (name) => {
    const run = await runCli([...words(name), '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: molectl /);
    expect(run.stdout).toMatch(/\nExamples:\n {2}\$ .*molectl /);
  });

  it.each(commands.map((c) => c.name))(
    '%s: an unknown flag under MOLECTL_OUTPUT=json is a JSON error, exit 2',
    async (name) => {
      const run = await runCli([...words(name), '--no-such-flag'], { env: { MOLECTL_OUTPUT: 'json' } });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      const doc = JSON.parse(run.stderr) as { error: { code: number; message: string } };
      expect(doc.error.code).toBe(2);
      expect(doc.error.message).toContain('--no-such-flag');
    },
  );

  it.each(commands.filter((c) => !['verify', 'fleet audit'].includes(c.name)).map((c) => c.name))(
    '%s -o junit is refused before anything runs (exit 2)',
    async (name) => {
      // The sample arguments satisfy each command's required ones, so the format is what is refused.
      const run = await runCli([...words(name), ...(REQUIRED_ARGS[name] ?? []), '-o', 'junit']);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`error: --output junit: molectl ${name} does not print junit`);
    },
  );
});

describe('errors follow the output format however it was chosen', () => {
  it.each([
    ['-o json', ['-o', 'json'], {}],
    ['MOLECTL_OUTPUT=json', [], { MOLECTL_OUTPUT: 'json' }],
  ] as const)('org delete with a bad slug under %s prints one JSON error', async (_label, flags, env) => {
    const run = await runCli([...flags, 'org', 'delete', 'bad!'], { env: { ...env } });
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stderr)).toEqual({
      error: { code: 2, message: expect.stringContaining('"bad!" is not an org slug'), hint: expect.any(String) },
    });
  });

  it('the flag wins over MOLECTL_OUTPUT: -o text prints a text error', async () => {
    const run = await runCli(['-o', 'text', 'org', 'delete', 'bad!'], { env: { MOLECTL_OUTPUT: 'json' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: <slug>: "bad!" is not an org slug/);
  });

  it('MOLECTL_OUTPUT=junit is a configuration error naming the variable (exit 3)', async () => {
    const run = await runCli(['org', 'list'], { env: { MOLECTL_OUTPUT: 'junit' } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('(from MOLECTL_OUTPUT) is not one of text, json');
  });
});

describe('-o json on every read command prints one document with schemaVersion', () => {
  let fx: SandboxFixture;
  const sample = new Map<string, () => string[]>();
  let runId = '';

  beforeAll(async () => {
    fx = await startSandboxFixture({ tenants: 2, preCutover: 1 });
    const slug = [...fx.sandbox.state.orgs.keys()][0]!;
    // One apply run gives `runs show` and `migrate cp-secret status` something to show.
    const apply = await fx.molectl([
      '--env',
      'sandbox',
      '-y',
      'migrate',
      'cp-secret',
      'apply',
      '--soak',
      '0',
      '--health-timeout',
      '5s',
    ]);
    expect(apply.code, apply.stderr).toBe(0);
    const listed = await fx.molectl(['--env', 'sandbox', '-o', 'json', 'runs', 'list']);
    runId = (JSON.parse(listed.stdout) as { runs: Array<{ id: string }> }).runs[0]!.id;
    const table: Record<string, string[]> = {
      doctor: ['doctor'],
      verify: ['verify', '--only', 'cp-health'],
      'config show': ['config', 'show'],
      'runs list': ['runs', 'list'],
      'runs show': ['runs', 'show', runId],
      'org list': ['org', 'list'],
      'org show': ['org', 'show', slug],
      'fleet orphans': ['fleet', 'orphans'],
      'fleet audit': ['fleet', 'audit', '--checks', 'orphan-instance'],
      console: ['console', slug],
      logs: ['logs', slug, '--tail', '5'],
      'secrets list': ['secrets', 'list'],
      'secrets status': ['secrets', 'status', 'cp-shared-secret', '--no-probe'],
      'migrate cp-secret plan': ['migrate', 'cp-secret', 'plan'],
      'migrate cp-secret status': ['migrate', 'cp-secret', 'status', runId],
      'migrate cp-secret script': ['migrate', 'cp-secret', 'script'],
      'sandbox status': ['sandbox', 'status'],
    };
    for (const [name, argv] of Object.entries(table)) sample.set(name, () => argv);
  }, 120_000);
  afterAll(() => fx?.stop());

  it('the apply run the samples use finished', () => {
    expect(runId).toMatch(/migrate/);
  });

  it.each(commands.filter((c) => c.safety === 'read-only').map((c) => c.name))(
    '%s',
    async (name) => {
      const argv = sample.get(name);
      // A read command without a sample here fails: add one when you add the command.
      expect(argv, `no sample invocation for ${name}`).toBeDefined();
      const run = await fx.molectl(['--env', 'sandbox', '-o', 'json', ...argv!()]);
      // `sandbox status` answers "none running" from the state directory: that is its JSON error.
      if (name === 'sandbox status') {
        expect(run.code).toBe(4);
        expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: 4 } });
        return;
      }
      expect(run.stdout.trim().split('\n').length, run.stderr).toBeGreaterThan(0);
      const doc = JSON.parse(run.stdout) as { schemaVersion?: unknown };
      // Each document versions its own shape: most are at 1; a plan file (what `migrate
      // cp-secret plan -o json` prints) is at PLAN_SCHEMA_VERSION.
      const expected = name === 'migrate cp-secret plan' ? PLAN_SCHEMA_VERSION : 1;
      expect(doc.schemaVersion).toBe(expected);
    },
    60_000,
  );
});
