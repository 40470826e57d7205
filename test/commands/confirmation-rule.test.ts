import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/index.js';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// Issue 13: one confirmation rule for every destructive or fleet-wide command, held by the
// registry: a new destructive command must declare its confirmation and get a sample here.

let f: SandboxFixture;
let tmp: string;
beforeAll(async () => {
  f = await startSandboxFixture({ tenants: 2, preCutover: 2 });
  tmp = mkdtempSync(join(tmpdir(), 'molectl-confirm-'));
  writeFileSync(join(tmp, 'value'), 'a-value-that-must-never-be-stored');
});
afterAll(async () => {
  await f.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const RUN = '20261122T000000Z-migrate-cp-secret-apply-aaaa';
const SAMPLES: Record<string, () => string[]> = {
  'org delete': () => ['org', 'delete', 'acme'],
  'org gc': () => ['org', 'gc', '--prefix', 'e2e-', '--older-than', '1h', '--execute'],
  'secrets put': () => ['secrets', 'put', 'cp-shared-secret', '--value-file', join(tmp, 'value')],
  'secrets rotate': () => ['secrets', 'rotate', 'cp-shared-secret'],
  'secrets rollback': () => ['secrets', 'rollback', 'cp-shared-secret'],
  'migrate cp-secret apply': () => ['migrate', 'cp-secret', 'apply'],
  'migrate cp-secret resume': () => ['migrate', 'cp-secret', 'resume', RUN],
  'migrate cp-secret rollback': () => ['migrate', 'cp-secret', 'rollback', RUN],
};

describe('the confirmation rule, for every destructive command in the registry', { timeout: 120_000 }, () => {
  const destructive = commands.filter((c) => c.safety === 'destructive');

  it('every destructive command declares how it is confirmed, and this test has a sample of it', async () => {
    expect(destructive.map((c) => c.name).sort()).toEqual(Object.keys(SAMPLES).sort());
    for (const entry of destructive) expect((await entry.load()).confirmation, entry.name).toBeTypeOf('function');
  });

  it('without a terminal: no confirmation, or --yes/--confirm with the environment from MOLECTL_ENV, is exit 2 before any remote call', async () => {
    for (const entry of destructive) {
      const argv = SAMPLES[entry.name]!();
      const confirmFlag = entry.name === 'org delete' ? ['--confirm', 'acme'] : [];
      for (const extra of [[], ['--yes'], confirmFlag]) {
        const mark = f.sandbox.state.requests.length;
        // The fixture exports MOLECTL_ENV=sandbox: the environment is not on this command line.
        const run = await f.molectl([
          ...extra.filter((e) => e === '--yes'),
          ...argv,
          ...extra.filter((e) => e !== '--yes'),
        ]);
        expect(run.code, `${entry.name} ${extra.join(' ')}: ${run.stderr}`).toBe(2);
        expect(run.stderr, entry.name).toMatch(/nothing was changed|nothing was deleted/);
        expect(f.sandbox.state.requests.slice(mark), `${entry.name} ${extra.join(' ')} sent requests`).toEqual([]);
      }
    }
  });
});

describe('the environment names its targets together', { timeout: 60_000 }, () => {
  const elsewhere = () => ({ MOLECTL_CP_URL: f.sandbox.url, AWS_ENDPOINT_URL: f.sandbox.url });

  it('a read-only command with --env production and exported sandbox overrides says so, and goes on', async () => {
    const run = await f.molectl(['--env', 'production', 'config', 'show'], { env: elsewhere() });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /warning: MOLECTL_CP_URL \(exported\) points the CP at http:\/\/127\.0\.0\.1:\d+, not production's https:\/\/api\.moleculesai\.app/,
    );
    expect(run.stderr).toMatch(
      /warning: AWS_ENDPOINT_URL \(exported\) sends every AWS call to http:\/\/127\.0\.0\.1:\d+, not to production's AWS/,
    );
  });

  it('a destructive command refuses it (exit 2) before any remote call, even with --yes', async () => {
    const mark = f.sandbox.state.requests.length;
    const run = await f.molectl(['--env', 'production', '--yes', 'migrate', 'cp-secret', 'apply'], {
      env: elsewhere(),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /error: --env production was asked for, but MOLECTL_CP_URL \(exported\) points the CP at .*; and AWS_ENDPOINT_URL \(exported\) sends every AWS call to .*; nothing was changed/,
    );
    expect(run.stderr).toMatch(/hint: unset the exported override/);
    expect(f.sandbox.state.requests.slice(mark)).toEqual([]);
  });

  it("the sandbox's stand-in tokens left exported are named too: a warning when reading, a refusal when changing", async () => {
    const read = await f.molectl(['--env', 'production', 'config', 'show'], { env: deployServicesEnv() });
    expect(read.code).toBe(0);
    for (const name of ['RAILWAY_TOKEN', 'VERCEL_TOKEN', 'GITEA_TOKEN'])
      expect(read.stderr).toContain(`warning: ${name} (exported) is the sandbox's stand-in, not production's`);
    const mark = f.sandbox.state.requests.length;
    const change = await f.molectl(['--env', 'production', '--yes', 'secrets', 'rotate', 'cp-shared-secret'], {
      env: deployServicesEnv(),
    });
    expect(change.code).toBe(2);
    expect(change.stderr).toMatch(
      /RAILWAY_TOKEN \(exported\) is the sandbox's stand-in, not production's.*; nothing was changed/,
    );
    expect(change.stderr).toMatch(
      /hint: unset the exported override \(`eval "\$\(molectl sandbox down\)"` prints the unsets\)/,
    );
    expect(f.sandbox.state.requests.slice(mark)).toEqual([]);
  });

  it("the sandbox environment's own exports are not overrides", async () => {
    const run = await f.molectl(['--env', 'sandbox', 'config', 'show'], { env: deployServicesEnv() });
    expect(run.stderr).not.toMatch(/exported/);
  });
});
