import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/index.js';
import { deployServicesEnv, SANDBOX_REGISTRY_TOKEN } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// Issue 14, item 5: `--debug` output of every command holds no secret. Walks the command
// registry (a command added tomorrow without a sample here fails the walk), runs each with
// --debug against a sandbox, and looks for every secret the run could touch (the CP admin token
// as it rotates, every Secrets Manager and SecureString value, the tenants' admin tokens, the
// deploy services' tokens, the AWS secret key, a value put from a file), in the forms the
// redactor covers, in stdout, stderr and every file the run left behind.

const ENV_SENTINELS = {
  ...deployServicesEnv(),
  REGISTRY_TOKEN: SANDBOX_REGISTRY_TOKEN,
  // The sandbox does not check signatures: any secret key works, so it can be a sentinel.
  AWS_SECRET_ACCESS_KEY: 'aws-SENTINEL-debug-4c1d9e7f2a6b',
};
const PUT_VALUE = 'put-SENTINEL-debug-value-6d2f8b4a1e9c';

/** Every file under a directory, with its path. */
function filesUnder(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const s = statSync(path);
      if (s.isDirectory()) walk(path);
      else if (s.isFile()) out.push([path, readFileSync(path, 'latin1')]);
    }
  };
  walk(dir);
  return out;
}

/** The forms of a value the redactor scrubs: raw, URL-encoded, base64 (the aligned form). */
function forms(value: string): string[] {
  return [value, encodeURIComponent(value), Buffer.from(value).toString('base64').replace(/=+$/, '')];
}

