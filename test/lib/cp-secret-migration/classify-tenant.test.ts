import { describe, expect, it } from 'vitest';
import type { ManagedInstance } from '../../../src/lib/aws/aws-types.js';
import { classifyTenant, isDurable, type ClassifyInput } from '../../../src/lib/cp-secret-migration/classify-tenant.js';
import { ACTIONABLE_CLASSES, TENANT_CLASSES } from '../../../src/lib/tenant-secret-delivery/migration-plan.js';
import type { TenantScriptResult } from '../../../src/lib/tenant-secret-delivery/parse-script-result.js';
import { CP_URL, EXPECTED_FP, OTHER_FP } from '../tenant-secret-delivery/fixtures.js';

const online: ManagedInstance = {
  instanceId: 'i-acme',
  pingStatus: 'Online',
  agentVersion: '3.3.0.0',
  platformType: 'Linux',
  lastPingAt: null,
};

/** What the probe prints for a container that can be migrated and holds nothing yet. */
const probed: TenantScriptResult = {
  status: 'probed',
  container: true,
  running: true,
  image: 'ghcr.io/molecule-ai/platform-tenant:2026.04.02',
  hasSecret: false,
  hasUrl: false,
  cpUrl: '',
  fingerprint: '',
  durableFingerprint: '',
  userDataFingerprint: '',
  updater: 'unwrapped',
  python3: true,
  awsHost: true,
  awsContainer: false,
};

const input = (
  overrides: Partial<ClassifyInput> = {},
  result: Partial<TenantScriptResult> | null = {},
): ClassifyInput => ({
  managed: online,
  probeStatus: 'Success',
  result: result === null ? null : { ...probed, ...result },
  expectedFingerprint: EXPECTED_FP,
  cpUrl: CP_URL,
  ...overrides,
});

const holding = (fp: string, extra: Partial<TenantScriptResult> = {}): Partial<TenantScriptResult> => ({
  hasSecret: true,
  fingerprint: fp,
  hasUrl: true,
  cpUrl: CP_URL,
  ...extra,
});

