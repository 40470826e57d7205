import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderApplyMarkdown, renderApplyReport } from '../../src/lib/tenant-secret-delivery/render-apply-report.js';
import { renderPlan } from '../../src/lib/cp-secret-migration/render-plan.js';
import { execFile } from '../../src/lib/exec.js';
import type { CheckResult } from '../../src/lib/verify/check-types.js';
import { buildReport } from '../../src/lib/verify/report/build-report.js';
import { renderReport } from '../../src/lib/verify/report/render-report.js';
import { renderTextHints } from '../../src/lib/verify/report/render-text-report.js';
import { stripRemoteMarks } from '../../src/lib/output/remote-text.js';
import {
  EXPECTED_FP,
  OTHER_FP,
  ledgerDoc,
  plainStyles,
  plan,
  record,
  target,
} from '../lib/tenant-secret-delivery/fixtures.js';
import { runCli } from '../helpers/run-cli.js';

/**
 * Golden output: what operators read from the report renderers, byte for byte, in files under
 * test/golden/__golden__/. A change to any of them shows in review as a diff of that file.
 * After an intended change: `npx vitest run test/golden -u`, then read the diff before committing.
 */

const golden = (name: string): string => `./__golden__/${name}`;

describe('migrate cp-secret plan and apply reports', () => {
  const fleet = plan(
    [
      target('acme', 'needs-migration', { reason: 'MOLECULE_CP_SHARED_SECRET not set' }),
      target('beta', 'current', { fingerprint: EXPECTED_FP, durable: true, reason: 'up to date, durable' }),
      target('delta', 'stale', { fingerprint: OTHER_FP, reason: 'holds another value' }),
      target('gamma', 'unmanaged', { pingStatus: null, reason: 'not registered with SSM' }),
    ],
    {
      mismatches: {
        instanceWithoutOrg: [{ instanceId: 'i-0f1e2d3c', slugTag: 'gone' }],
        orgWithoutInstance: [{ slug: 'omega', instanceStatus: 'running' }],
        duplicateInstances: [],
      },
    },
  );

  it('plan (text)', async () => {
    // What the output layer prints, less its redaction: the renderer marks the fleet's words as remote.
    await expect(stripRemoteMarks(renderPlan(fleet, plainStyles))).toMatchFileSnapshot(golden('plan.txt'));
  });

  const run = ledgerDoc([
    record('acme', {
      state: 'succeeded',
      outcome: 'migrated',
      detail: { class: 'needs-migration', ssmStatus: 'Success', exitCode: 0, health: 'ok', fingerprintMatch: true },
    }),
    record('delta', {
      state: 'failed',
      outcome: 'rolled-back',
      detail: { class: 'stale', ssmStatus: 'Failed', exitCode: 1, health: null, fingerprintMatch: null },
      error: { message: 'recreating the container failed | the previous container is running again' },
    }),
    record('gamma', { state: 'skipped', outcome: 'unmanaged', detail: { class: 'unmanaged' } }),
    record('kappa', { state: 'pending', detail: { class: 'needs-migration' } }),
  ]);

  it('apply (text)', async () => {
    await expect(renderApplyReport(run, plainStyles)).toMatchFileSnapshot(golden('apply.txt'));
  });

  it('apply (Markdown summary)', async () => {
    await expect(renderApplyMarkdown(run)).toMatchFileSnapshot(golden('apply.md'));
  });
});

describe('verify report', () => {
  const results: CheckResult[] = [
    {
      id: 'cp-health',
      title: 'CP health',
      status: 'pass',
      durationMs: 12,
      attempts: 1,
      detail: 'service molecule-cp, status ok',
      source: 'built-in',
    },
    {
      id: 'cp-provision-gated',
      title: 'provisioning is gated',
      status: 'fail',
      durationMs: 1500,
      attempts: 3,
      detail: 'routes not mounted: POST /cp/provision answered 404 <html> & "more"',
      hint: 'check the CP deploy\nthen run verify again',
      source: 'built-in',
    },
    {
      id: 'cp-deploy',
      title: 'CP deploy is the expected commit',
      status: 'skip',
      durationMs: 0,
      attempts: 1,
      detail: 'RAILWAY_TOKEN is not set',
      hint: 'export RAILWAY_TOKEN',
      source: 'built-in',
    },
    {
      id: 'canvas-home',
      title: 'canvas home page',
      status: 'pass',
      durationMs: 40,
      attempts: 1,
      detail: '200 text/html',
      source: 'checklist',
    },
  ];
  const report = buildReport({
    environment: 'staging',
    cpUrl: 'https://staging-api.example',
    startedAt: new Date('2026-11-22T20:00:00Z'),
    durationMs: 1552,
    strict: false,
    expectCommit: 'abc1234',
    results,
  });

  it('text, with what to do (stderr)', async () => {
    const hints = renderTextHints(report);
    const stderr = ['What to do:', ...hints.failures, ...hints.skips].join('\n');
    await expect(`${renderReport(report, 'text')}\n--- stderr ---\n${stderr}\n`).toMatchFileSnapshot(
      golden('verify.txt'),
    );
  });

  it.each([
    ['junit', 'verify.junit.xml'],
    ['markdown', 'verify.md'],
  ] as const)('%s', async (format, file) => {
    await expect(renderReport(report, format)).toMatchFileSnapshot(golden(file));
  });
});

describe('gitea rewrite summary, as printed', () => {
  let dir: string;
  const OLD = 'https://github.com/Molecule-AI/molecule-monorepo';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'molectl-golden-gitea-'));
    await writeFile(
      join(dir, 'README.md'),
      [
        '# core',
        '',
        `Clone ${OLD}.git`,
        `Docs: ${OLD}/blob/main/docs/index.md`,
        `Fixed in ${OLD}/pull/12`,
        'Mirror: github.com/Molecule-AI/molecule-sdk # molectl-gitea: keep (external mirror)',
        '',
      ].join('\n'),
    );
    await writeFile(join(dir, 'clean.txt'), 'nothing to see\n');
    await execFile('git', ['init', '-q'], { cwd: dir });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** The temporary directory differs per run: it reads as <repo> in the golden files. */
  const stable = (text: string): string => text.split(dir).join('<repo>');

  it('dry run', async () => {
    const run = await runCli(['gitea', 'rewrite', dir]);
    expect(run.code).toBe(0);
    await expect(`${stable(run.stdout)}--- stderr ---\n${stable(run.stderr)}`).toMatchFileSnapshot(
      golden('gitea-rewrite-dry-run.txt'),
    );
  });

  it('--check', async () => {
    const run = await runCli(['gitea', 'rewrite', dir, '--check', '--no-diff']);
    expect(run.code).toBe(8);
    await expect(`${stable(run.stdout)}--- stderr ---\n${stable(run.stderr)}`).toMatchFileSnapshot(
      golden('gitea-rewrite-check.txt'),
    );
  });
});
