import type { EnvironmentConfig } from '../config/environments.js';
import { UsageError } from '../errors.js';
import { AUDIT_CHECKS, CHECK_IDS, isCheckId, type CheckId, type Severity } from './audit-checks.js';

/** What one audit run expects and which checks it runs. Pure: config + flags in, settings out. */

export const DEFAULT_EXPECTED_PORTS: readonly number[] = [8080, 3000];
/** 3.x is the agent line current Amazon Linux AMIs ship; configurable because molectl's needs are modest. */
export const DEFAULT_MIN_AGENT_VERSION = '3.0.0.0';

export interface AuditSettings {
  checks: CheckId[];
  /** Checks left out, and why (`--skip`, `--no-console`, not in `--checks`). */
  skipped: Array<{ id: CheckId; reason: string }>;
  failOn: Severity;
  orgs: string[] | null;
  expectedImage: string | null;
  expectedPorts: number[];
  minAgentVersion: string;
}

export interface AuditFlags {
  orgs?: string[];
  checks?: string[];
  skip?: string[];
  failOn: Severity;
  console: boolean;
  expectedImage?: string;
}

export function resolveAuditSettings(environment: Pick<EnvironmentConfig, 'audit'>, flags: AuditFlags): AuditSettings {
  const unknownIds = [...(flags.checks ?? []), ...(flags.skip ?? [])].filter((id) => !isCheckId(id));
  if (unknownIds.length > 0) {
    throw new UsageError(
      `unknown check id${unknownIds.length > 1 ? 's' : ''} ${unknownIds.join(', ')} in --checks/--skip`,
      `the checks are: ${CHECK_IDS.join(', ')}`,
    );
  }
  const skipped: AuditSettings['skipped'] = [];
  const checks = AUDIT_CHECKS.map((c) => c.id).filter((id) => {
    const reason =
      flags.checks && !flags.checks.includes(id)
        ? 'not in --checks'
        : flags.skip?.includes(id)
          ? '--skip'
          : id === 'console-leaks-secret' && !flags.console
            ? '--no-console'
            : null;
    if (reason) skipped.push({ id, reason });
    return reason === null;
  });
  if (checks.length === 0)
    throw new UsageError('no checks left to run', 'loosen --checks/--skip (or drop --no-console)');
  return {
    checks,
    skipped,
    failOn: flags.failOn,
    orgs: flags.orgs ?? null,
    expectedImage: flags.expectedImage ?? environment.audit?.expectedImage ?? null,
    expectedPorts: [...(environment.audit?.expectedPorts ?? DEFAULT_EXPECTED_PORTS)],
    minAgentVersion: environment.audit?.minAgentVersion ?? DEFAULT_MIN_AGENT_VERSION,
  };
}

/** Which sources a set of checks needs read: everything else is not fetched at all. */
export function neededSources(checks: readonly CheckId[]): {
  probe: boolean;
  managed: boolean;
  secret: boolean;
  groups: boolean;
  consoles: boolean;
  answers: boolean;
} {
  const has = (...ids: CheckId[]): boolean => ids.some((id) => checks.includes(id));
  const probe = has(
    'cp-secret-missing',
    'cp-secret-stale',
    'cp-secret-not-durable',
    'unexpected-listener',
    'image-drift',
  );
  return {
    probe,
    managed: probe || has('agent-offline', 'agent-too-old'),
    secret: has('cp-secret-stale'),
    groups: has('debug-port-open'),
    consoles: has('console-leaks-secret'),
    answers: has('admin-token-exposed'),
  };
}
