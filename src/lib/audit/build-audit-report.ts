import { ExitCode } from '../errors.js';
import { AUDIT_CHECKS, SEVERITY_RANK, type CheckId, type Severity } from './audit-checks.js';
import type { AuditSettings } from './audit-settings.js';
import type { Verdict, VerdictStatus } from './audit-verdict.js';
import { buildHistogram, type HistogramBar } from './judge-image.js';
import { formatCount } from '../output/format-count.js';

/**
 * The audit as data, which every renderer reads: a summary per check (pass / fail / unknown,
 * unknown never folded into pass), the image and agent-version histograms, and the findings
 * (failures and unknowns) grouped by tenant. Pure.
 *
 * Exit: 1 when a failure is at or above --fail-on; else 5 when anything is unknown (some part of
 * the fleet could not be audited); else 0.
 */

export const AUDIT_KIND = 'molectl-fleet-audit';

export interface CheckSummary {
  id: CheckId;
  title: string;
  severity: Severity;
  evidence: string;
  pass: number;
  fail: number;
  unknown: number;
}

export interface Finding {
  check: CheckId;
  severity: Severity;
  status: Exclude<VerdictStatus, 'pass'>;
  instanceId: string | null;
  role: string;
  detail: string;
  evidence?: string;
  fix?: string;
}

export interface TenantFindings {
  /** The org slug, or `(unattributed)` for managed instances that name no org. */
  tenant: string;
  findings: Finding[];
}

export interface AuditReport {
  kind: typeof AUDIT_KIND;
  environment: string;
  cpUrl: string;
  region: string;
  startedAt: string;
  durationMs: number;
  failOn: Severity;
  settings: { orgs: string[] | null; expectedImage: string | null; expectedPorts: number[]; minAgentVersion: string };
  scope: { orgs: number; tenants: number; instances: number };
  checks: CheckSummary[];
  skipped: AuditSettings['skipped'];
  histograms: { images: HistogramBar[]; agentVersions: HistogramBar[] };
  tenants: TenantFindings[];
  totals: { failed: number; failedAtOrAboveFailOn: number; unknown: number };
  ok: boolean;
  exitCode: number;
  /** Every verdict, passes included (JUnit needs them); left out of the JSON document. */
  verdicts: Verdict[];
}

export const UNATTRIBUTED = '(unattributed)';

export function buildAuditReport(args: {
  environment: string;
  cpUrl: string;
  region: string;
  startedAt: Date;
  durationMs: number;
  settings: AuditSettings;
  scope: AuditReport['scope'];
  verdicts: Verdict[];
  images: Array<string | null>;
  agentVersions: Array<string | null>;
}): AuditReport {
  const { settings, verdicts } = args;
  const severityOf = new Map(AUDIT_CHECKS.map((c) => [c.id as CheckId, c.severity as Severity]));
  const checks: CheckSummary[] = AUDIT_CHECKS.filter((c) => settings.checks.includes(c.id)).map((c) => {
    const mine = verdicts.filter((v) => v.check === c.id);
    const count = (status: VerdictStatus): number => mine.filter((v) => v.status === status).length;
    return {
      id: c.id,
      title: c.title,
      severity: c.severity,
      evidence: c.evidence,
      pass: count('pass'),
      fail: count('fail'),
      unknown: count('unknown'),
    };
  });

  const byTenant = new Map<string, Finding[]>();
  for (const v of verdicts) {
    if (v.status === 'pass') continue;
    const key = v.subject.slug ?? UNATTRIBUTED;
    const finding: Finding = {
      check: v.check,
      severity: severityOf.get(v.check)!,
      status: v.status,
      instanceId: v.subject.instanceId,
      role: v.subject.role,
      detail: v.detail,
      ...(v.evidence !== undefined ? { evidence: v.evidence } : {}),
      ...(v.fix !== undefined ? { fix: v.fix } : {}),
    };
    byTenant.set(key, [...(byTenant.get(key) ?? []), finding]);
  }
  const rank = (f: Finding): number => (f.status === 'fail' ? 10 : 0) + SEVERITY_RANK[f.severity];
  const tenants = [...byTenant.entries()]
    .map(([tenant, findings]) => ({
      tenant,
      findings: findings.sort(
        (a, b) =>
          rank(b) - rank(a) || a.check.localeCompare(b.check) || (a.instanceId ?? '').localeCompare(b.instanceId ?? ''),
      ),
    }))
    .sort(
      (a, b) =>
        Math.max(...b.findings.map(rank)) - Math.max(...a.findings.map(rank)) || a.tenant.localeCompare(b.tenant),
    );

  const failed = verdicts.filter((v) => v.status === 'fail');
  const failedAtOrAboveFailOn = failed.filter(
    (v) => SEVERITY_RANK[severityOf.get(v.check)!] >= SEVERITY_RANK[settings.failOn],
  ).length;
  const unknownCount = verdicts.filter((v) => v.status === 'unknown').length;
  const exitCode = failedAtOrAboveFailOn > 0 ? ExitCode.failed : unknownCount > 0 ? ExitCode.partial : ExitCode.ok;
  return {
    kind: AUDIT_KIND,
    environment: args.environment,
    cpUrl: args.cpUrl,
    region: args.region,
    startedAt: args.startedAt.toISOString(),
    durationMs: Math.round(args.durationMs),
    failOn: settings.failOn,
    settings: {
      orgs: settings.orgs,
      expectedImage: settings.expectedImage,
      expectedPorts: settings.expectedPorts,
      minAgentVersion: settings.minAgentVersion,
    },
    scope: args.scope,
    checks,
    skipped: settings.skipped,
    histograms: { images: buildHistogram(args.images), agentVersions: buildHistogram(args.agentVersions) },
    tenants,
    totals: { failed: failed.length, failedAtOrAboveFailOn, unknown: unknownCount },
    ok: exitCode === ExitCode.ok,
    exitCode,
    verdicts,
  };
}

/** The JSON document: the report without the per-subject passes (counted in `checks`). */
export function toAuditDocument(report: AuditReport): Omit<AuditReport, 'verdicts'> {
  const { verdicts: _verdicts, ...rest } = report;
  return rest;
}

/** "12 checks on 40 tenants, 80 instances: 3 failed (2 at or above high), 1 unknown" */
export function summarizeAudit(report: AuditReport): string {
  const t = report.totals;
  return `${report.checks.length} checks on ${formatCount(report.scope.tenants, 'tenant')}, ${formatCount(report.scope.instances, 'instance')}, ${formatCount(report.scope.orgs, 'org')}: ${t.failed} failed (${t.failedAtOrAboveFailOn} at or above ${report.failOn}), ${t.unknown} unknown in ${(report.durationMs / 1000).toFixed(1)}s`;
}
