import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { defaultFaults } from '../../src/sandbox/state.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// Slow and broken transport at every door (the sandbox's `wire=` fault, docs/sandbox.md): each
// call is bounded (MOLECTL_CALL_TIMEOUT, kept short here), the error is one line naming the
// service, what happened and how long it waited, with the knob in the hint; nothing is resent
// blind; no stack trace. Every run here ends in a few seconds; the time bounds asserted are
// loose (a loaded machine loads the AWS SDK slowly) but far below what each did before: for ever,
// or 80-90 s.

let f: SandboxFixture;
beforeAll(async () => {
  f = await startSandboxFixture({ tenants: 2 });
});
afterAll(() => f.stop());
beforeEach(() => {
  f.sandbox.state.faults = defaultFaults();
});

const FAST = { MOLECTL_CALL_TIMEOUT: '300ms' };

function actionsSince(mark: number, service?: string): string[] {
  return f.sandbox.state.requests
    .slice(mark)
    .filter((q) => service === undefined || q.service === service)
    .map((q) => q.action);
}

function firstInstanceId(): string {
  return [...f.sandbox.state.instances.keys()][0]!;
}

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await run();
  return { result, ms: Date.now() - started };
}

function expectOneLineError(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr.split('\n').filter((l) => l.startsWith('error: '))).toHaveLength(1);
}

describe('AWS answers that never come, stall or drip', () => {
  it.each(['hang', 'stall', 'drip'] as const)(
    'DescribeInstances that %ss ends in a bounded time with a timeout naming the call and the knob',
    async (mode) => {
      f.sandbox.state.faults.wire = { DescribeInstances: mode };
      const { result: run, ms } = await timed(() => f.molectl(['console', firstInstanceId()], { env: FAST }));
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/error: AWS ec2:DescribeInstances at \S+ did not answer within 300 ms \(5 attempts\)/);
      expect(run.stderr).toMatch(/hint: .*it waited 300 ms per attempt; set MOLECTL_CALL_TIMEOUT/);
      expect(run.stderr).not.toMatch(/@smithy|requestTimeout/);
      expectOneLineError(run.stderr);
      expect(ms).toBeLessThan(25_000);
    },
  );

  it('each timed-out attempt is told (the SDK retries silently): with --verbose when short', async () => {
    f.sandbox.state.faults.wire = { DescribeInstances: 'hang' };
    const run = await f.molectl(['-v', 'console', firstInstanceId()], { env: FAST });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('AWS DescribeInstances: no complete answer within 300 ms (attempt 1/5); trying again');
    expect(run.stderr).toMatch(/AWS DescribeInstances: no complete answer within 300 ms \(attempt 5\/5\)\n/);
    const quiet = await f.molectl(['console', firstInstanceId()], { env: FAST });
    expect(quiet.stderr).not.toContain('no complete answer within');
  });

  it('an AWS answer without end is cut at 32 MiB, not read into memory whole', async () => {
    f.sandbox.state.faults.wire = { DescribeInstances: 'huge' };
    const run = await f.molectl(['console', firstInstanceId()], { env: FAST });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      /error: AWS ec2:DescribeInstances at \S+ \(AWS_ENDPOINT_URL\) answered more than 32 MiB; molectl stopped reading it/,
    );
    expectOneLineError(run.stderr);
  });

  it('an AWS answer cut short is said as such, not as "cannot reach"', async () => {
    f.sandbox.state.faults.wire = { DescribeInstances: 'truncate' };
    const run = await f.molectl(['console', firstInstanceId()], { env: FAST });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      /error: the connection to AWS ec2 at \S+ broke while it was sending its answer to DescribeInstances \(\w+, 5 attempts\)/,
    );
    expectOneLineError(run.stderr);
  });

  it('Ctrl-C during a hung AWS call ends at once with 130', async () => {
    f.sandbox.state.faults.wire = { aws: 'hang' };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    const { result: run, ms } = await timed(() =>
      f.molectl(['console', firstInstanceId()], { signal: controller.signal }),
    );
    expect(run.code, run.stderr).toBe(130);
    expect(ms).toBeLessThan(10_000);
    expectOneLineError(run.stderr);
  });

  it('a SendCommand whose answer never comes is not sent again, and its outcome is called unknown', async () => {
    f.sandbox.state.faults.wire = { SendCommand: 'hang' };
    const mark = f.sandbox.state.requests.length;
    const run = await f.molectl(['logs', [...f.sandbox.state.orgs.keys()][0]!], { env: FAST });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      /ssm:SendCommand to \S+ got no answer within 300 ms \(timeout\); AWS may have acted on it/,
    );
    expect(actionsSince(mark, 'ssm').filter((a) => a === 'SendCommand')).toHaveLength(1);
    expectOneLineError(run.stderr);
  });
});

