import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
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

  it('a --canary that is not a tenant of the fleet is refused, not replaced (exit 2)', async () => {
    const before = stages();
    const r = await f.molectl([...ROTATE, '--canary', 'nobody'], { env: deployServicesEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--canary nobody is not a running tenant of this fleet; nothing was changed/);
    expect(stages()).toBe(before);
  });
});
