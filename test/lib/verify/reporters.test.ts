import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../src/lib/verify/check-types.js';
import { buildReport } from '../../../src/lib/verify/report/build-report.js';
import { renderReport } from '../../../src/lib/verify/report/render-report.js';
import { parseReportFileSpec } from '../../../src/lib/verify/report/write-report-files.js';

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
    title: 'gate',
    status: 'fail',
    durationMs: 1500,
    attempts: 1,
    detail: 'routes not mounted: <PROVISION_SHARED_SECRET> & "more" | pipes',
    hint: 'set it\nthen redeploy',
    source: 'built-in',
  },
  {
    id: 'cp-deploy',
    title: 'deploy',
    status: 'skip',
    durationMs: 0,
    attempts: 1,
    detail: 'RAILWAY_TOKEN is not set',
    hint: 'export RAILWAY_TOKEN',
    source: 'built-in',
  },
  {
    id: 'weird',
    title: 'control \u0001 chars',
    status: 'fail',
    durationMs: 3,
    attempts: 4,
    detail: 'bad \u0007 byte',
    hint: 'x',
    source: 'checklist',
  },
];
const report = buildReport({
  environment: 'staging',
  cpUrl: 'https://staging-api.example',
  startedAt: new Date('2026-11-22T20:00:00Z'),
  durationMs: 1530,
  strict: false,
  expectCommit: 'abc1234',
  results,
});

describe('verify reporters', () => {
  it('summarises: ok only when nothing failed', () => {
    expect(report.summary).toEqual({ total: 4, passed: 1, failed: 2, skipped: 1, interrupted: 0 });
    expect(report.ok).toBe(false);
    expect(buildReport({ ...report, startedAt: new Date(), results: [results[0]!, results[2]!] }).ok).toBe(true);
  });

  it('writes JUnit XML that parses, with counts, failures, skips and escaped text', () => {
    const xml = renderReport(report, 'junit');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    expect(doc.testsuites).toMatchObject({ tests: '4', failures: '2', skipped: '1', errors: '0', time: '1.530' });
    const cases = doc.testsuites.testsuite.testcase;
    expect(cases.map((c: { name: string }) => c.name)).toEqual([
      'cp-health',
      'cp-provision-gated',
      'cp-deploy',
      'weird',
    ]);
    expect(cases[1].failure.message).toBe('routes not mounted: <PROVISION_SHARED_SECRET> & "more" | pipes');
    expect(cases[1].failure['#text']).toContain('hint: set it\nthen redeploy');
    expect(cases[1].time).toBe('1.500');
    expect(cases[2].skipped.message).toBe('RAILWAY_TOKEN is not set');
    expect(xml).not.toMatch(/[\u0001\u0007]/);
  });

  it('writes Markdown with one table row per check and escaped cells', () => {
    const md = renderReport(report, 'markdown');
    const rows = md.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(4);
    expect(rows[1]).toContain('\\<PROVISION\\_SHARED\\_SECRET\\> & "more" \\| pipes');
    expect(md).toContain('## molectl verify: ❌ failed (staging)');
    expect(md).toContain('- **cp-provision-gated** (fail): set it then redeploy');
  });

  it('writes JSON with the schema version, and a plain text table', () => {
    const doc = JSON.parse(renderReport(report, 'json'));
    expect(doc).toMatchObject({ schemaVersion: 1, ok: false, environment: 'staging', expectCommit: 'abc1234' });
    const text = renderReport(report, 'text');
    expect(text).toMatch(/^cp-provision-gated\s+fail\s+2s\s+routes not mounted/m);
    expect(text).toMatch(/^weird\s+fail\s+3ms \(4 tries\)/m);
    expect(text).toContain('FAILED: 1 passed, 2 failed, 1 skipped in 1.53s');
  });

  it('reads --report-file with an optional format prefix', () => {
    expect(parseReportFileSpec('out.xml', 'junit')).toEqual({ format: 'junit', path: 'out.xml' });
    expect(parseReportFileSpec('markdown:/tmp/summary.md', 'junit')).toEqual({
      format: 'markdown',
      path: '/tmp/summary.md',
    });
    expect(parseReportFileSpec('c:/odd/path', 'json')).toEqual({ format: 'json', path: 'c:/odd/path' });
    expect(() => parseReportFileSpec('json:', 'text')).toThrow('no file name');
  });
});
