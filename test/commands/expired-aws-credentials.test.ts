import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

/**
 * Expired AWS session credentials (the sandbox refuses every AWS call as the real services do:
 * ExpiredToken, ExpiredTokenException, EC2's RequestExpired). Every command of the AWS areas
 * must say so (exit 3, a hint to refresh them) before it changes anything anywhere.
 */

const MUTATING_AWS = new Set([
  'SendCommand',
  'CancelCommand',
  'PutParameter',
  'DeleteParameter',
  'PutSecretValue',
  'CreateSecret',
  'UpdateSecretVersionStage',
]);

describe('expired AWS credentials', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 2 });
    f.sandbox.state.faults.awsCredentials = 'expired';
  });
  afterAll(() => f.stop());

  it.each([
    ['console', ['console', 'acme']],
    ['logs', ['logs', 'acme']],
    ['fleet audit', ['fleet', 'audit']],
    ['migrate plan', ['migrate', 'cp-secret', 'plan']],
    ['migrate apply', ['migrate', 'cp-secret', 'apply', '--yes', '--soak', '0']],
    ['secrets status', ['secrets', 'status', 'cp-shared-secret']],
    ['secrets rotate', ['--yes', 'secrets', 'rotate', 'cp-shared-secret', '--soak', '0']],
    ['secrets rollback', ['--yes', 'secrets', 'rollback', 'cp-shared-secret', '--soak', '0']],
    ['secrets put', ['--yes', 'secrets', 'put', 'cp-shared-secret', '--value-file', 'VALUE']],
  ])('%s: exit 3, says the credentials expired, changes nothing', async (_name, argv) => {
    const valueFile = join(f.stateDir, 'value.txt');
    writeFileSync(valueFile, 'a-new-value-for-the-secret-0123456789');
    const { state } = f.sandbox;
    const mark = state.requests.length;
    const r = await f.molectl(['--env', 'sandbox', ...argv.map((a) => (a === 'VALUE' ? valueFile : a))], {
      env: deployServicesEnv(),
    });
    const sent = state.requests.slice(mark);
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 3 });
    // The credentials first, whichever service answered (EC2 says RequestExpired, not ExpiredToken).
    expect(r.stderr).toMatch(/^error: .*the AWS credentials have (most likely )?expired/m);
    expect(r.stderr).toMatch(/^hint: run `aws sso login/m);
    expect(sent.filter((q) => q.service !== 'cp' && q.service !== 'sts' && MUTATING_AWS.has(q.action))).toEqual([]);
    // Nor anywhere else: the CP and the deploy services were at most read (Railway reads are
    // GraphQL queries, its changes mutations).
    const elsewhere = sent.filter((q) => !['ec2', 'ssm', 'secretsmanager', 'sts'].includes(q.service));
    expect(
      elsewhere
        .filter((q) => !/^GET /.test(q.action) && !(q.service === 'railway' && !/\bmutation\b/.test(q.body)))
        .map((q) => `${q.service} ${q.action}`),
    ).toEqual([]);
  });
});