describe('--debug output of every command', { timeout: 300_000 }, () => {
  let fx: SandboxFixture;
  let work: string;
  let inputs: string;
  const runs = new Map<string, CliRun>();

  beforeAll(async () => {
    fx = await startSandboxFixture({ tenants: 3, preCutover: 2, workspacesPerTenant: 1 });
    work = mkdtempSync(join(tmpdir(), 'molectl-debug-work-'));
    inputs = mkdtempSync(join(tmpdir(), 'molectl-debug-inputs-'));
    writeFileSync(join(inputs, 'value.txt'), `${PUT_VALUE}\n`, { mode: 0o600 });
    // A repository for the gitea commands: one GitHub reference to rewrite, one remote.
    const repo = join(work, 'repo');
    mkdirSync(repo);
    execFileSync('git', ['init', '-q', repo]);
    execFileSync('git', ['-C', repo, 'remote', 'add', 'origin', 'https://github.com/molecule-ai/molecule-core.git']);
    writeFileSync(join(repo, 'README.md'), 'see https://github.com/molecule-ai/molecule-core\n');
  }, 120_000);

  afterAll(async () => {
    await fx?.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(inputs, { recursive: true, force: true });
  });

  // The CP admin token changes when it is rotated: every value it had is a sentinel.
  const adminTokens = new Set<string>();
  const molectl = async (argv: string[]): Promise<CliRun> => {
    adminTokens.add(fx.sandbox.state.cpAdminToken);
    const env = { ...fx.env, ...ENV_SENTINELS, CP_ADMIN_API_TOKEN: fx.sandbox.state.cpAdminToken };
    const run = await runCli(['--debug', ...argv], { env });
    adminTokens.add(fx.sandbox.state.cpAdminToken);
    return run;
  };

  /** The sandbox's secrets as they are now (rotations add values), and the ones the test brought. */
  function sentinels(): string[] {
    const { state } = fx.sandbox;
    const values = [
      ...adminTokens,
      state.provisionSharedSecret,
      ...[...state.orgs.values()].map((o) => o.adminToken),
      ...[...state.secrets.values()].flatMap((s) => s.versions.map((v) => v.value)),
      ...[...state.parameters.values()].filter((p) => p.type === 'SecureString').map((p) => p.value),
      ...Object.values(ENV_SENTINELS),
      PUT_VALUE,
    ];
    return [...new Set(values.filter((v) => v.length >= 12))];
  }

  /** The samples run in this order: reads first, then changes, then what reads their records. */
  const SAMPLES: Array<[string, (ctx: { runId: () => string; repo: string; out: string }) => string[]]> = [
    ['doctor', () => ['doctor']],
    ['config show', () => ['config', 'show']],
    ['verify', (c) => ['verify', '--report-file', `markdown:${c.out}/verify.md`]],
    ['org list', () => ['org', 'list']],
    ['org show', () => ['org', 'show', 'acme']],
    ['fleet orphans', () => ['fleet', 'orphans']],
    ['fleet audit', (c) => ['fleet', 'audit', '--report-file', `junit:${c.out}/audit.xml`]],
    ['console', () => ['console', 'acme']],
    ['logs', () => ['logs', 'acme', '--tail', '20']],
    ['secrets list', () => ['secrets', 'list']],
    ['secrets status', () => ['secrets', 'status', 'cp-shared-secret']],
    ['migrate cp-secret script', () => ['migrate', 'cp-secret', 'script']],
    ['migrate cp-secret plan', (c) => ['migrate', 'cp-secret', 'plan', '--out', `${c.out}/plan.json`]],
    ['org create', () => ['org', 'create', 'debug-sentinel', '--name', 'Debug', '--owner', 'u-1', '--no-wait']],
    ['secrets put', () => ['-y', 'secrets', 'put', 'cp-admin-api-token', '--value-file', join(inputs, 'value.txt')]],
    ['secrets rotate', () => ['-y', 'secrets', 'rotate', 'cp-admin-api-token']],
    ['secrets rollback', () => ['-y', 'secrets', 'rollback', 'cp-admin-api-token']],
    ['migrate cp-secret apply', () => ['-y', 'migrate', 'cp-secret', 'apply', '--soak', '0', '--health-timeout', '5s']],
    ['migrate cp-secret status', (c) => ['migrate', 'cp-secret', 'status', c.runId()]],
    ['migrate cp-secret resume', (c) => ['-y', 'migrate', 'cp-secret', 'resume', c.runId()]],
    ['migrate cp-secret rollback', (c) => ['-y', 'migrate', 'cp-secret', 'rollback', c.runId()]],
    ['runs list', () => ['runs', 'list']],
    ['runs show', (c) => ['runs', 'show', c.runId()]],
    ['org delete', () => ['org', 'delete', 'beta', '--confirm', 'beta']],
    ['org gc', () => ['-y', 'org', 'gc', '--prefix', 'debug-', '--older-than', '1m', '--execute']],
    ['gitea rewrite', (c) => ['gitea', 'rewrite', c.repo]],
    [
      'gitea remotes',
      (c) => ['gitea', 'remotes', c.repo, '--verify-remote', '--gitea-url', `${fx.env.MOLECTL_CP_URL}/_gitea`],
    ],
    ['sandbox status', () => ['sandbox', 'status']],
    // The same secret-handling commands again, as one JSON document each.
    ['org show -o json', () => ['-o', 'json', 'org', 'show', 'acme']],
    ['secrets list -o json', () => ['-o', 'json', 'secrets', 'list']],
    ['secrets status -o json', () => ['-o', 'json', 'secrets', 'status', 'cp-shared-secret']],
    [
      'org create -o json',
      () => ['-o', 'json', 'org', 'create', 'debug-json', '--name', 'Debug', '--owner', 'u-1', '--no-wait'],
    ],
    ['secrets rotate -o json', () => ['-y', '-o', 'json', 'secrets', 'rotate', 'cp-admin-api-token']],
    ['migrate cp-secret status -o json', (c) => ['-o', 'json', 'migrate', 'cp-secret', 'status', c.runId()]],
    ['runs show -o json', (c) => ['-o', 'json', 'runs', 'show', c.runId()]],
    ['logs -o json', () => ['-o', 'json', 'logs', 'acme', '--tail', '20']],
    ['console -o json', () => ['-o', 'json', 'console', 'acme']],
  ];
  // Commands that manage a sandbox of their own: walked apart, below.
  const OWN_SANDBOX = ['sandbox up', 'sandbox down'];

  it('every command in the registry has a sample', () => {
    const sampled = new Set([...SAMPLES.map(([name]) => name), ...OWN_SANDBOX]);
    expect(commands.map((c) => c.name).filter((name) => !sampled.has(name))).toEqual([]);
  });

  it('runs every sample with --debug and finds no secret in stdout, stderr or any file', async () => {
    let applyRun = '';
    const ctx = { runId: () => applyRun, repo: join(work, 'repo'), out: work };
    for (const [name, argv] of SAMPLES) {
      // The org `org create` made is the one `org gc` sweeps: make it old enough.
      if (name === 'org gc') fx.sandbox.state.orgs.get('debug-sentinel')!.createdAt = new Date(Date.now() - 3_600_000);
      const run = await molectl(['--env', 'sandbox', ...argv(ctx)]);
      runs.set(name, run);
      if (name === 'migrate cp-secret apply') {
        const listed = await molectl(['--env', 'sandbox', '-o', 'json', 'runs', 'list']);
        applyRun = (JSON.parse(listed.stdout) as { runs: Array<{ id: string; command: string }> }).runs.find((r) =>
          r.command.includes('apply'),
        )!.id;
      }
    }
    const values = sentinels();
    const leaks: string[] = [];
    for (const [name, run] of runs) {
      for (const value of values)
        for (const form of forms(value)) {
          if (run.stdout.includes(form)) leaks.push(`${name}: stdout holds ${value.slice(0, 8)}…`);
          if (run.stderr.includes(form)) leaks.push(`${name}: stderr holds ${value.slice(0, 8)}…`);
        }
    }
    for (const [path, text] of [...filesUnder(fx.stateDir), ...filesUnder(work)])
      for (const value of values)
        for (const form of forms(value)) if (text.includes(form)) leaks.push(`${path} holds ${value.slice(0, 8)}…`);
    expect(leaks).toEqual([]);
  });

  it('the samples did the work they stand for (a walk of usage errors would prove nothing)', () => {
    const codes = Object.fromEntries([...runs].map(([name, run]) => [name, run.code]));
    // No sample was refused as bad input, and debug lines were printed where AWS was called.
    expect(Object.entries(codes).filter(([, code]) => code === 2 || code === 3)).toEqual([]);
    expect(codes['sandbox status']).toBe(4); // none running: the sandbox these tests use is in-process
    expect(runs.get('org show')!.stderr).toMatch(/debug: aws /);
    expect(runs.get('secrets rotate')!.stderr).toMatch(/debug: aws secretsmanager/i);
  });

  it('sandbox up, status and down print no credential of the sandbox they run', async () => {
    const stateDir = join(work, 'own-sandbox-state');
    const env = { MOLECTL_STATE_DIR: stateDir, PATH: process.env.PATH, HOME: work };
    const abort = new AbortController();
    const up = runCli(['--debug', 'sandbox', 'up', '--port', '0', '--tenants', '1'], { env, signal: abort.signal });
    const tokenFile = join(stateDir, 'sandbox', 'cp-admin-token');
    for (let i = 0; i < 400 && !existsSync(join(stateDir, 'sandbox', 'sandbox.json')); i++)
      await new Promise((r) => setTimeout(r, 25));
    const token = readFileSync(tokenFile, 'utf8').trim();
    const status = await runCli(['--debug', 'sandbox', 'status'], { env });
    abort.abort();
    const upRun = await up;
    // `sandbox down` signals the pid in the record: a stand-in process here, not this test's own.
    const standIn = spawn('sleep', ['60'], { stdio: 'ignore' });
    mkdirSync(join(stateDir, 'sandbox'), { recursive: true });
    writeFileSync(
      join(stateDir, 'sandbox', 'sandbox.json'),
      JSON.stringify({
        pid: standIn.pid,
        url: 'http://127.0.0.1:9',
        startedAt: new Date().toISOString(),
        tenants: 1,
        seed: 1,
        faults: '',
        logFile: null,
      }),
    );
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const down = await runCli(['--debug', 'sandbox', 'down'], { env });
    expect([status.code, upRun.code, down.code]).toEqual([0, 0, 0]);
    expect(token.length).toBeGreaterThan(20);
    for (const run of [upRun, status, down])
      for (const form of forms(token)) expect(run.stdout + run.stderr).not.toContain(form);
    // What stays on disk once it stopped: the log and the record's directory, no credential.
    for (const [path, text] of filesUnder(stateDir))
      for (const form of forms(token)) expect(text, path).not.toContain(form);
  });
});
