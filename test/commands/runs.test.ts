import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { Redactor } from '../../src/lib/output/redactor.js';
import { RunStore } from '../../src/lib/runs/run-store.js';
import { findDeadPid } from '../lib/runs/dead-pid.js';
import { createManualClock } from '../lib/runs/manual-clock.js';
import { testEnvironment } from '../helpers/environment.js';
import { CapturedStream } from '../helpers/run-cli.js';

const SENTINEL = 'sentinel-tok-Hv93kQm2Lx7Rp0';

let stateDir: string;
let store: RunStore;
let clock: ReturnType<typeof createManualClock>;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'molectl-runs-cmd-'));
  clock = createManualClock();
  store = new RunStore({ stateDir, clock, redactor: new Redactor() });
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

async function run(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, {
    stdout,
    stderr,
    env: { ...process.env, MOLECTL_STATE_DIR: stateDir, NO_COLOR: '1', CP_ADMIN_API_TOKEN: '', ...env },
    signal: new AbortController().signal,
    overrides: { clock },
  });
  return { code, stdout: out, stderr: err };
}

/** A finished migration: 2 of 3 targets settled, one failed; and an org create a minute later. */
async function seedRuns(): Promise<{ migration: string; orgCreate: string }> {
  const migration = await store.create({
    command: 'migrate cp-secret apply',
    environment: testEnvironment({
      name: 'staging',
      cpUrl: 'https://staging-api.moleculesai.app',
      awsAccount: '123456789012',
      awsRegion: 'us-east-2',
    }),
    inputs: { waves: ['1', '100%'], maxErrors: 0 },
    pinned: {
      secretId: 'molecule/staging/cp-shared-secret',
      secretVersionId: 'v-7',
      fingerprint: 'sha256:0123456789ab',
    },
    targets: ['acme', 'beta', 'gamma'],
  });
  await migration.updateTarget('acme', { state: 'in-progress', remoteIds: { ssmCommandId: 'cmd-0001' } });
  clock.advance(30_000);
  await migration.updateTarget('acme', { state: 'succeeded', outcome: 'migrated' });
  await migration.updateTarget('beta', { state: 'in-progress', remoteIds: { ssmCommandId: 'cmd-0002' } });
  await migration.updateTarget('beta', { state: 'failed', outcome: 'rolled-back', error: 'docker run exited 125' });
  await migration.recordEvent('canary acme healthy');
  await migration.recordEvent('budget exceeded: 1 failure > --max-errors 0', { level: 'error', target: 'beta' });
  clock.advance(42_000);
  await migration.setStatus('aborted', { error: 'aborted: failures exceeded --max-errors 0' });
  clock.advance(60_000);
  const orgCreate = await store.create({
    command: 'org create',
    environment: testEnvironment({ name: 'production' }),
    inputs: { slug: 'delta' },
    targets: ['delta'],
  });
  await orgCreate.updateTarget('delta', { state: 'succeeded' });
  await orgCreate.setStatus('succeeded');
  clock.advance(5 * 60_000);
  return { migration: migration.id, orgCreate: orgCreate.id };
}

describe('molectl runs list', () => {
  it('prints a table of runs, newest first, with status, duration and targets done/total', async () => {
    const { migration, orgCreate } = await seedRuns();
    const { code, stdout, stderr } = await run(['runs', 'list']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+COMMAND\s+ENV\s+STATUS\s+STARTED\s+DURATION\s+TARGETS$/);
    expect(lines[1]).toMatch(
      new RegExp(`^${orgCreate}\\s+org create\\s+production\\s+succeeded\\s+2026-11-22 20:32:12Z\\s+0ms\\s+1/1$`),
    );
    expect(lines[2]).toMatch(
      new RegExp(
        `^${migration}\\s+migrate cp-secret apply\\s+staging\\s+aborted\\s+2026-11-22 20:30:00Z\\s+1m 12s\\s+2/3 \\(1 failed\\)$`,
      ),
    );
  });

  it('filters by command group and limits', async () => {
    const { migration } = await seedRuns();
    expect((await run(['runs', 'list', '--command', 'migrate'])).stdout).toContain(migration);
    expect((await run(['runs', 'list', '--command', 'migrate'])).stdout).not.toContain('org create');
    expect((await run(['runs', 'list', '--limit', '1'])).stdout.trimEnd().split('\n')).toHaveLength(2);
  });

  it('gives one JSON document with schemaVersion and per-run summaries', async () => {
    const { migration } = await seedRuns();
    const { code, stdout } = await run(['runs', 'list', '-o', 'json']);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.runs).toHaveLength(2);
    expect(doc.runs[1]).toMatchObject({
      id: migration,
      status: 'aborted',
      resumable: true,
      durationMs: 72_000,
      targets: { total: 3, settled: 2, failed: 1, pending: 1 },
    });
  });

  it('shows a killed run as "running, owner dead"', async () => {
    const ledger = await store.create({
      command: 'migrate cp-secret apply',
      environment: testEnvironment({ name: 'staging' }),
      targets: ['acme'],
    });
    const doc = JSON.parse(await readFile(ledger.path, 'utf8'));
    doc.owner = { ...doc.owner, pid: findDeadPid(), hostname: hostname() };
    await writeFile(ledger.path, JSON.stringify(doc));
    const { stdout } = await run(['runs', 'list']);
    expect(stdout).toMatch(new RegExp(`${ledger.id}\\s+migrate cp-secret apply\\s+staging\\s+running, owner dead`));
  });

  it('warns about an unreadable ledger on stderr and still lists the rest', async () => {
    const { migration } = await seedRuns();
    await writeFile(join(stateDir, 'runs', '20261122T100000Z-org-delete-beef.json'), 'not json');
    const { code, stdout, stderr } = await run(['runs', 'list']);
    expect(code).toBe(0);
    expect(stdout).toContain(migration);
    expect(stderr).toMatch(
      /^warning: skipped: run ledger .*20261122T100000Z-org-delete-beef\.json is unreadable: not valid JSON/,
    );
  });

  it('says where it looked when there are no runs, keeping stdout empty', async () => {
    const { code, stdout, stderr } = await run(['runs', 'list']);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain(`no runs recorded in ${join(stateDir, 'runs')}`);
  });

  it('rejects a bad --limit as a usage error', async () => {
    const { code, stderr } = await run(['runs', 'list', '--limit', '0']);
    expect(code).toBe(2);
    expect(stderr).toContain('--limit: must be between 1 and 100000');
  });
});

