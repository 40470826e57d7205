import type { Context } from '../context.js';
import { describeSecret as describeValue, fingerprintOf } from '../output/fingerprint.js';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '../aws/secret-stages.js';

/**
 * The labelled versions of a secret, each with its fingerprint. Values are read (and so
 * registered with the redactor by the AWS door) only to fingerprint them; none leaves this file.
 */

export interface SecretVersionView {
  versionId: string;
  stages: string[];
  /** When the version was created (ListSecretVersionIds); null when AWS did not say. */
  createdAt: Date | null;
  /** `sha256:<12 hex>`; null when the version could not be read. */
  fingerprint: string | null;
  /** `len=N sha256:...`, how molectl shows a secret. */
  shown: string | null;
  length: number | null;
}

export interface SecretVersionsView {
  secretId: string;
  exists: boolean;
  arn: string | null;
  lastChangedAt: Date | null;
  versions: SecretVersionView[];
}

export async function readSecretVersions(
  ctx: Context,
  secretId: string,
  options: { fingerprints?: boolean } = {},
): Promise<SecretVersionsView> {
  const description = await ctx.aws.describeSecret(secretId);
  if (!description) return { secretId, exists: false, arn: null, lastChangedAt: null, versions: [] };
  const versions = await Promise.all(
    description.versions.map(async (v): Promise<SecretVersionView> => {
      if (options.fingerprints === false)
        return {
          versionId: v.versionId,
          stages: v.stages,
          createdAt: v.createdAt,
          fingerprint: null,
          shown: null,
          length: null,
        };
      const value = await ctx.aws.getSecretValue(secretId, { versionId: v.versionId }).then(
        (s) => s.value,
        () => null,
      );
      return {
        versionId: v.versionId,
        stages: v.stages,
        createdAt: v.createdAt,
        fingerprint: value === null ? null : fingerprintOf(value),
        shown: value === null ? null : describeValue(value),
        length: value === null ? null : Buffer.byteLength(value),
      };
    }),
  );
  versions.sort((a, b) => stageRank(a.stages) - stageRank(b.stages));
  return { secretId, exists: true, arn: description.arn, lastChangedAt: description.lastChangedAt, versions };
}

export function versionWithStage(view: SecretVersionsView, stage: string): SecretVersionView | undefined {
  return view.versions.find((v) => v.stages.includes(stage));
}

function stageRank(stages: string[]): number {
  if (stages.includes(AWSCURRENT)) return 0;
  if (stages.includes(AWSPENDING)) return 1;
  if (stages.includes(AWSPREVIOUS)) return 2;
  return 3;
}
