import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/lib/errors.js';
import { selectRollbackTargets } from '../../../src/lib/tenant-secret-delivery/rollback-migration.js';
import { applyDetail, ledgerDoc, ledgerOf, record } from './fixtures.js';

const apply = ledgerOf(
  ledgerDoc([
    record('acme', {
      state: 'succeeded',
      outcome: 'migrated',
      detail: applyDetail('i-acme', 'needs-migration'),
    }),
    record('beta', { state: 'succeeded', outcome: 'current', detail: applyDetail('i-beta', 'stale') }),
    record('gamma', {
      state: 'failed',
      outcome: 'rolled-back',
      detail: applyDetail('i-gamma', 'needs-migration'),
    }),
    record('delta', { state: 'pending', detail: applyDetail('i-delta', 'needs-migration') }),
    record('epsilon', {
      state: 'skipped',
      outcome: 'unmanaged',
      detail: applyDetail('i-epsilon', 'unmanaged'),
    }),
    record('zeta', { state: 'succeeded', outcome: 'migrated', detail: applyDetail('i-zeta', 'stale') }),
  ]),
);

describe('selectRollbackTargets', () => {
  it('takes only the tenants the run migrated (not current, failed, untouched or skipped ones)', () => {
    expect(selectRollbackTargets(apply, undefined)).toEqual([
      { slug: 'acme', instanceId: 'i-acme', previousFingerprint: null },
      { slug: 'zeta', instanceId: 'i-zeta', previousFingerprint: null },
    ]);
  });

  it('narrows to --orgs', () => {
    expect(selectRollbackTargets(apply, ['zeta'])).toEqual([
      { slug: 'zeta', instanceId: 'i-zeta', previousFingerprint: null },
    ]);
  });

  it.each([
    ['an org the run found current', ['beta']],
    ['an org whose migration the script rolled back itself', ['gamma']],
    ['an org the run did not reach', ['acme', 'delta']],
    ['an org not in the run', ['nobody']],
  ])('refuses %s, naming it', (_name, orgs) => {
    expect(() => selectRollbackTargets(apply, orgs)).toThrow(UsageError);
    expect(() => selectRollbackTargets(apply, orgs)).toThrow(
      `did not migrate ${orgs.filter((o) => o !== 'acme').join(', ')}`,
    );
  });

  it('leaves out tenants a rollback run already undid (the apply keeps them migrated, linked to it)', () => {
    const linked = ledgerOf(
      ledgerDoc([
        record('acme', {
          state: 'succeeded',
          outcome: 'migrated',
          detail: applyDetail('i-acme', 'needs-migration', { previousFingerprint: '', rolledBackBy: 'rb-1' }),
        }),
        record('zeta', {
          state: 'succeeded',
          outcome: 'migrated',
          detail: applyDetail('i-zeta', 'stale', { previousFingerprint: 'sha256:0123456789ab' }),
        }),
      ]),
    );
    expect(selectRollbackTargets(linked, undefined)).toEqual([
      { slug: 'zeta', instanceId: 'i-zeta', previousFingerprint: 'sha256:0123456789ab' },
    ]);
    expect(() => selectRollbackTargets(linked, ['acme'])).toThrow('acme was already rolled back by run rb-1');
  });

  it('returns nothing for a run that migrated no tenant', () => {
    expect(
      selectRollbackTargets(
        ledgerOf(
          ledgerDoc([
            record('acme', { state: 'succeeded', outcome: 'current', detail: applyDetail('i-acme', 'current') }),
          ]),
        ),
        undefined,
      ),
    ).toEqual([]);
  });

  it('refuses a run of another command', () => {
    const rollbackRun = ledgerOf(ledgerDoc([], { command: 'migrate cp-secret rollback' }));
    expect(() => selectRollbackTargets(rollbackRun, undefined)).toThrow(UsageError);
    expect(() => selectRollbackTargets(rollbackRun, undefined)).toThrow('rollback takes an apply run');
  });

  it('refuses a damaged apply ledger before choosing any tenant (exit 1, naming the field)', () => {
    const damaged = ledgerOf(
      ledgerDoc([record('acme', { state: 'succeeded', outcome: 'migrated', detail: { class: 'stale' } })]),
    );
    expect(() => selectRollbackTargets(damaged, undefined)).toThrow(
      /is unreadable: field "targets\.acme\.detail\.instanceId"/,
    );
  });
});
