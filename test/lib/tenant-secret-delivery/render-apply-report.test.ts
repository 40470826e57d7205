import { describe, expect, it } from 'vitest';
import {
  buildReportRows,
  countRows,
  renderApplyMarkdown,
  renderApplyReport,
} from '../../../src/lib/tenant-secret-delivery/render-apply-report.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { renderOutputText } from '../../../src/lib/output/remote-text.js';
import { ledgerDoc, plainStyles, record } from './fixtures.js';

const doc = ledgerDoc([
  record('gamma', {
    state: 'failed',
    outcome: 'rolled-back',
    detail: { class: 'needs-migration', ssmStatus: 'Failed', exitCode: 1, health: null, fingerprintMatch: null },
    error: { message: 'recreating the container failed | the previous container is running again' },
  }),
  record('acme', {
    state: 'succeeded',
    outcome: 'migrated',
    detail: { class: 'needs-migration', ssmStatus: 'Success', exitCode: 0, health: 'ok', fingerprintMatch: true },
  }),
  record('beta', { state: 'pending', detail: { class: 'stale' } }),
  record('delta', { state: 'skipped', outcome: 'unmanaged', detail: { class: 'unmanaged' } }),
  record('eta', { state: 'in-progress', remoteIds: { commandId: 'c-1' }, detail: { class: 'needs-migration' } }),
  record('zeta', {
    state: 'failed',
    outcome: 'unverified',
    detail: { class: 'stale', ssmStatus: 'Success', exitCode: 0, fingerprintMatch: false },
    error: { message: 'result "migrated" does not prove sha256:9f86d081884c' },
  }),
]);

describe('buildReportRows', () => {
  it('gives one row per tenant, sorted by slug, with the action the operator reads', () => {
    const rows = buildReportRows(doc);
    expect(rows.map((r) => [r.slug, r.class, r.state, r.action])).toEqual([
      ['acme', 'needs-migration', 'succeeded', 'migrated'],
      ['beta', 'stale', 'pending', 'untouched'],
      ['delta', 'unmanaged', 'skipped', 'unmanaged'],
      ['eta', 'needs-migration', 'in-progress', 'in-progress'],
      ['gamma', 'needs-migration', 'failed', 'rolled-back'],
      ['zeta', 'stale', 'failed', 'unverified'],
    ]);
    expect(rows[0]).toEqual({
      slug: 'acme',
      class: 'needs-migration',
      state: 'succeeded',
      action: 'migrated',
      ssmStatus: 'Success',
      exitCode: 0,
      health: 'ok',
      fingerprintMatch: true,
      fingerprint: null,
      rolledBackBy: null,
      fingerprintAfterRollback: null,
      error: null,
    });
    expect(rows[1]).toMatchObject({
      ssmStatus: null,
      exitCode: null,
      health: null,
      fingerprintMatch: null,
      error: null,
    });
    expect(rows[5]).toMatchObject({
      fingerprintMatch: false,
      error: 'result "migrated" does not prove sha256:9f86d081884c',
    });
  });

  it('counts rows by action', () => {
    expect(countRows(buildReportRows(doc))).toEqual({
      migrated: 1,
      untouched: 1,
      unmanaged: 1,
      'in-progress': 1,
      'rolled-back': 1,
      unverified: 1,
    });
  });
});

describe('renderApplyReport', () => {
  it('prints the table and a summary line with the run status', () => {
    const text = renderApplyReport(doc, plainStyles);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^ORG +CLASS +ACTION +SSM +EXIT +HEALTH +FP MATCH +ERROR$/);
    expect(lines[1]).toMatch(/^acme +needs-migration +migrated +Success +0 +ok +yes +-$/);
    expect(lines.find((l) => l.startsWith('zeta'))).toMatch(/ NO +result "migrated"/);
    expect(lines.at(-1)).toBe(
      'run 20261122T200000Z-migrate-cp-secret-apply-abcd: partial. 1 migrated, 1 untouched, 1 unmanaged, 1 in-progress, 1 rolled-back, 1 unverified.',
    );
  });

  it('stays a table on an 80-column terminal: class left out (action says what came of it) and named', () => {
    const terminal = { columns: 80, render: (text: string) => renderOutputText(text, new Redactor(), 'text') };
    const lines = renderApplyReport(doc, { ...plainStyles, terminal }).split('\n');
    expect(lines[0]).toMatch(/^ORG +ACTION +SSM +EXIT +HEALTH +FP MATCH +ERROR$/);
    expect(lines[1]).toMatch(/^acme +migrated +Success +0 +ok +yes +-$/);
    expect(lines).toContain('hidden at 80 columns: class (-o json shows it)');
    for (const line of lines.slice(0, -1)) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('says so when the run had no tenants', () => {
    expect(renderApplyReport(ledgerDoc([]), plainStyles).split('\n').at(-1)).toBe(
      'run 20261122T200000Z-migrate-cp-secret-apply-abcd: partial. no tenants.',
    );
  });
});

describe('renderApplyMarkdown', () => {
  it('renders a CI step summary: heading, counts, one table row per tenant', () => {
    const md = renderApplyMarkdown(doc);
    const lines = md.trimEnd().split('\n');
    expect(lines[0]).toBe('### molectl migrate cp-secret apply: partial');
    expect(lines[2]).toBe(
      'Run `20261122T200000Z-migrate-cp-secret-apply-abcd` against **production** (https://api.moleculesai.app): 1 migrated, 1 untouched, 1 unmanaged, 1 in-progress, 1 rolled-back, 1 unverified.',
    );
    expect(lines[4]).toBe('| org | class | action | SSM | exit | health | fingerprint | error |');
    expect(lines.slice(6)).toEqual([
      '| acme | needs-migration | migrated | Success | 0 | ok | match |  |',
      '| beta | stale | untouched |  |  |  |  |  |',
      '| delta | unmanaged | unmanaged |  |  |  |  |  |',
      '| eta | needs-migration | in-progress |  |  |  |  |  |',
      '| gamma | needs-migration | rolled-back | Failed | 1 |  |  | recreating the container failed \\| the previous container is running again |',
      '| zeta | stale | unverified | Success | 0 |  | MISMATCH | result "migrated" does not prove sha256:9f86d081884c |',
    ]);
    expect(md.endsWith('\n')).toBe(true);
  });

  // The summary file is written through the redactor, which reads "cp-secret: <word>" as an
  // assignment; the heading names the subcommand so the status survives.
  it('keeps the run status in the heading once redacted, as --summary-md writes it', () => {
    const md = new Redactor().redact(renderApplyMarkdown(doc));
    expect(md.split('\n')[0]).toBe('### molectl migrate cp-secret apply: partial');
  });

  // Ledger errors keep their line breaks; a table row must not.
  it('keeps one table row per tenant when an error message has a line break', () => {
    const withNewline = ledgerDoc([
      record('acme', {
        state: 'failed',
        outcome: 'failed',
        detail: { class: 'stale' },
        error: { message: 'first line\nsecond line' },
      }),
    ]);
    const rows = renderApplyMarkdown(withNewline).trimEnd().split('\n').slice(6);
    expect(rows).toHaveLength(1);
  });
});