describe('CP answers that stall, stop short, never end, or ask for hours', () => {
  it('a stalled answer times out per attempt, is retried (a GET), and the hint names MOLECTL_CALL_TIMEOUT', async () => {
    f.sandbox.state.faults.wire = { cp: 'stall' };
    const mark = f.sandbox.state.requests.length;
    const { result: run, ms } = await timed(() => f.molectl(['org', 'list'], { env: FAST }));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/error: GET \S+\/cp\/admin\/orgs timed out after 300 ms \(gave up after 4 attempts\)/);
    expect(run.stderr).toMatch(/hint: .*it waited 300 ms per attempt; set MOLECTL_CALL_TIMEOUT/);
    expect(actionsSince(mark, 'cp').filter((a) => a.startsWith('GET /cp/admin/orgs'))).toHaveLength(4);
    expectOneLineError(run.stderr);
    expect(ms).toBeLessThan(25_000);
  });

  it('an answer cut short of its Content-Length is said as such, not as "could not reach"', async () => {
    f.sandbox.state.faults.wire = { cp: 'truncate' };
    const run = await f.molectl(['org', 'list'], { env: FAST });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /error: GET \S+\/cp\/admin\/orgs: the connection broke while \S+ was sending its answer \(\w+\) \(gave up after 4 attempts\)/,
    );
    expect(run.stderr).not.toMatch(/could not reach/);
    expectOneLineError(run.stderr);
  });

  it('an answer without end is cut at the cap', async () => {
    f.sandbox.state.faults.wire = { cp: 'huge' };
    const run = await f.molectl(['org', 'list'], { env: FAST });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the response body is larger than the \d+ KiB cap; molectl stopped reading it/);
    expectOneLineError(run.stderr);
  });

  it('a 503 maintenance page asking to come back in 2 hours is not retried sooner; the hint says when', async () => {
    f.sandbox.state.faults.flags['cpOutage'] = 7200;
    const mark = f.sandbox.state.requests.length;
    const { result: run, ms } = await timed(() => f.molectl(['org', 'list']));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: GET \S+\/cp\/admin\/orgs answered HTTP 503\n/);
    expect(run.stderr).toMatch(
      /hint: the CP at \S+ failed or is overloaded; try again in 2 h or later, as it asked \(Retry-After: 7200\)/,
    );
    expect(run.stderr).not.toMatch(/<html|retrying/i);
    expect(actionsSince(mark, 'cp')).toHaveLength(1);
    expect(ms).toBeLessThan(10_000);
  });

  it('Ctrl-C during a hung CP call ends at once with 130', async () => {
    f.sandbox.state.faults.wire = { cp: 'hang' };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    const { result: run, ms } = await timed(() => f.molectl(['org', 'list'], { signal: controller.signal }));
    expect(run.code, run.stderr).toBe(130);
    expect(ms).toBeLessThan(10_000);
    expectOneLineError(run.stderr);
  });

  it('a create whose answer hangs is sent once and called unknown, and the org was in fact created', async () => {
    f.sandbox.state.faults.wire = { 'cp:POST': 'hang' };
    const mark = f.sandbox.state.requests.length;
    const run = await f.molectl(['org', 'create', 'slow-answer', '--no-wait'], { env: FAST });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/POST \S+\/cp\/admin\/orgs timed out after 300 ms; the outcome is unknown/);
    expect(actionsSince(mark, 'cp').filter((a) => a === 'POST /cp/admin/orgs')).toHaveLength(1);
    expect(f.sandbox.state.orgs.has('slow-answer')).toBe(true);
    expectOneLineError(run.stderr);
  });
});

