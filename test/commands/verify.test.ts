import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  deployServicesEnv,
  SANDBOX_REGISTRY_TOKEN,
  sandboxDeployCommit,
} from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { runCli } from '../helpers/run-cli.js';

let sandbox: Sandbox;
let tmp: string;
let commit: string;

const ALL_IDS = [
  'cp-deploy',
  'cp-health',
  'cp-provision-gated',
  'cp-admin-gated',
  'cp-instance-no-secret',
  'image-published',
  'canvas-deploy',
  'tenant-health',
];

beforeAll(async () => {
  sandbox = await startSandbox({ tenants: 2, speed: 'fast' });
  tmp = mkdtempSync(join(tmpdir(), 'molectl-verify-'));
  commit = sandboxDeployCommit(sandbox.state);
});

afterAll(async () => {
  await sandbox.stop();
  rmSync(tmp, { recursive: true, force: true });
});

afterEach(() => {
  sandbox.state.faults.flags = {};
});

function verify(args: string[], extraEnv: Record<string, string> = {}) {
  return runCli(['verify', ...args], {
    env: { ...sandbox.env, ...deployServicesEnv(), MOLECTL_STATE_DIR: tmp, ...extraEnv },
  });
}

const stripAnsi = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '');

function json(stdout: string) {
  return JSON.parse(stdout) as {
    schemaVersion: number;
    ok: boolean;
    summary: Record<string, number>;
    checks: Array<{ id: string; status: string; detail: string; hint?: string; attempts: number }>;
  };
}

