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
  /** Why the value could not be read (AWS's refusal, first line); null when it was, or was not asked for. */
  unreadable: string | null;
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
          unreadable: null,
        };
      const read = await ctx.aws.getSecretValue(secretId, { versionId: v.versionId }).then(
        (s) => ({ value: s.value }),
        (error: unknown) => {
          if (ctx.signal.aborted) throw error;
          return { error: error instanceof Error ? error.message.split('\n')[0]! : 'the read failed' };
        },
      );
      const value = 'value' in read ? read.value : null;
      return {
        versionId: v.versionId,
        stages: v.stages,
        createdAt: v.createdAt,
        fingerprint: value === null ? null : fingerprintOf(value),
        shown: value === null ? null : describeValue(value),
        length: value === null ? null : Buffer.byteLength(value),
        unreadable: 'error' in read ? read.error : null,
      };
    }),
  );
  versions.sort((a, b) => stageRank(a.stages) - stageRank(b.stages));
  return { secretId, exists: true, arn: description.arn, lastChangedAt: description.lastChangedAt, versions };
}

/**
 * Why the labelled versions cannot all be compared with, one line each (`AWSCURRENT could not be
 * read: ...`), or none: a version whose value was refused, or no version labelled AWSCURRENT.
 * `secretName` names the secret in each line, for a line read apart from its secret (a warning).
 */
export function describeUnreadVersions(view: SecretVersionsView, secretName?: string): string[] {
  const of = secretName === undefined ? '' : ` of ${secretName}`;
  const reasons = view.versions
    .filter((v) => v.unreadable !== null && v.stages.length > 0)
    .map((v) => `${v.stages.join('+')}${of} could not be read: ${v.unreadable}`);
  if (view.exists && !versionWithStage(view, AWSCURRENT)) reasons.push(`no version${of} is labelled AWSCURRENT`);
  return reasons;
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
