import { describe, expect, it } from 'vitest';
import { describeUnreadVersions, type SecretVersionsView } from '../../../src/lib/secrets/read-secret-versions.js';

const view = (versions: Array<{ stages: string[]; unreadable: string | null }>): SecretVersionsView => ({
  secretId: 'molecule/cp/provision-shared-secret',
  exists: true,
  arn: 'arn:aws:secretsmanager:us-east-2:111122223333:secret:molecule/cp/provision-shared-secret-AbCdEf',
  lastChangedAt: null,
  versions: versions.map((v, i) => ({
    versionId: `v${i}`,
    stages: v.stages,
    createdAt: null,
    fingerprint: v.unreadable === null ? 'sha256:0123456789ab' : null,
    shown: null,
    length: null,
    unreadable: v.unreadable,
  })),
});

describe('describeUnreadVersions', () => {
  it('names a refused labelled version, with the secret when asked (a warning read on its own)', () => {
    const refused = view([{ stages: ['AWSCURRENT'], unreadable: 'AWS denied secretsmanager:GetSecretValue' }]);
    expect(describeUnreadVersions(refused)).toEqual([
      'AWSCURRENT could not be read: AWS denied secretsmanager:GetSecretValue',
    ]);
    expect(describeUnreadVersions(refused, 'molecule/cp/provision-shared-secret')).toEqual([
      'AWSCURRENT of molecule/cp/provision-shared-secret could not be read: AWS denied secretsmanager:GetSecretValue',
    ]);
  });

  it('says when no version is labelled AWSCURRENT, the secret named in the sentence, not inside its first word', () => {
    const unlabelled = view([{ stages: ['AWSPREVIOUS'], unreadable: null }]);
    expect(describeUnreadVersions(unlabelled)).toEqual(['no version is labelled AWSCURRENT']);
    expect(describeUnreadVersions(unlabelled, 'molecule/cp/provision-shared-secret')).toEqual([
      'no version of molecule/cp/provision-shared-secret is labelled AWSCURRENT',
    ]);
  });

  it('has nothing to say when every labelled version was read', () => {
    expect(describeUnreadVersions(view([{ stages: ['AWSCURRENT'], unreadable: null }]))).toEqual([]);
  });
});