describe('molectl verify against the sandbox', () => {
  it('passes every built-in check against a healthy sandbox', async () => {
    const run = await verify(['--expect-commit', commit, '--canary', 'acme', 'beta', '-o', 'json']);
    const doc = json(run.stdout);
    expect(doc.checks.map((c) => [c.id, c.status])).toEqual(ALL_IDS.map((id) => [id, 'pass']));
    expect(doc).toMatchObject({ schemaVersion: 1, ok: true, summary: { total: 8, passed: 8, failed: 0, skipped: 0 } });
    expect(run.code).toBe(0);
  });

  it('prints a text table with one row per check and exits 0', async () => {
    const run = await verify(['--expect-commit', commit, '--canary', 'acme']);
    expect(run.code).toBe(0);
    for (const id of ALL_IDS) expect(run.stdout).toMatch(new RegExp(`^${id}\\s+pass`, 'm'));
    expect(run.stdout).toContain('OK: 8 passed, 0 failed, 0 skipped');
  });

  it('skips, naming the missing input, and --strict turns skips into failures', async () => {
    const env = { RAILWAY_TOKEN: '', VERCEL_TOKEN: '' };
    const loose = await verify(['-o', 'json'], env);
    const doc = json(loose.stdout);
    const byId = Object.fromEntries(doc.checks.map((c) => [c.id, c]));
    expect(byId['cp-deploy']).toMatchObject({ status: 'skip', detail: 'RAILWAY_TOKEN is not set' });
    expect(byId['canvas-deploy']).toMatchObject({ status: 'skip', detail: 'VERCEL_TOKEN is not set' });
    expect(byId['image-published']).toMatchObject({ status: 'skip', detail: 'no commit to look for' });
    expect(byId['tenant-health']!.hint).toContain('--canary');
    expect(loose.code).toBe(0);

    const strict = await verify(['-o', 'json', '--strict'], env);
    expect(json(strict.stdout).summary).toMatchObject({ failed: 5, skipped: 0 });
    expect(strict.code).toBe(1);
  });

  describe('a pass with skips is not a clean pass (issue 19, item 4)', () => {
    const absent = { RAILWAY_TOKEN: '', VERCEL_TOKEN: '' };
    const SKIPPED = 'cp-deploy, cp-instance-no-secret, image-published, canvas-deploy, tenant-health';

    it('text: "passed, 5 skipped (credentials or inputs absent: ...)", no green mark, the hints and --strict on stderr', async () => {
      const run = await verify([], { ...absent, FORCE_COLOR: '1' });
      expect(run.code).toBe(0);
      const verdict = run.stdout.trimEnd().split('\n').at(-1)!;
      expect(verdict).toContain(
        `passed, 5 skipped (credentials or inputs absent: ${SKIPPED}): 3 passed, 0 failed, 5 skipped in `,
      );
      expect(verdict).not.toMatch(/OK:|✅|✔/);
      // Coloured as a warning (yellow), never as a pass (green).
      expect(verdict).toMatch(/^\u001b\[33m/);
      expect(verdict).not.toContain('\u001b[32m');
      // What to do is a hint: stderr, not the result.
      expect(run.stdout).not.toContain('What to do');
      const stderr = stripAnsi(run.stderr);
      expect(stderr).toContain('What to do:\n  - cp-deploy: export RAILWAY_TOKEN');
      expect(stderr).toContain('hint: --strict counts a skipped check as a failure (exit 1)');
    });

    it('JSON carries the outcome; -q keeps only the result', async () => {
      const run = await verify(['-o', 'json', '-q'], absent);
      expect(run.code).toBe(0);
      expect(json(run.stdout)).toMatchObject({ ok: true, outcome: 'passed-with-skips' });
      expect(run.stderr).toBe('');
    });

    it('Markdown and JUnit say the same: an amber mark and the skipped checks, an outcome property', async () => {
      const md = await verify(['-o', 'markdown'], absent);
      expect(md.stdout).toContain(
        `## molectl verify: ⚠️ passed, 5 skipped (credentials or inputs absent: ${SKIPPED}) (sandbox)`,
      );
      expect(md.stdout).not.toContain('✅ passed');
      expect(md.stdout).toContain('--strict counts a skipped check as a failure');
      const junit = await verify(['-o', 'junit'], absent);
      const suite = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(junit.stdout).testsuites
        .testsuite;
      const props = suite.properties.property as Array<{ name: string; value: string }>;
      expect(props.find((p) => p.name === 'outcome')?.value).toBe(
        `passed, 5 skipped (credentials or inputs absent: ${SKIPPED})`,
      );
      const skippedCase = suite.testcase.find((c: { name: string }) => c.name === 'cp-deploy');
      expect(skippedCase.skipped.message).toBe('RAILWAY_TOKEN is not set');
      expect(skippedCase.skipped['#text']).toContain('hint: export RAILWAY_TOKEN');
    });

    it('a clean pass stays "OK" in green, with no --strict hint', async () => {
      const run = await verify(['--expect-commit', commit, '--canary', 'acme'], { FORCE_COLOR: '1' });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('\u001b[32mOK: 8 passed, 0 failed, 0 skipped');
      expect(run.stderr).not.toContain('--strict');
    });
  });

  const faults: Array<[string, string | true, string, RegExp, RegExp]> = [
    [
      'provisionRoutesUnmounted',
      true,
      'cp-provision-gated',
      /^routes not mounted: PROVISION_SHARED_SECRET is not set on the CP$/,
      /PROVISION_SHARED_SECRET on the Railway service controlplane/,
    ],
    [
      'instanceLeaksToken',
      true,
      'cp-instance-no-secret',
      /acme: admin_token field/,
      /rotate the exposed tenant admin tokens/,
    ],
    [
      'railwayDeployFailed',
      true,
      'cp-deploy',
      /dep-production-2 of controlplane \(production\) is FAILED/,
      /deploy logs/,
    ],
    ['vercelDeployError', true, 'canvas-deploy', /dpl_sandbox2 is ERROR/, /build logs on Vercel/],
    [
      'registryImageMissing',
      true,
      'image-published',
      /platform-tenant:[0-9a-f]{40} is not in the registry/,
      /publish job/,
    ],
  ];
  it.each(faults)('fault %s fails exactly %s with its message and hint', async (flag, value, id, detail, hint) => {
    sandbox.state.faults.flags[flag] = value;
    const run = await verify(['--expect-commit', commit, '--canary', 'acme', '-o', 'json']);
    const doc = json(run.stdout);
    const failed = doc.checks.filter((c) => c.status !== 'pass');
    expect(failed.map((c) => c.id)).toEqual([id]);
    expect(failed[0]!.detail).toMatch(detail);
    expect(failed[0]!.hint).toMatch(hint);
    expect(run.code).toBe(1);
  });

  it('never shows the leaked admin token', async () => {
    sandbox.state.faults.flags['instanceLeaksToken'] = true;
    const token = sandbox.state.orgs.get('acme')!.adminToken;
    const run = await verify(['--canary', 'acme', '--only', 'cp-instance-no-secret', '-o', 'junit']);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).not.toContain(token);
  });

  it('compares abbreviated commits, but will not guess a full-commit image tag from one', async () => {
    const run = await verify([
      '--expect-commit',
      commit.slice(0, 7),
      '--only',
      'cp-deploy,canvas-deploy,image-published',
      '-o',
      'json',
    ]);
    const byId = Object.fromEntries(json(run.stdout).checks.map((c) => [c.id, c]));
    expect(byId['cp-deploy']!.status).toBe('pass');
    expect(byId['canvas-deploy']!.status).toBe('pass');
    expect(byId['image-published']).toMatchObject({
      status: 'skip',
      detail: 'the tag pattern {sha} needs the full 40-character commit, got 7 characters',
    });
  });

  it('fails cp-deploy and canvas-deploy when the deploys are on another commit', async () => {
    const other = 'deadbeef'.repeat(5);
    const run = await verify(['--expect-commit', other, '--only', 'cp-deploy,canvas-deploy', '-o', 'json']);
    const doc = json(run.stdout);
    expect(doc.checks.map((c) => c.status)).toEqual(['fail', 'fail']);
    expect(doc.checks[0]!.detail).toContain(`on ${commit.slice(0, 12)}, expected deadbeefdead`);
    expect(run.code).toBe(1);
  });

  it('turns green when a fault is cleared during --wait', async () => {
    sandbox.state.faults.flags['railwayDeployFailed'] = 'DEPLOYING';
    sandbox.state.faults.flags['registryImageMissing'] = true;
    const timer = setTimeout(() => {
      sandbox.state.faults.flags = {};
    }, 300);
    const run = await verify([
      '--expect-commit',
      commit,
      '--only',
      'cp-deploy,image-published,canvas-deploy',
      '--wait',
      '10s',
      '--interval',
      '100ms',
      '-o',
      'json',
    ]);
    clearTimeout(timer);
    const doc = json(run.stdout);
    expect(doc.checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass']);
    expect(doc.checks.find((c) => c.id === 'cp-deploy')!.attempts).toBeGreaterThan(1);
    expect(doc.checks.find((c) => c.id === 'canvas-deploy')!.attempts).toBe(1);
    expect(run.stderr).toMatch(/cp-deploy: .*DEPLOYING.*trying again/);
    expect(run.code).toBe(0);
  });

  it('interrupted under --wait: the JSON report as it stood, the waiting check "interrupted", exit 130', async () => {
    sandbox.state.faults.flags['vercelDeployError'] = 'BUILDING';
    const controller = new AbortController();
    const vercelCalls = (): number => sandbox.state.requests.filter((r) => /vercel|deployments/i.test(r.action)).length;
    const before = vercelCalls();
    const running = runCli(
      ['verify', '--expect-commit', commit, '--canary', 'acme', '--wait', '10m', '--interval', '100ms', '-o', 'json'],
      {
        env: { ...sandbox.env, ...deployServicesEnv(), MOLECTL_STATE_DIR: tmp },
        signal: controller.signal,
      },
    );
    // Interrupt once the canvas check has been asked twice: it is waiting under --wait.
    while (vercelCalls() - before < 2) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const run = await running;
    expect(run.code).toBe(130);
    const doc = JSON.parse(run.stdout) as {
      ok: boolean;
      outcome: string;
      summary: Record<string, number>;
      checks: Array<{ id: string; status: string; detail: string }>;
    };
    expect(doc).toMatchObject({ ok: false, outcome: 'interrupted' });
    // The others have usually passed by then; on a loaded machine one may still be in flight, and
    // is then reported interrupted too. None may fail or be skipped.
    const { passed = 0, interrupted = 0 } = doc.summary;
    expect(passed + interrupted).toBe(8);
    expect(interrupted).toBeGreaterThanOrEqual(1);
    for (const c of doc.checks) expect(['pass', 'interrupted']).toContain(c.status);
    expect(doc.checks.find((c) => c.id === 'canvas-deploy')).toMatchObject({
      status: 'interrupted',
      detail: expect.stringMatching(/^interrupted while still waiting \(last try: .*BUILDING/),
    });
    expect(run.stderr).not.toContain('error: interrupted');
  });

  it('gives up when --wait runs out and reports the attempts', async () => {
    sandbox.state.faults.flags['vercelDeployError'] = 'BUILDING';
    const run = await verify(['--only', 'canvas-deploy', '--wait', '350ms', '--interval', '100ms', '-o', 'json']);
    const check = json(run.stdout).checks[0]!;
    expect(check).toMatchObject({ status: 'fail' });
    // Tried again within the window (3-4 tries on an idle machine; under heavy load one try can
    // take most of the 350 ms, so only "more than once" is asserted).
    expect(check.attempts).toBeGreaterThanOrEqual(2);
    expect(check.hint).toContain('--wait');
    expect(run.code).toBe(1);
  });

  it('writes JUnit that an XML parser reads, with the right counts, while the table goes to stdout', async () => {
    sandbox.state.faults.flags['provisionRoutesUnmounted'] = true;
    const file = join(tmp, 'verify.xml');
    const md = join(tmp, 'summary.md');
    const run = await verify(
      ['--expect-commit', commit, '-o', 'junit', '--report-file', file, '--report-file', `markdown:${md}`],
      { VERCEL_TOKEN: '' },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^cp-provision-gated\s+fail/m);
    const xml = readFileSync(file, 'utf8');
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const suite = parsed.testsuites.testsuite;
    expect(suite).toMatchObject({ tests: '8', failures: '1', skipped: '3', errors: '0' });
    expect(suite.testcase).toHaveLength(8);
    const failedCase = suite.testcase.find((c: { name: string }) => c.name === 'cp-provision-gated');
    expect(failedCase.failure.message).toBe('routes not mounted: PROVISION_SHARED_SECRET is not set on the CP');
    expect(suite.testcase.filter((c: { skipped?: unknown }) => c.skipped !== undefined)).toHaveLength(3);
    const summary = readFileSync(md, 'utf8');
    expect(summary).toContain('## molectl verify: ❌ failed');
    expect(summary).toMatch(/\| `cp-provision-gated` \| ❌ fail \|/);
  });

  it('prints JUnit and Markdown on stdout when asked', async () => {
    const junit = await verify(['--only', 'cp-health', '-o', 'junit']);
    expect(junit.stdout.startsWith('<?xml')).toBe(true);
    expect(junit.code).toBe(0);
    const md = await verify(['--only', 'cp-health', '-o', 'markdown']);
    expect(md.stdout).toContain('| `cp-health` | ✅ pass |');
  });

  it('uses REGISTRY_TOKEN instead of the anonymous flow, and reports a rejected token without retrying', async () => {
    const before = sandbox.state.requests.length;
    const good = await verify(['--expect-commit', commit, '--only', 'image-published', '-o', 'json'], {
      REGISTRY_TOKEN: SANDBOX_REGISTRY_TOKEN,
    });
    expect(json(good.stdout).checks[0]!.status).toBe('pass');
    expect(sandbox.state.requests.slice(before).some((r) => r.action.startsWith('GET /_registry/token'))).toBe(false);

    const bad = await verify(
      ['--expect-commit', commit, '--only', 'image-published', '--wait', '5s', '--interval', '50ms', '-o', 'json'],
      { REGISTRY_TOKEN: 'wrong-registry-credential' },
    );
    const check = json(bad.stdout).checks[0]!;
    expect(check).toMatchObject({ status: 'fail', attempts: 1 });
    expect(check.hint).toContain('REGISTRY_TOKEN was rejected');
    expect(bad.stdout + bad.stderr).not.toContain('wrong-registry-credential');
  });

  it('reports a rejected RAILWAY_TOKEN as a credentials problem and never prints it', async () => {
    const run = await verify(['--only', 'cp-deploy', '-o', 'json'], { RAILWAY_TOKEN: 'not-the-railway-token-xyz' });
    const check = json(run.stdout).checks[0]!;
    expect(check).toMatchObject({
      status: 'fail',
      detail: 'Railway rejected RAILWAY_TOKEN (Not Authorized) for project sandbox-project',
    });
    expect(run.stdout + run.stderr).not.toContain('not-the-railway-token-xyz');
    expect(run.code).toBe(1);
  });

  it('refuses unknown check ids and output formats with exit 2', async () => {
    const run = await verify(['--only', 'cp-helth']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown check id cp-helth');
    const bad = await verify(['-o', 'yaml']);
    expect(bad.code).toBe(2);
  });
});
