import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { CheckId, Severity } from '../../../src/lib/audit/audit-checks.js';
import { resolveAuditSettings } from '../../../src/lib/audit/audit-settings.js';
import type { Verdict } from '../../../src/lib/audit/audit-verdict.js';
import { buildAuditReport } from '../../../src/lib/audit/build-audit-report.js';
import { renderAuditReport } from '../../../src/lib/audit/render-audit-report.js';
import { renderAuditText } from '../../../src/lib/audit/render-audit-text.js';

const v = (
  check: CheckId,
  slug: string | null,
  instanceId: string | null,
  status: Verdict['status'],
  detail = `${check} ${status}`,
): Verdict => ({
  check,
  subject: { slug, instanceId, role: instanceId ? 'tenant' : 'org' },
  status,
  detail,
  ...(status === 'fail' ? { evidence: `evidence of ${check}`, fix: `fix ${check} | now` } : {}),
});

function report(verdicts: Verdict[], failOn: Severity = 'high') {
  const settings = resolveAuditSettings(
    {},
    { failOn, console: true, checks: ['cp-secret-missing', 'image-drift', 'tag-mismatch', 'admin-token-exposed'] },
  );
  return buildAuditReport({
    environment: 'staging',
    cpUrl: 'https://staging-api.example',
    region: 'us-east-2',
    startedAt: new Date('2026-11-22T20:00:00Z'),
    durationMs: 2500,
    settings,
    scope: { orgs: 3, tenants: 3, instances: 6 },
    verdicts,
    images: ['img:new', 'img:new', 'img:old', null],
    agentVersions: ['3.3.1142.0', '3.3.1142.0', null],
  });
}

describe('buildAuditReport', () => {
  it.each([
    ['everything passes', 'high', 0, [v('cp-secret-missing', 'acme', 'i-1', 'pass')]],
    ['a high failure', 'high', 1, [v('cp-secret-missing', 'acme', 'i-1', 'fail')]],
    ['a medium failure under --fail-on high', 'high', 0, [v('image-drift', 'acme', 'i-1', 'fail')]],
    ['a medium failure under --fail-on medium', 'medium', 1, [v('image-drift', 'acme', 'i-1', 'fail')]],
    ['a low failure under --fail-on low', 'low', 1, [v('tag-mismatch', 'acme', 'i-1', 'fail')]],
    ['an unknown, nothing failing', 'high', 5, [v('cp-secret-missing', 'acme', 'i-1', 'unknown')]],
    [
      'an unknown and a medium failure under high',
      'high',
      5,
      [v('cp-secret-missing', 'acme', 'i-1', 'unknown'), v('image-drift', 'beta', 'i-2', 'fail')],
    ],
    [
      'an unknown and a high failure',
      'high',
      1,
      [v('cp-secret-missing', 'acme', 'i-1', 'unknown'), v('cp-secret-missing', 'beta', 'i-2', 'fail')],
    ],
  ] as const)('%s, --fail-on %s -> exit %i', (_name, failOn, exit, verdicts) => {
    expect(report([...verdicts], failOn).exitCode).toBe(exit);
  });

  it('counts pass, fail and unknown per check, and never folds unknown into pass', () => {
    const r = report([
      v('cp-secret-missing', 'acme', 'i-1', 'pass'),
      v('cp-secret-missing', 'beta', 'i-2', 'fail'),
      v('cp-secret-missing', 'gamma', 'i-3', 'unknown'),
    ]);
    expect(r.checks.find((c) => c.id === 'cp-secret-missing')).toMatchObject({
      pass: 1,
      fail: 1,
      unknown: 1,
      severity: 'high',
    });
    expect(r.checks.map((c) => c.id)).toEqual([
      'cp-secret-missing',
      'admin-token-exposed',
      'tag-mismatch',
      'image-drift',
    ]);
    expect(r.totals).toEqual({ failed: 1, failedAtOrAboveFailOn: 1, unknown: 1 });
  });

  it('groups findings by tenant, worst first; unattributed instances have their own group', () => {
    const r = report([
      v('image-drift', 'acme', 'i-1', 'fail'),
      v('cp-secret-missing', 'beta', 'i-2', 'fail'),
      v('image-drift', 'beta', 'i-2', 'unknown'),
      v('tag-mismatch', null, 'i-9', 'fail'),
      v('cp-secret-missing', 'gamma', 'i-3', 'pass'),
    ]);
    expect(r.tenants.map((t) => t.tenant)).toEqual(['beta', 'acme', '(unattributed)']);
    expect(r.tenants[0]!.findings.map((f) => `${f.check}:${f.status}`)).toEqual([
      'cp-secret-missing:fail',
      'image-drift:unknown',
    ]);
    expect(r.histograms.images).toEqual([
      { value: 'img:new', count: 2 },
      { value: '(unknown)', count: 1 },
      { value: 'img:old', count: 1 },
    ]);
  });
});

