import type { MigrationPlan, PlanTarget } from '../../../src/lib/tenant-secret-delivery/migration-plan.js';
import { PLAN_SCHEMA_VERSION, summarizeTargets } from '../../../src/lib/tenant-secret-delivery/migration-plan.js';
import type { TenantClass } from '../../../src/lib/tenant-secret-delivery/migration-plan.js';
import type { Styles } from '../../../src/lib/output/output.js';
import type { RunLedgerDocument, TargetRecord } from '../../../src/lib/runs/run-ledger-schema.js';
import type { RunLedger } from '../../../src/lib/runs/run-ledger.js';
import type { InstanceScriptResult } from '../../../src/lib/ssm/run-shell-script.js';

/** Builders shared by the pure cp-secret tests. No I/O. */

export const EXPECTED_FP = 'sha256:9f86d081884c';
export const OTHER_FP = 'sha256:000000000000';
export const CP_URL = 'https://api.moleculesai.app';

export const plainStyles: Styles = {
  ok: (t) => t,
  fail: (t) => t,
  warn: (t) => t,
  dim: (t) => t,
  bold: (t) => t,
  accent: (t) => t,
};

export function target(slug: string, cls: TenantClass, overrides: Partial<PlanTarget> = {}): PlanTarget {
  return {
    slug,
    orgId: `id-${slug}`,
    instanceId: `i-${slug}`,
    class: cls,
    reason: '',
    fingerprint: null,
    durable: false,
    updater: 'unwrapped',
    pingStatus: 'Online',
    agentVersion: '3.3.0.0',
    ...overrides,
  };
}

export function plan(targets: PlanTarget[], overrides: Partial<MigrationPlan> = {}): MigrationPlan {
  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    kind: 'molectl-cp-secret-plan',
    createdAt: '2026-11-22T20:00:00.000Z',
    environment: {
      name: 'production',
      cpUrl: CP_URL,
      tenantCpUrl: CP_URL,
      awsRegion: 'us-east-2',
      awsAccount: '123456789012',
    },
    secret: {
      secretId: 'molecule/cp/provision-shared-secret',
      arn: 'arn:aws:secretsmanager:us-east-2:123456789012:secret:molecule/cp/provision-shared-secret-AbCdEf',
      versionId: 'v-1',
      fingerprint: EXPECTED_FP,
      length: 64,
    },
    containerName: 'molecule-tenant',
    targets,
    mismatches: { instanceWithoutOrg: [], orgWithoutInstance: [], duplicateInstances: [] },
    summary: summarizeTargets(targets),
    ...overrides,
  };
}

export function invocation(overrides: Partial<InstanceScriptResult> = {}): InstanceScriptResult {
  return {
    instanceId: 'i-acme',
    commandId: 'cmd-1',
    status: 'Success',
    statusDetails: 'Success',
    responseCode: 0,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    ...overrides,
  };
}

/** A result line exactly as scripts/tenant-cp-secret.sh prints it. */
export function resultLine(fields: Record<string, unknown>): string {
  return `MOLECTL_RESULT ${JSON.stringify({ molectl: 'cp-secret', mode: 'apply', ...fields })}`;
}

export function record(key: string, overrides: Partial<TargetRecord> = {}): TargetRecord {
  return {
    key,
    state: 'pending',
    remoteIds: {},
    detail: {},
    attempts: 0,
    updatedAt: '2026-11-22T20:00:00.000Z',
    ...overrides,
  };
}

/** What createApplyLedger records as an apply run's settings. */
export const APPLY_INPUTS = {
  canary: 'acme',
  waves: '2,50%,100%',
  maxErrors: 1,
  soakMs: 300000,
  delivery: 'parameter',
  maxConcurrency: 20,
  healthTimeoutSeconds: 90,
  hostTimeoutSeconds: 330,
  containerName: 'molecule-tenant',
};

export const PINNED = {
  secretId: 'molecule/cp/provision-shared-secret',
  arn: 'arn:aws:secretsmanager:us-east-2:1:secret:molecule/cp/provision-shared-secret-AbCdEf',
  versionId: 'v-1',
  fingerprint: EXPECTED_FP,
  length: 64,
};

/** A target's detail as createApplyLedger records it. */
export function applyDetail(instanceId: string, tenantClass: TenantClass, more: TargetRecord['detail'] = {}) {
  return { instanceId, orgId: `id-${instanceId}`, class: tenantClass, reason: 'from the plan', ...more };
}

export function ledgerDoc(targets: TargetRecord[], overrides: Partial<RunLedgerDocument> = {}): RunLedgerDocument {
  return {
    schemaVersion: 1,
    kind: 'molectl-run-ledger',
    id: '20261122T200000Z-migrate-cp-secret-apply-abcd',
    command: 'migrate cp-secret apply',
    environment: {
      name: 'production',
      cpUrl: CP_URL,
      tenantCpUrl: CP_URL,
      awsAccount: '123456789012',
      awsRegion: 'us-east-2',
    },
    status: 'partial',
    startedAt: '2026-11-22T20:00:00.000Z',
    updatedAt: '2026-11-22T20:05:00.000Z',
    owner: { pid: 1, hostname: 'bastion', user: 'ops', since: '2026-11-22T20:00:00.000Z' },
    inputs: { ...APPLY_INPUTS },
    pinned: { ...PINNED },
    targets: Object.fromEntries(targets.map((t) => [t.key, t])),
    events: [],
    eventsDropped: 0,
    ...overrides,
  } as RunLedgerDocument;
}

/** selectRollbackTargets reads only `document`: a ledger without a file behind it. */
export function ledgerOf(doc: RunLedgerDocument): RunLedger {
  return { document: doc, id: doc.id } as unknown as RunLedger;
}
