import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/index.js';
import { deployServicesEnv, getDeployServices } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// Issue 13, item 8: everything that can be checked is checked before the first change.

let f: SandboxFixture;
let tmp: string;
beforeAll(async () => {
  f = await startSandboxFixture({ tenants: 3, preCutover: 3 });
  tmp = mkdtempSync(join(tmpdir(), 'molectl-checks-'));
});
afterAll(async () => {
  await f.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const APPLY = ['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'apply', '--soak', '0', '--health-timeout', '5s'];
const changes = (state: SandboxState) =>
  state.requests.filter(
    (r) => r.action === 'SendCommand' || r.action === 'PutParameter' || r.action === 'PutSecretValue',
  );
const ledgerCount = () => {
  try {
    return readdirSync(join(f.stateDir, 'runs')).length;
  } catch {
    return 0;
  }
};

describe('bad input stops a run before anything remote happens (exit 2)', { timeout: 60_000 }, () => {
  it.each([
    [['--soak', '9'.repeat(400)], /--soak: "9+…\(400 characters\)" is not a duration/],
    [['--soak', '48h'], /--soak: must be at most 1d/],
    [['--health-timeout', '0.1s'], /--health-timeout: must be at least 1s/],
    [['--max-errors', '0x10'], /--max-errors: "0x10" is not a whole number/],
    // Percentages are cumulative: one below an earlier one is a wave that can never hold anyone.
    [['--waves', '50%,10%'], /^error: --waves: "10%" is not above the earlier "50%"/m],
    [['--waves', '1,100%,5'], /^error: --waves: "5" comes after "100%"/m],
    [['--max-errors', ''], /--max-errors/],
    [
      ['--max-concurrency', '1001'],
      /--max-concurrency: must be between 1 and 1000 \(at most 1000 hosts at once across the fleet\)/,
    ],
  ])('apply %j', async (extra, message) => {
    const mark = f.sandbox.state.requests.length;
    const r = await f.molectl([...APPLY, ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(f.sandbox.state.requests.slice(mark)).toEqual([]);
  });

  it('a --canary outside --orgs is refused from the command line alone: no discovery, no probe', async () => {
    const mark = f.sandbox.state.requests.length;
    const r = await f.molectl([...APPLY, '--orgs', 'beta,gamma', '--canary', 'acme']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --canary acme is not one of --orgs beta,gamma; nothing was changed$/m);
    expect(f.sandbox.state.requests.slice(mark)).toEqual([]);
  });

  it('an output path that is a directory, or whose directory does not exist, is found with the flags', async () => {
    const mark = f.sandbox.state.requests.length;
    const dir = join(tmp, 'a-directory');
    mkdirSync(dir);
    const isDir = await f.molectl([...APPLY, '--summary-md', dir]);
    expect(isDir.code).toBe(2);
    expect(isDir.stderr).toMatch(/--summary-md: .*a-directory is a directory; give a file path/);
    const missing = await f.molectl(['migrate', 'cp-secret', 'plan', '--out', join(tmp, 'no-such-dir', 'plan.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--out: the directory .*no-such-dir does not exist; create it first/);
    expect(f.sandbox.state.requests.slice(mark)).toEqual([]);
    expect(readdirSync(tmp)).toEqual(['a-directory']);
  });

  it('a plan file listing a tenant twice is refused before any lock or ledger', async () => {
    const good = join(tmp, 'good.json');
    expect([0, 5]).toContain((await f.molectl(['migrate', 'cp-secret', 'plan', '--out', good])).code);
    const plan = JSON.parse(readFileSync(good, 'utf8')) as { targets: unknown[] };
    plan.targets.push(plan.targets[0]);
    const twice = join(tmp, 'twice.json');
    writeFileSync(twice, JSON.stringify(plan));
    const before = { changes: changes(f.sandbox.state).length, ledgers: ledgerCount() };
    const r = await f.molectl([...APPLY, '--plan', twice]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/twice\.json lists acme more than once/);
    expect({ changes: changes(f.sandbox.state).length, ledgers: ledgerCount() }).toEqual(before);
  });

  it('a --secret-id other than the one the plan pins is refused, not silently ignored', async () => {
    const before = { changes: changes(f.sandbox.state).length, ledgers: ledgerCount() };
    const r = await f.molectl([...APPLY, '--plan', join(tmp, 'good.json'), '--secret-id', 'molecule/cp/other']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: --secret-id molecule\/cp\/other contradicts the plan, which pins \S+; nothing was changed$/m,
    );
    expect({ changes: changes(f.sandbox.state).length, ledgers: ledgerCount() }).toEqual(before);
  });

  it('a bad --plan or a contradicting --secret-id is exit 2 with no remote request at all (not even the lock read)', async () => {
    const good = join(tmp, 'good.json');
    const plan = JSON.parse(readFileSync(good, 'utf8')) as { targets: unknown[] };
    plan.targets.push(plan.targets[0]);
    writeFileSync(join(tmp, 'twice.json'), JSON.stringify(plan));
    writeFileSync(join(tmp, 'not-json.json'), '{"schemaVersion": 2,');
    const cases: Array<[string[], RegExp]> = [
      [['--plan', join(tmp, 'not-json.json')], /not-json\.json/],
      [['--plan', join(tmp, 'no-such-plan.json')], /cannot read plan file .*no-such-plan\.json/],
      [['--plan', join(tmp, 'twice.json')], /twice\.json lists acme more than once/],
      [['--plan', good, '--secret-id', 'molecule/cp/other'], /--secret-id molecule\/cp\/other contradicts the plan/],
      [['--plan', good, '--orgs', 'nobody-here'], /the plan has no tenant nobody-here/],
    ];
    for (const [extra, message] of cases) {
      const mark = f.sandbox.state.requests.length;
      const r = await f.molectl([...APPLY, ...extra]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(f.sandbox.state.requests.slice(mark).map((q) => q.action)).toEqual([]);
    }
  });

  it('an impossible value in a plan file names the field', async () => {
    const plan = JSON.parse(readFileSync(join(tmp, 'good.json'), 'utf8')) as { secret: { fingerprint: string } };
    plan.secret.fingerprint = 'sha256:nothex';
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify(plan));
    const r = await f.molectl([...APPLY, '--plan', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /bad\.json is not a valid molectl cp-secret plan: secret\.fingerprint: expected sha256:<12 hex>/,
    );
  });

  it('a plan whose container name was edited is refused as drift before any change', async () => {
    const plan = JSON.parse(readFileSync(join(tmp, 'good.json'), 'utf8')) as { containerName: string };
    plan.containerName = 'some-other-container';
    const edited = join(tmp, 'edited.json');
    writeFileSync(edited, JSON.stringify(plan));
    const before = { changes: changes(f.sandbox.state).length, ledgers: ledgerCount() };
    const r = await f.molectl([...APPLY, '--plan', edited]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: plan \S+edited\.json has drifted: the plan changes container some-other-container, the environment's is molecule-tenant/m,
    );
    expect({ changes: changes(f.sandbox.state).length, ledgers: ledgerCount() }).toEqual(before);
  });

  it('a plan from an older molectl is exit 2 in one line, before any lock or ledger', async () => {
    const plan = JSON.parse(readFileSync(join(tmp, 'good.json'), 'utf8')) as Record<string, unknown>;
    const old = join(tmp, 'old.json');
    writeFileSync(old, JSON.stringify({ ...plan, schemaVersion: 1 }));
    const before = { changes: changes(f.sandbox.state).length, ledgers: ledgerCount() };
    const r = await f.molectl([...APPLY, '--plan', old]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: .*old\.json was written by an older molectl \(plan schemaVersion 1\); this molectl reads schemaVersion 2\nhint: plans are not carried across versions: make a new plan/m,
    );
    expect({ changes: changes(f.sandbox.state).length, ledgers: ledgerCount() }).toEqual(before);
  });

  it('names are looked up as names: __proto__ and constructor are simply not found', async () => {
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const r = await f.molectl(['secrets', 'status', name]);
      expect(r.code, name).toBe(4);
      expect(r.stderr).toMatch(/has no secret named/);
    }
    const env = await f.molectl(['--env', '__proto__', 'config', 'show']);
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/unknown environment "__proto__"/);
  });
});

describe('a rotation proves what it can before AWSPENDING exists', { timeout: 60_000 }, () => {
  const ROTATE = ['--env', 'sandbox', '--yes', 'secrets', 'rotate', 'cp-shared-secret', '--soak', '0'];
  const stages = () =>
    JSON.stringify(f.sandbox.state.secrets.get(f.sandbox.state.cpSharedSecretId)!.versions.map((v) => v.stages));

  it('a rejected Railway token is exit 3 with nothing changed', async () => {
    const before = stages();
    const r = await f.molectl(ROTATE, { env: { ...deployServicesEnv(), RAILWAY_TOKEN: 'not-the-railway-token' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Railway/);
    expect(stages()).toBe(before);
  });

  it('a rejected Gitea token is exit 3 with nothing changed', async () => {
    const { createSecret } = await import('../../src/sandbox/aws/secrets-store.js');
    createSecret(f.sandbox.state, 'molecule/cp/admin-api-token', f.sandbox.state.cpAdminToken);
    const r = await f.molectl(['--env', 'sandbox', '--yes', 'secrets', 'rotate', 'cp-admin-api-token'], {
      env: { ...deployServicesEnv(), GITEA_TOKEN: 'not-the-gitea-token' },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Gitea rejected GITEA_TOKEN \(HTTP 401\)/);
    expect(f.sandbox.state.secrets.get('molecule/cp/admin-api-token')!.versions.map((v) => v.stages)).toEqual([
      ['AWSCURRENT'],
    ]);
  });

  it('a CP admin token the CP rejects is exit 3 before AWSPENDING exists or Railway is touched', async () => {
    const before = { stages: stages(), changes: changes(f.sandbox.state).length, ledgers: ledgerCount() };
    const railway = () =>
      JSON.stringify(getDeployServices(f.sandbox.state).railway.deployments.length) +
      JSON.stringify([...getDeployServices(f.sandbox.state).railwayVariables]);
    const railwayBefore = railway();
    const r = await f.molectl(ROTATE, { env: { ...deployServicesEnv(), CP_ADMIN_API_TOKEN: 'not-the-admin-token' } });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^error: the CP at \S+ rejected the admin token \(HTTP 401\)$/m);
    expect(r.stderr).not.toMatch(/AWSPENDING version|putting back/);
    expect({ stages: stages(), changes: changes(f.sandbox.state).length, ledgers: ledgerCount() }).toEqual(before);
    // Railway was only read: its variables and deployments are as they were.
    expect(railway()).toBe(railwayBefore);
  });

  it('a --canary for a secret no tenant consumes is refused, not silently ignored (exit 2)', async () => {
    // molecule/cp/admin-api-token exists since the Gitea test above; its consumers are Railway and Gitea.
    const mark = f.sandbox.state.requests.length;
    const r = await f.molectl(
      ['--env', 'sandbox', '--yes', 'secrets', 'rotate', 'cp-admin-api-token', '--canary', 'acme'],
      { env: deployServicesEnv() },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: --canary acme names a tenant, but no consumer of this secret is on the tenants \(railway:\S+, gitea-actions-secret:\S+\); nothing was changed$/m,
    );
    expect(f.sandbox.state.requests.slice(mark)).toEqual([]);
    expect(f.sandbox.state.secrets.get('molecule/cp/admin-api-token')!.versions.map((v) => v.stages)).toEqual([
      ['AWSCURRENT'],
    ]);
  });

  it('a --canary that is not a tenant of the fleet is refused, not replaced (exit 2)', async () => {
    const before = stages();
    const r = await f.molectl([...ROTATE, '--canary', 'nobody'], { env: deployServicesEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--canary nobody is not a running tenant of this fleet; nothing was changed/);
    expect(stages()).toBe(before);
  });
});

describe(
  'a state directory that cannot take a ledger is found before anything remote (exit 3)',
  { timeout: 120_000 },
  () => {
    const RUN = '20261122T000000Z-migrate-cp-secret-apply-aaaa';
    // Past the confirmation rule (--env on the command line, --yes or --confirm): what is left to refuse is the directory.
    const SAMPLES: Record<string, () => string[]> = {
      'org create': () => ['org', 'create', 'state-dir-org', '--no-wait'],
      'org delete': () => ['org', 'delete', 'acme', '--confirm', 'acme'],
      'org gc': () => ['org', 'gc', '--prefix', 'e2e-', '--older-than', '1h', '--execute'],
      'secrets put': () => ['secrets', 'put', 'cp-shared-secret', '--value-file', join(tmp, 'value')],
      'secrets rotate': () => ['secrets', 'rotate', 'cp-shared-secret', '--soak', '0'],
      'secrets rollback': () => ['secrets', 'rollback', 'cp-shared-secret'],
      'migrate cp-secret apply': () => ['migrate', 'cp-secret', 'apply', '--soak', '0'],
      'migrate cp-secret resume': () => ['migrate', 'cp-secret', 'resume', RUN],
      'migrate cp-secret rollback': () => ['migrate', 'cp-secret', 'rollback', RUN],
      'sandbox up': () => ['sandbox', 'up', '--port', '0', '--detach'],
    };

    it('every command that changes something declares that it writes state, and this test has a sample of it', async () => {
      const writers: string[] = [];
      for (const entry of commands) {
        const definition = await entry.load();
        if (entry.safety === 'destructive' || entry.safety === 'additive')
          expect(definition.writesState, entry.name).toBeTypeOf('function');
        if (definition.writesState) writers.push(entry.name);
      }
      expect(writers.sort()).toEqual(Object.keys(SAMPLES).sort());
    });

    it.each([
      ['MOLECTL_STATE_DIR names a file', (file: string) => ({ MOLECTL_STATE_DIR: file }), /point MOLECTL_STATE_DIR at/],
      [
        'XDG_STATE_HOME names a file',
        (file: string) => ({ MOLECTL_STATE_DIR: undefined, XDG_STATE_HOME: file }),
        /point XDG_STATE_HOME \(or MOLECTL_STATE_DIR\) at/,
      ],
    ])('%s: every such command says so, sends nothing and leaves nothing', async (_label, env, hint) => {
      writeFileSync(join(tmp, 'value'), 'a-value-that-must-never-be-stored');
      const file = join(tmp, 'state-is-a-file');
      writeFileSync(file, 'not a directory\n');
      for (const name of Object.keys(SAMPLES)) {
        const mark = f.sandbox.state.requests.length;
        const r = await f.molectl(['--env', 'sandbox', '--yes', ...SAMPLES[name]!()], {
          env: { ...deployServicesEnv(), ...env(file) },
        });
        expect(r.code, `${name}: ${r.stderr}`).toBe(3);
        expect(r.stderr, name).toMatch(
          /^error: the state directory \S+ cannot be written: \S+state-is-a-file is not a directory; nothing was changed\n/,
        );
        expect(r.stderr, name).toMatch(hint);
        expect(r.stderr, name).not.toMatch(/unexpected error|\n\s+at /);
        expect(f.sandbox.state.requests.slice(mark), `${name} sent requests`).toEqual([]);
      }
      expect(readFileSync(file, 'utf8')).toBe('not a directory\n');
      rmSync(file);
    });

    it('dry runs write no state: org delete --dry-run and org gc without --execute work with the state directory a file', async () => {
      const file = join(tmp, 'state-is-a-file');
      writeFileSync(file, 'not a directory\n');
      for (const argv of [
        ['org', 'delete', 'acme', '--dry-run'],
        ['org', 'gc', '--prefix', 'e2e-', '--older-than', '1h'],
      ]) {
        const r = await f.molectl(['--env', 'sandbox', ...argv], { env: { MOLECTL_STATE_DIR: file } });
        expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(0);
        expect(r.stderr).not.toMatch(/state directory/);
      }
      expect(readFileSync(file, 'utf8')).toBe('not a directory\n');
      rmSync(file);
    });

    it('a MOLECTL_LOCK_TTL it cannot use is exit 3 before anything, not a ledger left running', async () => {
      for (const name of ['migrate cp-secret apply', 'org create']) {
        const before = ledgerCount();
        const mark = f.sandbox.state.requests.length;
        const r = await f.molectl(['--env', 'sandbox', '--yes', ...SAMPLES[name]!()], {
          env: { MOLECTL_LOCK_TTL: 'ten minutes' },
        });
        expect(r.code, `${name}: ${r.stderr}`).toBe(3);
        expect(r.stderr).toMatch(/^error: MOLECTL_LOCK_TTL "ten minutes" is not a duration between 3s and 24h$/m);
        expect(f.sandbox.state.requests.slice(mark), name).toEqual([]);
        expect(ledgerCount(), name).toBe(before);
      }
    });

    it.skipIf(process.getuid?.() === 0)('a read-only state directory is refused the same way', async () => {
      const dir = join(tmp, 'read-only-state');
      mkdirSync(dir, { mode: 0o500 });
      const mark = f.sandbox.state.requests.length;
      const r = await f.molectl(['--env', 'sandbox', '--yes', ...SAMPLES['migrate cp-secret apply']!()], {
        env: { MOLECTL_STATE_DIR: dir },
      });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/read-only-state cannot be written; nothing was changed/);
      expect(f.sandbox.state.requests.slice(mark)).toEqual([]);
      expect(readdirSync(dir)).toEqual([]);
    });
  },
);

describe("a run's ledger acts only in the environment it ran against", { timeout: 120_000 }, () => {
  it('rollback and resume of a run from another environment are exit 2, nothing sent, nothing recorded', async () => {
    const apply = await f.molectl([...APPLY, '--orgs', 'beta', '-o', 'json']);
    expect(apply.code, apply.stderr).toBe(0);
    const runId = (JSON.parse(apply.stdout) as { run: string }).run;
    const path = join(f.stateDir, 'runs', `${runId}.json`);
    // The same ledger as if the run had been against staging (as when a ledger is copied between machines).
    const ledger = JSON.parse(readFileSync(path, 'utf8')) as { status: string; environment: { name: string } };
    ledger.environment.name = 'staging';
    writeFileSync(path, JSON.stringify(ledger));
    for (const verb of ['rollback', 'resume']) {
      if (verb === 'resume') {
        ledger.status = 'interrupted';
        writeFileSync(path, JSON.stringify(ledger));
      }
      const before = ledgerCount();
      const mark = f.sandbox.state.requests.length;
      const r = await f.molectl(['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', verb, runId]);
      expect(r.code, `${verb}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(
          `^error: run ${runId} was against staging, not sandbox; nothing was changed\\nhint: add --env staging`,
        ),
      );
      expect(f.sandbox.state.requests.slice(mark), `${verb} sent requests`).toEqual([]);
      expect(ledgerCount()).toBe(before);
    }
  });

  it('so do rollback and resume pointed at another CP or AWS region than the run was (exit 2, nothing sent)', async () => {
    const apply = await f.molectl([...APPLY, '--orgs', 'gamma', '-o', 'json']);
    expect(apply.code, apply.stderr).toBe(0);
    const runId = (JSON.parse(apply.stdout) as { run: string }).run;
    const path = join(f.stateDir, 'runs', `${runId}.json`);
    const ledger = JSON.parse(readFileSync(path, 'utf8')) as {
      status: string;
      environment: { cpUrl: string; awsRegion: string };
    };
    const cases = [
      {
        // The run was made against another CP, as an exported MOLECTL_CP_URL or a --cp-url does.
        edit: () => (ledger.environment.cpUrl = 'https://staging-api.moleculesai.app'),
        error: `^error: run ${runId} was against the CP at https://staging-api\\.moleculesai\\.app, not http://127\\.0\\.0\\.1:\\d+; nothing was changed\\nhint: point --cp-url \\(or MOLECTL_CP_URL\\) at https://staging-api\\.moleculesai\\.app, or unset it, to (resume it|roll it back)`,
      },
      {
        edit: () => {
          ledger.environment.cpUrl = f.sandbox.env.MOLECTL_CP_URL!;
          ledger.environment.awsRegion = 'eu-west-1';
        },
        error: `^error: run ${runId} was in AWS region eu-west-1, not us-east-2; nothing was changed\\nhint: add --region eu-west-1 to`,
      },
    ];
    for (const { edit, error } of cases) {
      edit();
      for (const verb of ['rollback', 'resume']) {
        ledger.status = verb === 'resume' ? 'interrupted' : 'succeeded';
        writeFileSync(path, JSON.stringify(ledger));
        const before = ledgerCount();
        const mark = f.sandbox.state.requests.length;
        const r = await f.molectl(['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', verb, runId]);
        expect(r.code, `${verb}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(new RegExp(error));
        expect(f.sandbox.state.requests.slice(mark), `${verb} sent requests`).toEqual([]);
        expect(ledgerCount()).toBe(before);
      }
    }
  });
});

describe('a run id of the wrong kind', { timeout: 60_000 }, () => {
  it('resume and rollback of a run that is not an apply are both bad input (exit 2), nothing sent', async () => {
    const create = await f.molectl(['--env', 'sandbox', 'org', 'create', 'kind-check-org', '--no-wait', '-o', 'json']);
    expect(create.code, create.stderr).toBe(0);
    const runId = readdirSync(join(f.stateDir, 'runs'))
      .find((n) => n.includes('org-create'))!
      .replace(/\.json$/, '');
    for (const verb of ['resume', 'rollback']) {
      const mark = f.sandbox.state.requests.length;
      const r = await f.molectl(['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', verb, runId]);
      expect(r.code, `${verb}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^error: run ${runId} is a "org create" run`));
      expect(f.sandbox.state.requests.slice(mark)).toEqual([]);
    }
  });
});

describe(
  'a lock another run holds is found before the fleet is probed or the change confirmed',
  { timeout: 60_000 },
  () => {
    const live = (): { pid: number; stop(): void } => {
      // A live process of this host stands for the other run holding the lock.
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
      return { pid: child.pid!, stop: () => child.kill() };
    };

    it('a local lock: exit 1 naming the holder; no probe, no ledger, no lock left', async () => {
      const holder = live();
      const lockDir = join(f.stateDir, 'locks');
      mkdirSync(lockDir, { recursive: true });
      const lock = join(lockDir, 'sandbox.migrate-cp-secret.lock');
      const held = {
        pid: holder.pid,
        hostname: hostname(),
        user: 'bob',
        runId: '20261207T000000Z-migrate-cp-secret-apply-beef',
        environment: 'sandbox',
        operation: 'migrate-cp-secret',
        acquiredAt: new Date().toISOString(),
      };
      writeFileSync(lock, JSON.stringify(held));
      try {
        const before = ledgerCount();
        const mark = f.sandbox.state.requests.length;
        const r = await f.molectl(APPLY);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(
          /^error: migrate-cp-secret on sandbox is already running: the local lock is held by run 20261207T000000Z-migrate-cp-secret-apply-beef/m,
        );
        expect(f.sandbox.state.requests.slice(mark)).toEqual([]);
        expect(ledgerCount()).toBe(before);
        expect(JSON.parse(readFileSync(lock, 'utf8'))).toEqual(held);
      } finally {
        holder.stop();
        rmSync(lock, { force: true });
      }
    });

    it('a fleet lock held from another machine: exit 1 before any SendCommand, the lock left alone', async () => {
      const name = '/molectl/sandbox/locks/migrate-cp-secret';
      const value = JSON.stringify({
        owner: 'bob@elsewhere',
        runId: '20261207T000000Z-migrate-cp-secret-apply-cafe',
        operation: 'migrate-cp-secret',
        pid: 4242,
        acquiredAt: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 600_000).toISOString(),
      });
      f.sandbox.state.parameters.set(name, { name, type: 'String', value, version: 1, lastModified: new Date() });
      try {
        for (const argv of [
          APPLY,
          ['--env', 'sandbox', '--yes', 'secrets', 'rotate', 'cp-shared-secret', '--soak', '0'],
        ]) {
          const before = ledgerCount();
          const mark = f.sandbox.state.requests.length;
          const r = await f.molectl(argv, { env: deployServicesEnv() });
          expect(r.code, r.stderr).toBe(1);
          expect(r.stderr).toMatch(/is held by bob@elsewhere \(run 20261207T000000Z-migrate-cp-secret-apply-cafe/);
          const sent = f.sandbox.state.requests.slice(mark).map((q) => q.action);
          expect(sent.filter((a) => /^(SendCommand|PutParameter|PutSecretValue|DeleteParameter)$/.test(a))).toEqual([]);
          expect(ledgerCount()).toBe(before);
        }
        expect(f.sandbox.state.parameters.get(name)!.value).toBe(value);
      } finally {
        f.sandbox.state.parameters.delete(name);
      }
    });
  },
);
