import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsApi } from '../../src/lib/aws/aws-types.js';
import { fingerprintOf } from '../../src/lib/output/fingerprint.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { runCli } from '../helpers/run-cli.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';
import { spawnCli } from '../helpers/spawn-cli.js';
import { createFakeParameterStore } from '../lib/runs/fake-parameter-store.js';

// `secrets put` against the sandbox's Secrets Manager.

function stages(state: SandboxState, name: string): Array<{ value: string; stages: string[] }> {
  return state.secrets.get(name)?.versions.map((v) => ({ value: v.value, stages: [...v.stages] })) ?? [];
}

function ledgerText(stateDir: string): string {
  const dir = join(stateDir, 'runs');
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

describe('secrets put', () => {
  let f: SandboxFixture;
  let dir: string;
  const file = (name: string, content: string | Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 1 });
    dir = mkdtempSync(join(tmpdir(), 'molectl-put-'));
  });
  afterAll(async () => {
    await f.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an empty file and a file holding only a newline, changing nothing (exit 2)', async () => {
    for (const content of ['', '\n', '\r\n']) {
      const r = await f.molectl([
        '--env',
        'sandbox',
        '--yes',
        'secrets',
        'put',
        'cp-admin-api-token',
        '--value-file',
        file('empty', content),
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('empty');
    }
    expect(f.sandbox.state.secrets.has('molecule/cp/admin-api-token')).toBe(false);
  });

  it('has no flag that takes the value itself', async () => {
    const r = await f.molectl(['--env', 'sandbox', '--yes', 'secrets', 'put', 'cp-admin-api-token', '--value', 'x']);
    expect(r.code).toBe(2);
    expect(f.sandbox.state.secrets.has('molecule/cp/admin-api-token')).toBe(false);
  });

  it('creates a missing secret from a multi-line file, dropping exactly one trailing newline and saying so', async () => {
    const r = await f.molectl([
      '--env',
      'sandbox',
      '--yes',
      'secrets',
      'put',
      'cp-admin-api-token',
      '--value-file',
      file('multi', 'line one\nline two\n\n'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('dropped one trailing newline');
    expect(stages(f.sandbox.state, 'molecule/cp/admin-api-token')).toEqual([
      { value: 'line one\nline two\n', stages: ['AWSCURRENT'] },
    ]);
    expect(r.stdout).toContain(fingerprintOf('line one\nline two\n'));
    expect(r.stdout).toContain('read back and matched');
    expect(r.stdout + r.stderr).not.toContain('line one');
  });

  it('keeps a value without a trailing newline as it is, and says nothing about newlines', async () => {
    const r = await f.molectl([
      '--env',
      'sandbox',
      '--yes',
      'secrets',
      'put',
      'cp-admin-api-token',
      '--value-file',
      file('plain', 'a\r\nb'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('newline');
    expect(
      stages(f.sandbox.state, 'molecule/cp/admin-api-token').find((v) => v.stages.includes('AWSCURRENT'))!.value,
    ).toBe('a\r\nb');
  });

  it('needs a confirmation: without a terminal and without --env X --yes it exits 2 before any remote call', async () => {
    const before = stages(f.sandbox.state, 'molecule/cp/provision-shared-secret');
    const mark = f.sandbox.state.requests.length;
    for (const argv of [
      ['secrets', 'put'],
      ['--yes', 'secrets', 'put'],
    ]) {
      const r = await f.molectl([...argv, 'cp-shared-secret', '--value-file', file('v', 'another-value-1234')]);
      expect(r.code).toBe(2);
    }
    expect(f.sandbox.state.requests.slice(mark)).toEqual([]);
    expect(stages(f.sandbox.state, 'molecule/cp/provision-shared-secret')).toEqual(before);
  });

  it('a sentinel value appears only in the request that stores it: not in output, ledger or any other request', async () => {
    const sentinel = `SENTINEL${Date.now()}x7q`;
    const requestsBefore = f.sandbox.state.requests.length;
    const argv = [
      '--env',
      'sandbox',
      '--yes',
      'secrets',
      'put',
      'cp-shared-secret',
      '--value-file',
      file('sentinel', `${sentinel}\n`),
    ];
    const r = await f.molectl(argv);
    expect(r.code).toBe(0);
    const versions = stages(f.sandbox.state, 'molecule/cp/provision-shared-secret');
    expect(versions.find((v) => v.stages.includes('AWSCURRENT'))!.value).toBe(sentinel);
    expect(versions.find((v) => v.stages.includes('AWSPREVIOUS'))).toBeDefined();
    expect(r.stdout + r.stderr).not.toContain(sentinel);
    expect(argv.join(' ')).not.toContain(sentinel);
    expect(ledgerText(f.stateDir)).not.toContain(sentinel);
    const carrying = f.sandbox.state.requests
      .slice(requestsBefore)
      .filter((q) => q.body.includes(sentinel) || JSON.stringify(q.headers).includes(sentinel));
    expect(carrying.map((q) => q.action)).toEqual(['PutSecretValue']);
  });

  it('reads the value from stdin with --value-file - (as a process)', async () => {
    const sentinel = `STDIN${Date.now()}k2`;
    const r = await spawnCli(
      ['--env', 'sandbox', '--yes', 'secrets', 'put', 'cp-shared-secret', '--value-file', '-'],
      f.env,
      `${sentinel}\n`,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('dropped one trailing newline from stdin');
    expect(
      stages(f.sandbox.state, 'molecule/cp/provision-shared-secret').find((v) => v.stages.includes('AWSCURRENT'))!
        .value,
    ).toBe(sentinel);
    expect(r.stdout + r.stderr).not.toContain(sentinel);
  });

  it('refuses while a rotation is pending (AWSPENDING exists), changing nothing', async () => {
    const secret = f.sandbox.state.secrets.get('molecule/cp/admin-api-token')!;
    secret.versions.push({
      versionId: 'pending-version-0000000000000000000',
      value: 'pending',
      stages: ['AWSPENDING'],
      createdAt: new Date(),
      clientRequestToken: null,
    });
    const r = await f.molectl([
      '--env',
      'sandbox',
      '--yes',
      'secrets',
      'put',
      'cp-admin-api-token',
      '--value-file',
      file('p', 'x'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--abort-pending');
    secret.versions.pop();
  });
});

describe('secrets put read-back', () => {
  it('exits 1 when the value read back does not match what was sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'molectl-put-'));
    const path = join(dir, 'v');
    writeFileSync(path, 'the-value-sent');
    const fake: Partial<AwsApi> = {
      // The run's lock (secrets-cp-shared-secret) lives in Parameter Store.
      ...createFakeParameterStore(),
      callerIdentity: async () => ({ account: '111122223333', arn: 'arn', userId: 'u', region: 'us-east-2' }),
      resolvedRegion: async () => 'us-east-2',
      describeSecret: async () => ({
        arn: 'arn:s',
        name: 's',
        description: null,
        lastChangedAt: null,
        versions: [{ versionId: 'v1', stages: ['AWSCURRENT'], createdAt: null }],
      }),
      putSecretValue: async () => ({ versionId: 'v2', stages: ['AWSCURRENT'] }),
      getSecretValue: async () => ({
        arn: 'arn:s',
        name: 's',
        versionId: 'v2',
        stages: ['AWSCURRENT'],
        value: 'something-else',
      }),
    };
    const r = await runCli(['--env', 'sandbox', '--yes', 'secrets', 'put', 'cp-shared-secret', '--value-file', path], {
      env: { MOLECTL_STATE_DIR: dir },
      overrides: { aws: fake },
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout, r.stderr).toContain(`but sent len=14 ${fingerprintOf('the-value-sent')}`);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('secrets put against a Secrets Manager that answers a write without a VersionId', () => {
  it.each([
    ['PutSecretValue', true],
    ['CreateSecret', false],
  ])('%s without a VersionId is exit 1 naming the answer', async (operation, exists) => {
    const f = await startSandboxFixture({ tenants: 1, faults: 'write-version-id=omitted' });
    const dir = mkdtempSync(join(tmpdir(), 'molectl-put-'));
    try {
      const id = exists ? 'molecule/cp/provision-shared-secret' : 'molecule/cp/admin-api-token';
      const name = exists ? 'cp-shared-secret' : 'cp-admin-api-token';
      const path = join(dir, 'v');
      writeFileSync(path, 'a-value-stored-without-an-id-0123456789');
      const r = await f.molectl(['--env', 'sandbox', '--yes', 'secrets', 'put', name, '--value-file', path]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`Secrets Manager answered ${operation} for ${id} without a VersionId`);
      expect(r.stderr).toContain(`molectl secrets status ${name}`);
      expect(ledgerText(f.stateDir)).toContain('"outcome":"no-version-id"');
    } finally {
      await f.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
