import { isDurable } from '../cp-secret-migration/classify-tenant.js';
import { probeNotRead, type TenantScriptResult } from '../tenant-secret-delivery/parse-script-result.js';
import { fail, pass, unknown, type Judgement } from './audit-verdict.js';

/**
 * cp-secret-missing, cp-secret-stale and cp-secret-not-durable, from the migration probe's result
 * line. Pure; tested as a table. A host whose probe did not run or printed no result is unknown
 * on all three: an unreachable agent is never a pass.
 */

export interface CpSecretInput {
  slug: string;
  /** The parsed probe result, or why there is none (`SSM agent ConnectionLost`, `probe Failed`). */
  probe: { result: TenantScriptResult } | { unavailable: string };
  /** `sha256:<12 hex>` of AWSCURRENT, or why it could not be read. */
  expected: { fingerprint: string } | { unavailable: string };
  /** The MOLECULE_CP_URL tenants must hold. */
  cpUrl: string;
}

export interface CpSecretJudgements {
  'cp-secret-missing': Judgement;
  'cp-secret-stale': Judgement;
  'cp-secret-not-durable': Judgement;
}

export function judgeCpSecret(input: CpSecretInput): CpSecretJudgements {
  if ('unavailable' in input.probe) return allUnknown(input.probe.unavailable);
  const result = input.probe.result;
  if (result.status === 'no-docker') return allUnknown('docker is not installed on the host');
  const notRead = probeNotRead(result);
  if (notRead !== null) return allUnknown(notRead);
  if (!result.container) return allUnknown('the host has no platform container');
  const migrate = `molectl migrate cp-secret apply --orgs ${input.slug}`;
  if (!result.hasSecret) {
    return {
      'cp-secret-missing': fail(
        'MOLECULE_CP_SHARED_SECRET is not set in the container',
        `probe: container env has no MOLECULE_CP_SHARED_SECRET (image ${result.image ?? 'unknown'})`,
        migrate,
      ),
      'cp-secret-stale': pass('holds no other value'),
      'cp-secret-not-durable': pass('holds no value an update could lose'),
    };
  }
  const held = result.fingerprint ?? '';
  const stale = result.conflictingEnv
    ? fail(
        `${result.conflictingEnv} is set more than once with different values: which one the platform reads depends on its runtime`,
        'probe: the container env repeats the variable',
        migrate,
      )
    : judgeStale(input, held, result.cpUrl ?? '', migrate);
  const durable = isDurable(result, held)
    ? pass(`${held} survives an image update (${durableSource(result, held)})`)
    : fail(
        `${held} is only in the running container: the auto-updater would recreate it without the value`,
        `probe: updater ${result.updater ?? 'unknown'}, env file ${result.durableFingerprint || 'none'}, user-data ${result.userDataFingerprint || 'none'}`,
        'molectl migrate cp-secret apply leaves a current tenant as it is, so it does not fix this yet: write MOLECULE_CP_SHARED_SECRET and MOLECULE_CP_URL to /etc/molecule/tenant.env and wrap the auto-updater as docs/commands/migrate-cp-secret.md#durability describes, or re-provision the tenant',
      );
  return { 'cp-secret-missing': pass(`set (${held})`), 'cp-secret-stale': stale, 'cp-secret-not-durable': durable };
}

function judgeStale(input: CpSecretInput, held: string, url: string, migrate: string): Judgement {
  if (url !== input.cpUrl) {
    return fail(
      `MOLECULE_CP_URL is ${url || 'not set'}, expected ${input.cpUrl}`,
      'probe: container env MOLECULE_CP_URL',
      migrate,
    );
  }
  if ('unavailable' in input.expected)
    return unknown(`holds ${held}, but the current value could not be read: ${input.expected.unavailable}`);
  if (held !== input.expected.fingerprint) {
    return fail(
      `holds ${held}, the current value is ${input.expected.fingerprint}`,
      'probe: fingerprint of MOLECULE_CP_SHARED_SECRET in the container env',
      migrate,
    );
  }
  return pass(`holds the current value ${held}`);
}

function durableSource(result: TenantScriptResult, held: string): string {
  if (result.durableFingerprint === held) return "molectl's env file";
  if (result.userDataFingerprint === held) return "the user-data's docker run";
  return 'no auto-updater on the host';
}

function allUnknown(reason: string): CpSecretJudgements {
  return {
    'cp-secret-missing': unknown(reason),
    'cp-secret-stale': unknown(reason),
    'cp-secret-not-durable': unknown(reason),
  };
}
