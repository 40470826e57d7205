/**
 * The catalogue of `molectl fleet audit` checks. Ids are stable: CI configurations, --checks and
 * --skip name them, and docs/commands/fleet-audit.md documents each. Every check has a severity,
 * the scope of what it judges (one verdict per tenant, per instance or per org) and the evidence
 * it rests on; the exact fix is built per finding by the check's judge.
 */

export const SEVERITIES = ['high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SEVERITY_RANK: Record<Severity, number> = { high: 3, medium: 2, low: 1 };

/** tenant: each running tenant instance of a live org; instance: every CP-managed instance (tenants, workspaces, orphans); org: each org the CP lists. */
export type CheckScope = 'tenant' | 'instance' | 'org';

export interface AuditCheck {
  id: string;
  title: string;
  severity: Severity;
  scope: CheckScope;
  /** The observation a verdict rests on, in one line (docs and reports show it). */
  evidence: string;
}

export const AUDIT_CHECKS = [
  {
    id: 'cp-secret-missing',
    title: 'The platform container holds MOLECULE_CP_SHARED_SECRET',
    severity: 'high',
    scope: 'tenant',
    evidence: 'the migration probe on the host (docker inspect of the container env), batched over SSM',
  },
  {
    id: 'cp-secret-stale',
    title: "The container's shared secret and MOLECULE_CP_URL are the current ones",
    severity: 'high',
    scope: 'tenant',
    evidence: "the probe's sha256 fingerprint against the AWSCURRENT value in Secrets Manager, and the CP URL",
  },
  {
    id: 'cp-secret-not-durable',
    title: 'An image update would keep the shared secret',
    severity: 'medium',
    scope: 'tenant',
    evidence: "the probe: the env file molectl writes, the user-data's docker run, or no auto-updater",
  },
  {
    id: 'admin-token-exposed',
    title: 'The public /cp/orgs/<slug>/instance answer carries no admin_token or token-shaped value',
    severity: 'high',
    scope: 'org',
    evidence: 'GET /cp/orgs/<slug>/instance (unauthenticated, as the edge calls it): field names and values',
  },
  {
    id: 'console-leaks-secret',
    title: 'The EC2 console output holds no registered secret and no token shape',
    severity: 'high',
    scope: 'instance',
    evidence: 'GetConsoleOutput (the last 64 KB), scanned by the redactor: line numbers, never values',
  },
  {
    id: 'debug-port-open',
    title: 'No security group admits 0.0.0.0/0 or ::/0 to a port outside the expected set',
    severity: 'high',
    scope: 'instance',
    evidence: 'DescribeSecurityGroups for the groups on the instance (one call per page of groups)',
  },
  {
    id: 'unexpected-listener',
    title: 'No process listens on a non-loopback port outside the expected set',
    severity: 'high',
    scope: 'tenant',
    evidence: '`ss -Hltnp` on the host, in the same batched SSM probe',
  },
  {
    id: 'imds-v1',
    title: 'Instance metadata requires tokens (IMDSv2 only)',
    severity: 'high',
    scope: 'instance',
    evidence: 'DescribeInstances MetadataOptions: HttpTokens required, or HttpEndpoint disabled',
  },
  {
    id: 'orphan-instance',
    title: 'Every CP-managed instance belongs to an org the CP has',
    severity: 'medium',
    scope: 'instance',
    evidence:
      'the cross-check of `molectl fleet orphans`: instance org tags against the CP, absences confirmed by the CP',
  },
  {
    id: 'org-without-instance',
    title: 'Every running org has a live tenant instance',
    severity: 'medium',
    scope: 'org',
    evidence: "the CP's org list (instance_status running) against the tenant-tagged EC2 instances",
  },
  {
    id: 'tag-mismatch',
    title: 'Managed instances carry org tags that name exactly one tenant per org',
    severity: 'low',
    scope: 'instance',
    evidence: 'the instance tags (org slug, org id, Role) and the tenant instances per org',
  },
  {
    id: 'image-drift',
    title: 'The tenant runs the expected platform image',
    severity: 'medium',
    scope: 'tenant',
    evidence: 'the image the probe reads from the container, against audit.expectedImage or --expected-image',
  },
  {
    id: 'agent-offline',
    title: 'The SSM agent is online',
    severity: 'medium',
    scope: 'tenant',
    evidence: 'DescribeInstanceInformation PingStatus',
  },
  {
    id: 'agent-too-old',
    title: 'The SSM agent is at least the version molectl needs',
    severity: 'low',
    scope: 'tenant',
    evidence: 'DescribeInstanceInformation AgentVersion, against audit.minAgentVersion',
  },
] as const satisfies readonly AuditCheck[];

export type CheckId = (typeof AUDIT_CHECKS)[number]['id'];

export const CHECK_IDS: readonly CheckId[] = AUDIT_CHECKS.map((c) => c.id);

export function isCheckId(value: string): value is CheckId {
  return (CHECK_IDS as readonly string[]).includes(value);
}

export function getCheck(id: CheckId): AuditCheck {
  return AUDIT_CHECKS.find((c) => c.id === id)!;
}