describe('classifyTenant', () => {
  const cases: Array<[string, ClassifyInput, string, string]> = [
    ['not registered with SSM', input({ managed: undefined }), 'unmanaged', 'not registered with SSM'],
    [
      'agent offline',
      input({ managed: { ...online, pingStatus: 'ConnectionLost' } }),
      'unmanaged',
      'SSM agent ConnectionLost',
    ],
    ['agent inactive', input({ managed: { ...online, pingStatus: 'Inactive' } }), 'unmanaged', 'SSM agent Inactive'],
    ['probe failed on the host', input({ probeStatus: 'Failed' }), 'probe-failed', 'probe Failed'],
    ['probe timed out', input({ probeStatus: 'TimedOut' }), 'probe-failed', 'probe TimedOut'],
    ['probe never ran', input({ probeStatus: undefined }), 'probe-failed', 'probe did not run'],
    ['probe exited 0 without a result line', input({}, null), 'probe-failed', 'probe printed no result line'],
    [
      'docker missing',
      input({}, { status: 'no-docker', container: undefined }),
      'no-container',
      'docker is not installed',
    ],
    ['no platform container', input({}, { container: false }), 'no-container', 'no platform container'],
    [
      'current, durable through the env file',
      input({}, holding(EXPECTED_FP, { durableFingerprint: EXPECTED_FP })),
      'current',
      'up to date, durable',
    ],
    [
      'current, durable through its user-data (post-cutover)',
      input({}, holding(EXPECTED_FP, { userDataFingerprint: EXPECTED_FP })),
      'current',
      'up to date, durable',
    ],
    [
      'current, durable because nothing recreates it',
      input({}, holding(EXPECTED_FP, { updater: 'none' })),
      'current',
      'up to date, durable',
    ],
    [
      'current, but an image update would lose it',
      input({}, holding(EXPECTED_FP)),
      'current',
      'up to date, but an image update would lose it',
    ],
    [
      'current even when delivery could not work',
      input({}, holding(EXPECTED_FP, { awsHost: false, durableFingerprint: EXPECTED_FP })),
      'current',
      'up to date, durable',
    ],
    ['stale: another fingerprint', input({}, holding(OTHER_FP)), 'stale', `holds ${OTHER_FP}`],
    [
      'stale and no aws CLI',
      input({}, holding(OTHER_FP, { awsHost: false })),
      'not-deliverable',
      'stale, and the aws CLI is missing on the host',
    ],
    [
      'stale and no python3',
      input({}, holding(OTHER_FP, { python3: false })),
      'not-deliverable',
      'stale, and python3 is missing on the host',
    ],
    ['secret not set', input(), 'needs-migration', 'MOLECULE_CP_SHARED_SECRET not set'],
    [
      'right secret, other MOLECULE_CP_URL',
      input({}, holding(EXPECTED_FP, { cpUrl: 'https://old-cp.example.com' })),
      'needs-migration',
      'MOLECULE_CP_URL differs',
    ],
    [
      'right secret, no MOLECULE_CP_URL',
      input({}, holding(EXPECTED_FP, { hasUrl: false, cpUrl: '' })),
      'needs-migration',
      'MOLECULE_CP_URL differs',
    ],
    [
      'needs it, no aws CLI on the host',
      input({}, { awsHost: false }),
      'not-deliverable',
      'the aws CLI is missing on the host',
    ],
    // The apply script fetches with the host's aws CLI; one inside the container does not help.
    [
      'needs it, aws CLI only in the container',
      input({}, { awsHost: false, awsContainer: true }),
      'not-deliverable',
      'the aws CLI is missing on the host',
    ],
    // Without python3 the probe stops early and reports no env facts at all.
    [
      'needs it, no python3',
      input({}, { python3: false, hasSecret: undefined, fingerprint: undefined }),
      'not-deliverable',
      'python3 is missing on the host',
    ],
    [
      'a stopped container that needs the value: recreating it would start it',
      input({}, { running: false }),
      'not-running',
      'the platform container is stopped: a migration would start it',
    ],
    [
      'a stopped container that already holds the value is current (nothing to change)',
      input({}, { running: false, hasSecret: true, fingerprint: EXPECTED_FP, hasUrl: true, cpUrl: CP_URL }),
      'current',
      'up to date, but an image update would lose it',
    ],
    [
      'an env value with a line break, which docker --env-file cannot carry',
      input({}, { multilineEnv: 'TLS_KEY,BANNER' }),
      'not-deliverable',
      'env value(s) with a line break (TLS_KEY,BANNER) that the recreate cannot carry over',
    ],
    [
      'settings the recreate cannot carry over (a device, a second network): never recreated without them',
      input({}, { uncarriedConfig: '--gpus,a second network' }),
      'not-deliverable',
      'started with settings the recreate cannot carry over (--gpus,a second network)',
    ],
    [
      'the right value, but set twice with another value: which one is read depends on the runtime',
      input(
        {},
        {
          hasSecret: true,
          fingerprint: EXPECTED_FP,
          hasUrl: true,
          cpUrl: CP_URL,
          conflictingEnv: 'MOLECULE_CP_SHARED_SECRET',
        },
      ),
      'stale',
      'MOLECULE_CP_SHARED_SECRET set more than once with different values',
    ],
    [
      'docker did not answer: not judged, never "no container"',
      input({}, { status: 'docker-unavailable', reason: 'Cannot connect to the Docker daemon', container: undefined }),
      'probe-failed',
      'docker did not answer on the host: Cannot connect to the Docker daemon',
    ],
    [
      'neither python3 nor aws: python3 named first',
      input({}, { python3: false, awsHost: false }),
      'not-deliverable',
      'python3 is missing on the host',
    ],
  ];

  it.each(cases)('%s', (_name, given, cls, reason) => {
    expect(classifyTenant(given)).toEqual({ class: cls, reason });
  });

  it('reaches every class', () => {
    expect(new Set(cases.map((c) => c[2]))).toEqual(new Set(TENANT_CLASSES));
  });

  it('changes only needs-migration and stale tenants', () => {
    expect([...ACTIONABLE_CLASSES].sort()).toEqual(['needs-migration', 'stale']);
  });
});

describe('isDurable', () => {
  it.each([
    ['the env file holds it', { durableFingerprint: EXPECTED_FP }, true],
    ['the user-data holds it', { userDataFingerprint: EXPECTED_FP }, true],
    ['no updater on the host', { updater: 'none' }, true],
    ['the env file holds another value', { durableFingerprint: OTHER_FP }, false],
    ['the updater is already wrapped but the env file is missing', { updater: 'wrapped' }, false],
    ['nothing keeps it', {}, false],
  ] as Array<[string, Partial<TenantScriptResult>, boolean]>)('%s → %s', (_name, fields, durable) => {
    expect(isDurable({ ...probed, ...fields }, EXPECTED_FP)).toBe(durable);
  });
});