describe('verify against a CP whose answers stall', () => {
  it('built-in checks fail (never pass) within the call timeout, with the knob in "What to do"', async () => {
    f.sandbox.state.faults.wire = { cp: 'stall' };
    const { result: run, ms } = await timed(() => f.molectl(['verify'], { env: FAST }));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /cp-health\s+fail\s+\S+\s+GET \S+\/health timed out after 300 ms \(gave up after 4 attempts\)/,
    );
    expect(run.stdout).not.toMatch(/\bpass\b/);
    expect(run.stderr).toMatch(/✖ cp-health: .*set MOLECTL_CALL_TIMEOUT/);
    expect(ms).toBeLessThan(25_000);
  });

  it('a checklist check that times out names its own `timeout:` as the knob', async () => {
    f.sandbox.state.faults.wire = { cp: 'stall' };
    const dir = mkdtempSync(join(tmpdir(), 'molectl-slow-'));
    const file = join(dir, 'checklist.yaml');
    writeFileSync(
      file,
      'version: 1\nbuiltins: none\nchecks:\n  - id: cp-up\n    request: { url: "${CP_URL}/health", timeout: 300ms }\n    conditions:\n      - "[STATUS] == 200"\n',
    );
    try {
      const run = await f.molectl(['verify', '--checklist', file]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/cp-up\s+fail\s+\S+\s+GET \S+\/health timed out after 300 ms/);
      expect(run.stderr).toMatch(/✖ cp-up: .*raise this check's `timeout:` in the checklist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('MOLECTL_CALL_TIMEOUT', () => {
  it('refuses a value that is not a duration in bounds, before anything is sent (exit 3)', async () => {
    const mark = f.sandbox.state.requests.length;
    for (const value of ['soon', '0', '5h']) {
      const run = await f.molectl(['org', 'list'], { env: { MOLECTL_CALL_TIMEOUT: value } });
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(`MOLECTL_CALL_TIMEOUT "${value}" is not a duration between 100 ms and 1h`);
    }
    expect(actionsSince(mark)).toEqual([]);
  });
});

describe('a secret rotation whose PutSecretValue answer never comes', () => {
  let g: SandboxFixture;
  const ADMIN_ID = 'molecule/cp/admin-api-token';
  const ROTATE = ['--env', 'sandbox', '--yes', 'secrets', 'rotate', 'cp-admin-api-token', '--soak', '0'];
  beforeAll(async () => {
    g = await startSandboxFixture({ tenants: 1 });
    const { createSecret } = await import('../../src/sandbox/aws/secrets-store.js');
    createSecret(g.sandbox.state, ADMIN_ID, g.sandbox.state.cpAdminToken);
  });
  afterAll(() => g.stop());

  it('fails naming the timeout and how to go on; --resume then finishes with the version it created', async () => {
    const env = { ...deployServicesEnv(), ...FAST };
    g.sandbox.state.faults.wire = { PutSecretValue: 'hang' };
    const run = await g.molectl(ROTATE, { env });
    g.sandbox.state.faults.wire = {};
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /error: AWS secretsmanager:PutSecretValue at \S+ did not answer within 300 ms \(5 attempts\)/,
    );
    expect(run.stderr).toMatch(
      /hint: .*may have created the new version .*molectl secrets rotate cp-admin-api-token --resume.*--abort-pending/,
    );
    // One new version, however many times the SDK sent it (the run id is its ClientRequestToken).
    expect(g.sandbox.state.secrets.get(ADMIN_ID)!.versions).toHaveLength(2);
    expectOneLineError(run.stderr);

    const resumed = await g.molectl([...ROTATE, '--resume'], { env: deployServicesEnv() });
    expect(resumed.code, resumed.stderr).toBe(0);
    const versions = g.sandbox.state.secrets.get(ADMIN_ID)!.versions;
    expect(versions).toHaveLength(2);
    expect(versions.find((v) => v.stages.includes('AWSCURRENT'))!.value).toBe(g.sandbox.state.cpAdminToken);
  });
});
