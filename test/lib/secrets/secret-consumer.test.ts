import { describe, expect, it } from 'vitest';
import { classifyHeld } from '../../../src/lib/secrets/consumer-drift.js';
import type { SecretVersionsView } from '../../../src/lib/secrets/read-secret-versions.js';
import { parseConsumer } from '../../../src/lib/secrets/secret-consumer.js';

describe('parseConsumer', () => {
  it.each([
    ['tenants-env:MOLECULE_CP_SHARED_SECRET', { kind: 'tenants-env', variable: 'MOLECULE_CP_SHARED_SECRET' }],
    [
      'railway:controlplane/production/PROVISION_SHARED_SECRET',
      { kind: 'railway', service: 'controlplane', environment: 'production', variable: 'PROVISION_SHARED_SECRET' },
    ],
    [
      'gitea-actions-secret:molecule-ai/molecule-core/CP_ADMIN_API_TOKEN',
      { kind: 'gitea-actions-secret', owner: 'molecule-ai', repo: 'molecule-core', name: 'CP_ADMIN_API_TOKEN' },
    ],
  ])('%s', (ref, expected) => {
    expect(parseConsumer(ref)).toMatchObject({ ref, ...expected });
  });

  it.each([
    'tenants-env:',
    'tenants-env:A/B',
    'railway:controlplane/PROVISION',
    'railway:a/b/c d',
    'gitea-actions-secret:o/r',
    'vault:x',
  ])('refuses %s with exit 2', (ref) => {
    expect(() => parseConsumer(ref)).toThrow(expect.objectContaining({ code: 2 }));
  });
});

describe('classifyHeld', () => {
  const view: SecretVersionsView = {
    secretId: 's',
    exists: true,
    arn: 'arn',
    lastChangedAt: null,
    versions: [
      {
        versionId: 'c',
        stages: ['AWSCURRENT'],
        createdAt: null,
        fingerprint: 'sha256:c',
        shown: null,
        length: 1,
        unreadable: null,
      },
      {
        versionId: 'p',
        stages: ['AWSPENDING'],
        createdAt: null,
        fingerprint: 'sha256:p',
        shown: null,
        length: 1,
        unreadable: null,
      },
      {
        versionId: 'o',
        stages: ['AWSPREVIOUS'],
        createdAt: null,
        fingerprint: 'sha256:o',
        shown: null,
        length: 1,
        unreadable: null,
      },
    ],
  };
  it.each([
    ['sha256:c', 'current'],
    ['sha256:p', 'pending'],
    ['sha256:o', 'previous'],
    ['sha256:x', 'other'],
    [null, 'missing'],
  ] as const)('%s is %s', (fp, holds) => {
    expect(classifyHeld(fp, view)).toBe(holds);
  });

  it('is unknown, not other, when a labelled version could not be read or no version is AWSCURRENT', () => {
    const unread: SecretVersionsView = {
      ...view,
      versions: [
        { ...view.versions[0]!, fingerprint: null, unreadable: 'AWS denied secretsmanager:GetSecretValue' },
        view.versions[2]!,
      ],
    };
    expect(classifyHeld('sha256:x', unread)).toBe('unknown');
    // A match with a version that was read is still an observation.
    expect(classifyHeld('sha256:o', unread)).toBe('previous');
    expect(classifyHeld('sha256:x', { ...view, versions: [view.versions[2]!] })).toBe('unknown');
  });
});