describe('molectl runs show', () => {
  it('prints the summary, the per-target table and the last events', async () => {
    const { migration } = await seedRuns();
    const { code, stdout } = await run(['runs', 'show', migration]);
    expect(code).toBe(0);
    expect(stdout).toContain(`run       ${migration}`);
    expect(stdout).toContain('status    aborted (resumable)');
    expect(stdout).toContain('env       staging  https://staging-api.moleculesai.app  aws 123456789012 us-east-2');
    expect(stdout).toContain(
      'pinned    secretId=molecule/staging/cp-shared-secret  secretVersionId=v-7  fingerprint=sha256:0123456789ab',
    );
    expect(stdout).toContain('error     aborted: failures exceeded --max-errors 0');
    expect(stdout).toContain('targets 2/3 (1 failed): 1 succeeded, 1 failed, 0 skipped, 0 in progress, 1 pending');
    expect(stdout).toMatch(/acme\s+succeeded\s+migrated\s+1\s+ssmCommandId=cmd-0001/);
    expect(stdout).toMatch(/beta\s+failed\s+rolled-back\s+1\s+ssmCommandId=cmd-0002\s+\S+ \S+\s+docker run exited 125/);
    expect(stdout).toMatch(/gamma\s+pending\s+-\s+0/);
    expect(stdout).toContain('error  [beta] budget exceeded: 1 failure > --max-errors 0');
  });

  it('resolves a unique id prefix and limits events', async () => {
    const { migration } = await seedRuns();
    const { code, stdout } = await run(['runs', 'show', migration.slice(0, 20), '--events', '1']);
    expect(code).toBe(0);
    expect(stdout).toContain('last 1 of 2 events:');
    expect(stdout).not.toContain('canary acme healthy');
  });

  it('lists only the targets in the states asked for', async () => {
    const { migration } = await seedRuns();
    const { code, stdout } = await run(['runs', 'show', migration, '--state', 'failed,pending']);
    expect(code).toBe(0);
    expect(stdout).toContain('showing 2 in state failed or pending');
    expect(stdout).toMatch(/^beta\s+failed/m);
    expect(stdout).toMatch(/^gamma\s+pending/m);
    expect(stdout).not.toMatch(/^acme\s/m);
    const bad = await run(['runs', 'show', migration, '--state', 'done']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '--state: "done" is not a target state (pending, in-progress, succeeded, failed, skipped)',
    );
  });

  it('gives the whole ledger under --output json', async () => {
    const { migration } = await seedRuns();
    const { stdout } = await run(['runs', 'show', migration, '-o', 'json']);
    const doc = JSON.parse(stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.run).toEqual(JSON.parse(await readFile(join(stateDir, 'runs', `${migration}.json`), 'utf8')));
    expect(doc.summary).toMatchObject({ status: 'aborted', resumable: true });
  });

  it('exits 4 for an unknown run, with the hint to list runs', async () => {
    const { code, stdout, stderr } = await run(['runs', 'show', '20261122T203000Z-org-create-0000']);
    expect(code).toBe(4);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^error: no run "20261122T203000Z-org-create-0000" in .*\nhint: list runs with `molectl runs list`\n$/,
    );
  });

  it('redacts a secret found in an old or hand-edited ledger before printing it', async () => {
    const { migration } = await seedRuns();
    const path = join(stateDir, 'runs', `${migration}.json`);
    const doc = JSON.parse(await readFile(path, 'utf8'));
    doc.targets.beta.error.message = `curl said ${SENTINEL}`;
    await writeFile(path, JSON.stringify(doc));
    for (const argv of [
      ['runs', 'show', migration],
      ['runs', 'show', migration, '-o', 'json'],
    ]) {
      const { stdout, stderr } = await run(argv, { CP_ADMIN_API_TOKEN: SENTINEL });
      expect(stdout + stderr).not.toContain(SENTINEL);
      expect(stdout).toContain('[REDACTED:cp-admin-api-token]');
    }
  });

  it('has help with examples', async () => {
    const { code, stdout } = await run(['runs', 'show', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('molectl runs show 20261122T2030');
  });
});

describe('runs list and runs show on an 80-column terminal', () => {
  async function onTerminal(argv: string[]): Promise<string> {
    const stdout = new CapturedStream(true, 80);
    const code = await main(argv, {
      stdout,
      stderr: new CapturedStream(),
      env: { ...process.env, MOLECTL_STATE_DIR: stateDir, NO_COLOR: '1', CP_ADMIN_API_TOKEN: '' },
      signal: new AbortController().signal,
      overrides: { clock },
    });
    expect(code).toBe(0);
    return stdout.text;
  }

  it('keep one line per run and per target, name the columns they leave out, and wrap pairs under their label', async () => {
    const { migration } = await seedRuns();
    const list = (await onTerminal(['runs', 'list'])).trimEnd().split('\n');
    expect(list).toEqual([
      'ID                                             STATUS     TARGETS',
      expect.stringMatching(/^\S+-org-create-\S+ +succeeded +1\/1$/),
      `${migration}  aborted    2/3 (1 failed)`,
      'hidden at 80 columns: started, env, duration, command (-o json shows them)',
    ]);
    const show = await onTerminal(['runs', 'show', migration]);
    // key=value pairs wrap under their label, whole, instead of being folded into column 0.
    expect(show).toContain(
      'pinned    secretId=molecule/staging/cp-shared-secret  secretVersionId=v-7\n          fingerprint=sha256:0123456789ab\n',
    );
    const targets = show.slice(show.indexOf('TARGET ')).split('\n\n')[0]!.split('\n');
    expect(targets).toEqual([
      'TARGET  STATE      OUTCOME      REMOTE IDS             ERROR',
      'acme    succeeded  migrated     ssmCommandId=cmd-0001  -',
      'beta    failed     rolled-back  ssmCommandId=cmd-0002  docker run exited 125',
      'gamma   pending    -            -                      -',
      'hidden at 80 columns: updated, attempts (-o json shows them)',
    ]);
  });

  it('wraps a long event under the messages, and lines a coloured warn up with the others', async () => {
    const { migration } = await seedRuns();
    const path = join(stateDir, 'runs', `${migration}.json`);
    const doc = JSON.parse(await readFile(path, 'utf8'));
    const at = doc.events[0].at;
    doc.events.push(
      {
        at,
        level: 'warn',
        message: 'wave 2/3 paused: the CP answered 503 three times in a row; waiting 30s before the next try',
      },
      { at, level: 'info', message: 'wave 2/3 resumed' },
    );
    await writeFile(path, JSON.stringify(doc));
    const stdout = new CapturedStream(true, 80);
    await main(['runs', 'show', migration], {
      stdout,
      stderr: new CapturedStream(),
      env: { ...process.env, MOLECTL_STATE_DIR: stateDir, FORCE_COLOR: '1', NO_COLOR: '', CP_ADMIN_API_TOKEN: '' },
      signal: new AbortController().signal,
      overrides: { clock },
    });
    expect(stdout.text).toMatch(/\u001b\[\d+m/);
    const events = stdout.text
      .replace(/\u001b\[\d+m/g, '')
      .split('events:\n')[1]!
      .trimEnd()
      .split('\n');
    for (const line of events) expect(line.length).toBeLessThanOrEqual(80);
    expect(events.slice(-3)).toEqual([
      expect.stringMatching(/^ {2}\S+ \S+ {2}warn {3}wave 2\/3 paused: the CP answered 503 three times$/),
      expect.stringMatching(/^ {31}in a row; waiting 30s before the next try$/),
      expect.stringMatching(/^ {2}\S+ \S+ {2}info {3}wave 2\/3 resumed$/),
    ]);
  });
});

describe('a state directory that is a file', () => {
  it('runs list and runs show say so (exit 3, naming the variable), not "unexpected error"', async () => {
    const file = join(stateDir, 'not-a-dir');
    await writeFile(file, 'x');
    for (const argv of [
      ['runs', 'list'],
      ['runs', 'show', 'abcdef'],
    ]) {
      const r = await run(argv, { MOLECTL_STATE_DIR: file });
      expect(r.code, argv.join(' ')).toBe(3);
      expect(r.stderr).toMatch(
        /^error: the state directory \S+not-a-dir cannot be read: \S+not-a-dir is not a directory$/m,
      );
      expect(r.stderr).toMatch(/^hint: point MOLECTL_STATE_DIR \(or XDG_STATE_HOME\) at/m);
      expect(r.stderr).not.toMatch(/unexpected error/);
    }
  });
});
