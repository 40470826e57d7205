import { describe, expect, it } from 'vitest';
import {
  APPLY_COMMAND,
  planFromLedger,
  settingsFromLedger,
} from '../../../src/lib/tenant-secret-delivery/apply-ledger.js';
import { checkCanary } from '../../../src/lib/tenant-secret-delivery/apply-migration.js';
import { actionableTargets, summarizeTargets } from '../../../src/lib/tenant-secret-delivery/migration-plan.js';
import { runParameterName } from '../../../src/lib/tenant-secret-delivery/parameter-delivery.js';
import { ExitCode, MolectlError, UsageError } from '../../../src/lib/errors.js';
import type { RunLedgerDocument } from '../../../src/lib/runs/run-ledger-schema.js';
import { UnreadableLedgerError } from '../../../src/lib/runs/unreadable-ledger-error.js';
import { EXPECTED_FP, ledgerDoc, plan, record, target } from './fixtures.js';

function thrown(attempt: () => unknown): unknown {
  try {
    attempt();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** What createApplyLedger writes, as a resume reads it back. */
const applyDoc = ledgerDoc(
  [
    record('acme', {
      state: 'succeeded',
      outcome: 'migrated',
      detail: {
        instanceId: 'i-acme',
        orgId: 'id-acme',
        class: 'needs-migration',
        reason: 'MOLECULE_CP_SHARED_SECRET not set',
        previousFingerprint: null,
      },
    }),
    record('beta', {
      state: 'pending',
      detail: {
        instanceId: 'i-beta',
        orgId: 'id-beta',
        class: 'stale',
        reason: 'holds sha256:000000000000',
        previousFingerprint: 'sha256:000000000000',
      },
    }),
    record('gamma', {
      state: 'skipped',
      outcome: 'current',
      detail: {
        instanceId: 'i-gamma',
        orgId: 'id-gamma',
        class: 'current',
        reason: 'up to date, durable',
        previousFingerprint: EXPECTED_FP,
      },
    }),
  ],
  {
    command: APPLY_COMMAND,
    inputs: {
      canary: 'acme',
      waves: '2,50%,100%',
      maxErrors: 1,
      soakMs: 300000,
      delivery: 'parameter',
      maxConcurrency: 20,
      healthTimeoutSeconds: 90,
      hostTimeoutSeconds: 330,
      tenantCpUrl: 'https://api.moleculesai.app',
      containerName: 'molecule-tenant',
    },
    pinned: {
      secretId: 'molecule/cp/provision-shared-secret',
      arn: 'arn:aws:secretsmanager:us-east-2:1:secret:molecule/cp/provision-shared-secret-AbCdEf',
      versionId: 'v-1',
      fingerprint: EXPECTED_FP,
      length: 64,
    },
  },
);

describe('planFromLedger', () => {
  it('rebuilds the plan a run was working from: pinned secret, targets and classes', () => {
    const rebuilt = planFromLedger(applyDoc);
    expect(rebuilt.secret).toEqual({
      secretId: 'molecule/cp/provision-shared-secret',
      arn: 'arn:aws:secretsmanager:us-east-2:1:secret:molecule/cp/provision-shared-secret-AbCdEf',
      versionId: 'v-1',
      fingerprint: EXPECTED_FP,
      length: 64,
    });
    expect(rebuilt.environment).toEqual({
      name: 'production',
      cpUrl: 'https://api.moleculesai.app',
      tenantCpUrl: 'https://api.moleculesai.app',
      awsRegion: 'us-east-2',
      awsAccount: '123456789012',
    });
    expect(rebuilt.containerName).toBe('molecule-tenant');
    expect(rebuilt.targets.map((t) => [t.slug, t.instanceId, t.class, t.fingerprint])).toEqual([
      ['acme', 'i-acme', 'needs-migration', null],
      ['beta', 'i-beta', 'stale', 'sha256:000000000000'],
      ['gamma', 'i-gamma', 'current', EXPECTED_FP],
    ]);
    expect(rebuilt.summary).toMatchObject({ total: 3, actionable: 2, current: 1 });
  });

  it("takes the tenants' CP URL from the inputs of a ledger written before the environment carried it", () => {
    const older = { ...applyDoc, environment: { ...applyDoc.environment, tenantCpUrl: '' } };
    expect(planFromLedger(older).environment.tenantCpUrl).toBe('https://api.moleculesai.app');
  });

  // resume and rollback work from the ledger alone: a damaged one must stop them (exit 1) before
  // a host is sent NaN or undefined, naming the field.
  it.each<[string, (doc: RunLedgerDocument) => RunLedgerDocument, RegExp]>([
    [
      'a setting of the wrong type',
      (d) => ({ ...d, inputs: { ...d.inputs, maxErrors: 'one' } }),
      /field "inputs\.maxErrors" .*expected number/,
    ],
    [
      'a missing setting',
      (d) => ({ ...d, inputs: { ...d.inputs, containerName: null } }),
      /field "inputs\.containerName"/,
    ],
    ['an unknown delivery', (d) => ({ ...d, inputs: { ...d.inputs, delivery: 'email' } }), /field "inputs\.delivery"/],
    [
      'a pinned fingerprint that is not one',
      (d) => ({ ...d, pinned: { ...d.pinned, fingerprint: 'abc' } }),
      /field "pinned\.fingerprint" expected sha256:<12 hex>/,
    ],
    [
      'a tenant without its instance',
      (d) => ({ ...d, targets: { ...d.targets, beta: { ...d.targets.beta!, detail: { class: 'stale' } } } }),
      /field "targets\.beta\.detail\.instanceId"/,
    ],
    [
      'an unknown tenant class',
      (d) => ({
        ...d,
        targets: { ...d.targets, acme: { ...d.targets.acme!, detail: { ...d.targets.acme!.detail, class: 'fine' } } },
      }),
      /field "targets\.acme\.detail\.class"/,
    ],
  ])('refuses a ledger with %s: exit 1, one line naming the field', (_name, damage, message) => {
    const error = thrown(() => planFromLedger(damage(applyDoc)));
    expect(error).toBeInstanceOf(UnreadableLedgerError);
    expect((error as UnreadableLedgerError).code).toBe(ExitCode.failed);
    expect((error as UnreadableLedgerError).message).toMatch(
      new RegExp(`^run ledger of run ${applyDoc.id} is unreadable: ${message.source}`),
    );
    expect((error as UnreadableLedgerError).message).not.toContain('\n');
  });

  it('reads the settings for a resume through the same check', () => {
    const error = thrown(() => settingsFromLedger({ ...applyDoc, inputs: { ...applyDoc.inputs, soakMs: -1 } }));
    expect(error).toBeInstanceOf(UnreadableLedgerError);
    expect((error as UnreadableLedgerError).message).toMatch(/field "inputs\.soakMs"/);
  });

  it('refuses a run of another command', () => {
    expect(() => planFromLedger({ ...applyDoc, command: 'org delete' })).toThrow(MolectlError);
    expect(() => planFromLedger({ ...applyDoc, command: 'org delete' })).toThrow('not "migrate cp-secret apply"');
  });
});

describe('settingsFromLedger', () => {
  it('gives a resume the settings the run started with', () => {
    expect(settingsFromLedger(applyDoc)).toEqual({
      waveSpec: '2,50%,100%',
      settings: {
        canary: 'acme',
        waves: [
          { kind: 'count', value: 2 },
          { kind: 'percent', value: 50 },
          { kind: 'percent', value: 100 },
        ],
        maxErrors: 1,
        soakMs: 300000,
        delivery: 'parameter',
        maxConcurrency: 20,
        healthTimeoutSeconds: 90,
        hostTimeoutSeconds: 330,
      },
    });
  });

  it('has no canary when the run chose none, and reads any other delivery as secrets-manager', () => {
    const { settings } = settingsFromLedger({
      ...applyDoc,
      inputs: { ...applyDoc.inputs, canary: null, delivery: 'secrets-manager' },
    });
    expect(settings).not.toHaveProperty('canary');
    expect(settings.delivery).toBe('secrets-manager');
  });
});

describe('checkCanary', () => {
  const p = plan([
    target('acme', 'needs-migration'),
    target('beta', 'stale'),
    target('gamma', 'current'),
    target('delta', 'unmanaged'),
  ]);

  it.each([undefined, 'acme', 'beta'])('accepts %s', (canary) => {
    expect(() => checkCanary(p, canary)).not.toThrow();
  });

  it.each([
    ['nobody', '--canary nobody is not a tenant in this plan'],
    ['gamma', '--canary gamma is current, not a tenant to change'],
    ['delta', '--canary delta is unmanaged, not a tenant to change'],
  ])('refuses %s', (canary, message) => {
    expect(() => checkCanary(p, canary)).toThrow(UsageError);
    expect(() => checkCanary(p, canary)).toThrow(message);
  });
});

describe('summarizeTargets and actionableTargets', () => {
  it('counts every class, the total and what apply changes', () => {
    const targets = [
      target('a', 'needs-migration'),
      target('b', 'needs-migration'),
      target('c', 'stale'),
      target('d', 'not-deliverable'),
      target('e', 'current'),
    ];
    expect(summarizeTargets(targets)).toEqual({
      'needs-migration': 2,
      stale: 1,
      current: 1,
      unmanaged: 0,
      'no-container': 0,
      'not-running': 0,
      'probe-failed': 0,
      'not-deliverable': 1,
      total: 5,
      actionable: 3,
    });
    expect(actionableTargets(plan(targets)).map((t) => t.slug)).toEqual(['a', 'b', 'c']);
  });
});

describe('runParameterName', () => {
  it.each([
    ['/molectl/production', '/molectl/production/runs/R1/cp-shared-secret'],
    ['/molectl/production/', '/molectl/production/runs/R1/cp-shared-secret'],
    ['/molectl/production//', '/molectl/production/runs/R1/cp-shared-secret'],
  ])('%s → %s', (prefix, name) => {
    expect(runParameterName(prefix, 'R1')).toBe(name);
  });
});
