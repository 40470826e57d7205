import { describe, expect, it } from 'vitest';
import type { TenantScriptResult } from '../../../src/lib/tenant-secret-delivery/parse-script-result.js';
import { judgeCpSecret } from '../../../src/lib/audit/judge-cp-secret.js';

const FP = 'sha256:aaaaaaaaaaaa';
const CP = 'https://api.moleculesai.app';
const probed = (fields: Partial<TenantScriptResult>): TenantScriptResult => ({
  status: 'probed',
  container: true,
  running: true,
  image: 'img:1',
  updater: 'unwrapped',
  ...fields,
});
const judge = (
  probe: Parameters<typeof judgeCpSecret>[0]['probe'],
  expected: Parameters<typeof judgeCpSecret>[0]['expected'] = { fingerprint: FP },
) => judgeCpSecret({ slug: 'acme', probe, expected, cpUrl: CP });
const statuses = (j: ReturnType<typeof judgeCpSecret>) => [
  j['cp-secret-missing'].status,
  j['cp-secret-stale'].status,
  j['cp-secret-not-durable'].status,
];

describe('judgeCpSecret', () => {
  it.each([
    [
      'current and durable through the env file',
      probed({ hasSecret: true, fingerprint: FP, cpUrl: CP, durableFingerprint: FP }),
      ['pass', 'pass', 'pass'],
    ],
    [
      'current, durable through the user-data',
      probed({ hasSecret: true, fingerprint: FP, cpUrl: CP, userDataFingerprint: FP }),
      ['pass', 'pass', 'pass'],
    ],
    [
      'current, no auto-updater',
      probed({ hasSecret: true, fingerprint: FP, cpUrl: CP, updater: 'none' }),
      ['pass', 'pass', 'pass'],
    ],
    [
      'current but only in the running container',
      probed({ hasSecret: true, fingerprint: FP, cpUrl: CP }),
      ['pass', 'pass', 'fail'],
    ],
    ['missing (pre-cutover)', probed({ hasSecret: false }), ['fail', 'pass', 'pass']],
    [
      'stale value',
      probed({
        hasSecret: true,
        fingerprint: 'sha256:bbbbbbbbbbbb',
        cpUrl: CP,
        durableFingerprint: 'sha256:bbbbbbbbbbbb',
      }),
      ['pass', 'fail', 'pass'],
    ],
    [
      'another CP URL',
      probed({ hasSecret: true, fingerprint: FP, cpUrl: 'https://old', durableFingerprint: FP }),
      ['pass', 'fail', 'pass'],
    ],
    ['no container', probed({ container: false }), ['unknown', 'unknown', 'unknown']],
    ['no docker', { status: 'no-docker' }, ['unknown', 'unknown', 'unknown']],
  ] as const)('%s', (_name, result, expected) => {
    expect(statuses(judge({ result }))).toEqual(expected);
  });

  it('is unknown on all three when the probe could not run: an offline agent is never a pass', () => {
    const j = judge({ unavailable: 'SSM agent ConnectionLost: the probe could not run' });
    expect(statuses(j)).toEqual(['unknown', 'unknown', 'unknown']);
    expect(j['cp-secret-missing'].detail).toContain('ConnectionLost');
  });

  it('cannot call a held value current when the current one could not be read', () => {
    const j = judge(
      { result: probed({ hasSecret: true, fingerprint: FP, cpUrl: CP, durableFingerprint: FP }) },
      { unavailable: 'AccessDenied' },
    );
    expect(statuses(j)).toEqual(['pass', 'unknown', 'pass']);
  });

  it('says what fixes a missing or stale secret, and shows only fingerprints', () => {
    const missing = judge({ result: probed({ hasSecret: false }) })['cp-secret-missing'];
    expect(missing.fix).toBe('molectl migrate cp-secret apply --orgs acme');
    const stale = judge({ result: probed({ hasSecret: true, fingerprint: 'sha256:bbbbbbbbbbbb', cpUrl: CP }) })[
      'cp-secret-stale'
    ];
    expect(stale.detail).toBe(`holds sha256:bbbbbbbbbbbb, the current value is ${FP}`);
    expect(stale.fix).toBe('molectl migrate cp-secret apply --orgs acme');
  });
});
