import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// The SDK sends one service's calls to AWS_ENDPOINT_URL_<SERVICE> before AWS_ENDPOINT_URL (an
// emulator for one service, a VPC endpoint): molectl reads the same variables, so that its
// messages name where a call went, and an exported one is an override under --env.

let f: SandboxFixture;
beforeAll(async () => {
  f = await startSandboxFixture({ tenants: 2, preCutover: 1 });
});
afterAll(() => f.stop());

/** A loopback port nothing listens on. */
const NOWHERE = 'http://127.0.0.1:9';

describe("AWS_ENDPOINT_URL_<SERVICE>: one service's endpoint", { timeout: 60_000 }, () => {
  it("each service's own variable wins over AWS_ENDPOINT_URL", async () => {
    const run = await f.molectl(['migrate', 'cp-secret', 'plan', '-o', 'json'], {
      env: {
        AWS_ENDPOINT_URL: NOWHERE,
        AWS_ENDPOINT_URL_EC2: f.sandbox.url,
        AWS_ENDPOINT_URL_SSM: f.sandbox.url,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: f.sandbox.url,
        AWS_ENDPOINT_URL_STS: f.sandbox.url,
      },
    });
    expect(run.code, run.stderr).toBe(0);
    // STS, Secrets Manager, EC2 and SSM all answered at the sandbox, none at AWS_ENDPOINT_URL.
    const plan = JSON.parse(run.stdout) as { environment: { awsAccount: string }; targets: unknown[] };
    expect(plan.environment.awsAccount).toBe('111122223333');
    expect(plan.targets).toHaveLength(2);
  });

  it('a call that cannot reach its service names the variable that sent it there', async () => {
    const run = await f.molectl(['migrate', 'cp-secret', 'plan'], { env: { AWS_ENDPOINT_URL_SSM: NOWHERE } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: cannot reach AWS ssm at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
    expect(run.stderr).toMatch(/hint: .*AWS_ENDPOINT_URL_SSM, which sends the calls there/);
  });

  it('under --env production, an exported one is named: a warning when reading, a refusal when changing', async () => {
    const env = { MOLECTL_CP_URL: undefined, AWS_ENDPOINT_URL: undefined, AWS_ENDPOINT_URL_SSM: f.sandbox.url };
    const read = await f.molectl(['--env', 'production', 'config', 'show'], { env });
    expect(read.code).toBe(0);
    expect(read.stderr).toMatch(
      /warning: AWS_ENDPOINT_URL_SSM \(exported\) sends ssm calls to http:\/\/127\.0\.0\.1:\d+, not to production's AWS/,
    );
    const mark = f.sandbox.state.requests.length;
    const change = await f.molectl(['--env', 'production', '--yes', 'migrate', 'cp-secret', 'apply'], { env });
    expect(change.code).toBe(2);
    expect(change.stderr).toMatch(
      /error: --env production was asked for, but AWS_ENDPOINT_URL_SSM \(exported\) sends ssm calls to .*; nothing was changed/,
    );
    expect(f.sandbox.state.requests.slice(mark)).toEqual([]);
  });

  it('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true: the exported endpoints are not overrides, as the SDK does not use them', async () => {
    const run = await f.molectl(['--env', 'production', 'config', 'show'], {
      env: {
        MOLECTL_CP_URL: undefined,
        AWS_ENDPOINT_URL: f.sandbox.url,
        AWS_ENDPOINT_URL_SSM: f.sandbox.url,
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
      },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/AWS_ENDPOINT_URL/);
  });

  it('config show says where AWS calls go: one row when all go to one place, a row a service when they differ', async () => {
    type Row = { key: string; value: string; source: string; origin: string };
    const rows = async (env: NodeJS.ProcessEnv) => {
      const run = await f.molectl(['config', 'show', '-o', 'json'], { env });
      expect(run.code, run.stderr).toBe(0);
      return (JSON.parse(run.stdout) as { settings: Row[] }).settings.filter((r) => r.key.startsWith('awsEndpoint'));
    };
    expect(await rows({})).toEqual([
      { key: 'awsEndpoint', value: f.sandbox.url, source: 'aws-env', origin: 'AWS_ENDPOINT_URL' },
    ]);
    const split = await rows({ AWS_ENDPOINT_URL: undefined, AWS_ENDPOINT_URL_SSM: NOWHERE });
    expect(split.map((r) => [r.key, r.value])).toEqual([
      ['awsEndpoint.ec2', "(AWS's own, by region)"],
      ['awsEndpoint.ssm', NOWHERE],
      ['awsEndpoint.secretsmanager', "(AWS's own, by region)"],
      ['awsEndpoint.sts', "(AWS's own, by region)"],
    ]);
    expect(split[1]).toMatchObject({ source: 'aws-env', origin: 'AWS_ENDPOINT_URL_SSM' });
  });
});