describe('audit renderers', () => {
  const r = report([
    v('cp-secret-missing', 'acme', 'i-1', 'pass'),
    v('cp-secret-missing', 'beta', 'i-2', 'fail', 'not set <in> the "container" & \u0007 bell'),
    v('image-drift', 'beta', 'i-2', 'unknown', 'SSM agent ConnectionLost'),
    v('admin-token-exposed', 'beta', null, 'pass'),
  ]);

  it('writes JUnit that an XML parser reads: a suite per check, a case per subject, failures and errors', () => {
    const xml = renderAuditReport(r, 'junit');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (name) => name === 'testsuite' || name === 'testcase',
    }).parse(xml);
    expect(doc.testsuites).toMatchObject({ tests: '4', failures: '1', errors: '1' });
    const suites = doc.testsuites.testsuite as Array<{ name: string; testcase?: Array<Record<string, any>> }>;
    expect(suites.map((s) => s.name)).toEqual([
      'fleet-audit cp-secret-missing',
      'fleet-audit admin-token-exposed',
      'fleet-audit tag-mismatch',
      'fleet-audit image-drift',
    ]);
    const cases = suites[0]!.testcase!;
    expect(cases.map((c) => c.name)).toEqual(['acme i-1', 'beta i-2']);
    expect(cases[1]!.failure).toMatchObject({ type: 'high', message: 'not set <in> the "container" &  bell' });
    expect(cases[1]!.failure['#text']).toContain('fix: fix cp-secret-missing | now');
    expect(suites[3]!.testcase![0]!.error).toMatchObject({ type: 'Unknown', message: 'SSM agent ConnectionLost' });
    expect(xml).not.toMatch(/\u0007/);
  });

  it('writes a finding below --fail-on as <skipped>, not <failure>: the JUnit agrees with the exit code 0', () => {
    const parse = (xml: string) =>
      new XMLParser({
        ignoreAttributes: false,
        attributeNamePrefix: '',
        isArray: (name) => name === 'testsuite' || name === 'testcase',
      }).parse(xml);
    const findings = [
      v('image-drift', 'beta', 'i-2', 'fail', 'runs img:old'),
      v('cp-secret-missing', 'acme', 'i-1', 'pass'),
    ];
    const below = report(findings, 'high');
    expect(below.exitCode).toBe(0);
    const xml = renderAuditReport(below, 'junit');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parse(xml);
    expect(doc.testsuites).toMatchObject({ tests: '2', failures: '0', errors: '0', skipped: '1' });
    const drift = (
      doc.testsuites.testsuite as Array<{
        name: string;
        failures: string;
        skipped: string;
        testcase: Array<Record<string, any>>;
      }>
    ).find((s) => s.name === 'fleet-audit image-drift')!;
    expect(drift).toMatchObject({ failures: '0', skipped: '1' });
    expect(drift.testcase[0]!.failure).toBeUndefined();
    expect(drift.testcase[0]!.skipped.message).toBe('medium finding, below --fail-on high: runs img:old');
    expect(drift.testcase[0]!.skipped['#text']).toContain('fix: fix image-drift | now');
    // Under --fail-on medium the same finding fails the run, and the JUnit says so.
    const at = report(findings, 'medium');
    expect(at.exitCode).toBe(1);
    const failing = parse(renderAuditReport(at, 'junit'));
    expect(failing.testsuites).toMatchObject({ failures: '1', skipped: '0' });
  });

  it('writes Markdown: summary table, histograms, findings with escaped cells', () => {
    const md = renderAuditReport(r, 'markdown');
    expect(md).toContain('## molectl fleet audit: ❌ findings (staging)');
    expect(md).toContain('| `cp-secret-missing` | high | 1 | **1** | 0 |');
    expect(md).toContain('| `img:new` | 2 |');
    expect(md).toContain('#### beta');
    expect(md).toContain('not set \\<in\\> the "container"');
    expect(md).toContain('`fix cp-secret-missing \\| now`');
  });

  it('heads the Markdown with the exit code, and never calls findings below --fail-on "clean"', () => {
    const heading = (verdicts: Verdict[]) => renderAuditReport(report(verdicts), 'markdown').split('\n')[0];
    expect(heading([v('cp-secret-missing', 'acme', 'i-1', 'pass')])).toBe('## molectl fleet audit: ✅ clean (staging)');
    expect(heading([v('image-drift', 'acme', 'i-1', 'fail')])).toBe(
      '## molectl fleet audit: ✅ passed, 1 finding below high (staging)',
    );
    expect(heading([v('cp-secret-missing', 'acme', 'i-1', 'unknown')])).toBe(
      '## molectl fleet audit: ⚠️ incomplete (staging)',
    );
  });

  it('writes one JSON document with the schema version and without the per-subject passes', () => {
    const doc = JSON.parse(renderAuditReport(r, 'json'));
    expect(doc).toMatchObject({ schemaVersion: 1, kind: 'molectl-fleet-audit', exitCode: 1, failOn: 'high' });
    expect(doc.verdicts).toBeUndefined();
    expect(doc.tenants[0].findings[0]).toMatchObject({
      check: 'cp-secret-missing',
      severity: 'high',
      status: 'fail',
      instanceId: 'i-2',
      fix: 'fix cp-secret-missing | now',
    });
  });

  it('writes text: summary table, histograms, findings by tenant, verdict line', () => {
    const text = renderAuditReport(r, 'text');
    expect(text).toMatch(/^cp-secret-missing\s+high\s+1\s+1\s+0$/m);
    expect(text).toMatch(/^images in use \(tenants\)\n {2}img:new +2 +#+$/m);
    expect(text).toMatch(/^beta\n {2}FAIL high {2}cp-secret-missing {2}i-2 \(tenant\)/m);
    expect(text).toContain('      fix: fix cp-secret-missing | now');
    expect(text).toMatch(
      /FAILED: 4 checks on 3 tenants, 6 instances, 3 orgs: 1 failed \(1 at or above high\), 1 unknown in 2\.5s\n$/,
    );
  });

  it('on a 60-column terminal, wraps a finding’s prose under its own indent and keeps its fix on one line', () => {
    const long = report([
      {
        ...v(
          'cp-secret-missing',
          'acme',
          'i-1',
          'fail',
          'MOLECULE_CP_SHARED_SECRET is not set in the container of this tenant',
        ),
        evidence:
          'probe: container env has no MOLECULE_CP_SHARED_SECRET (image ghcr.io/molecule-ai/platform-tenant:2026.04.02)',
        fix: 'molectl migrate cp-secret apply --orgs acme --yes --soak 0 --max-errors 0',
      },
    ]);
    const plain = { ok: (t: string) => t, fail: (t: string) => t, warn: (t: string) => t, dim: (t: string) => t };
    const styles = { ...plain, bold: (t: string) => t, accent: (t: string) => t };
    const finding = (text: string) => text.slice(text.indexOf('\nacme\n') + 1, text.indexOf('\n\nFAILED'));
    expect(
      finding(renderAuditText(long, { ...styles, terminal: { columns: 60, render: (t) => t } })).split('\n'),
    ).toEqual([
      'acme',
      '  FAIL high  cp-secret-missing  i-1 (tenant)',
      '      MOLECULE_CP_SHARED_SECRET is not set in the container',
      '      of this tenant',
      '      evidence: probe: container env has no',
      '                MOLECULE_CP_SHARED_SECRET (image',
      '                ghcr.io/molecule-ai/platform-tenant:2026.04.02)',
      '      fix: molectl migrate cp-secret apply --orgs acme --yes --soak 0 --max-errors 0',
    ]);
    // Piped (no terminal), one line each, as scripts read it.
    expect(finding(renderAuditText(long, styles)).split('\n')).toHaveLength(4);
  });

  it('on a 60-column terminal, its heading wraps and the histogram bars shorten to fit beside long image names', () => {
    const base = report([v('cp-secret-missing', 'acme', 'i-1', 'pass')]);
    const image = 'ghcr.io/molecule-ai/platform-tenant:2026.04.02-3f9c1ab';
    const wide = { ...base, histograms: { ...base.histograms, images: [{ value: image, count: 2 }] } };
    const plain = (t: string) => t;
    const styles = { ok: plain, fail: plain, warn: plain, dim: plain, bold: plain, accent: plain };
    const text = renderAuditText(wide, { ...styles, terminal: { columns: 60, render: plain } });
    const head = text.slice(0, text.indexOf('\n\n')).split('\n');
    expect(head).toEqual([
      'fleet audit staging (https://staging-api.example,',
      '  us-east-2): 3 tenants, 6 instances, 3 orgs; fail on high',
    ]);
    expect(text).toContain(`\n  ${image}  2  ########\n`);
    // Piped, the 30-character bar and the one-line heading, as before.
    expect(renderAuditText(wide, styles)).toContain(`\n  ${image}  2  ${'#'.repeat(30)}\n`);
  });
});
