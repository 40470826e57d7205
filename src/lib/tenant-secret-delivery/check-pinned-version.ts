import { AWSCURRENT, AWSPENDING } from '../aws/secret-stages.js';
import type { Context } from '../context.js';
import { MolectlError } from '../errors.js';
import { pinSecret } from '../cp-secret-migration/plan-migration.js';
import type { PinnedSecret } from './migration-plan.js';

const NEW_RUN_HINT = 'start a new run with `molectl migrate cp-secret apply` (it pins the current version)';

/**
 * Before a resume sends anything, the version its run pinned must still be the value tenants
 * should hold: the same bytes (fingerprint), and still AWSCURRENT, or AWSPENDING while a rotation
 * delivers it (a rotation's tenant step is an apply run of its own). A version rotated away since
 * (now AWSPREVIOUS, or unlabelled) would be delivered to the rest of the fleet and verified there
 * by its own fingerprint, while the CP holds the new value: every such tenant "migrated" to 401s.
 */
export async function checkPinnedVersionStillLive(ctx: Context, pinned: PinnedSecret): Promise<void> {
  // The hosts will fetch the pinned version: it must still exist and still be the same value.
  const read = await pinSecret(ctx, pinned.secretId, pinned.versionId);
  if (read.fingerprint !== pinned.fingerprint) {
    throw new MolectlError(
      `secret version ${pinned.versionId} now has fingerprint ${read.fingerprint}, not ${pinned.fingerprint}`,
      { hint: NEW_RUN_HINT },
    );
  }
  const described = await ctx.aws.describeSecret(pinned.secretId);
  const stages = described?.versions.find((v) => v.versionId === pinned.versionId)?.stages ?? [];
  if (stages.includes(AWSCURRENT) || stages.includes(AWSPENDING)) return;
  const current = described?.versions.find((v) => v.stages.includes(AWSCURRENT))?.versionId;
  throw new MolectlError(
    `the run pinned version ${pinned.versionId} of the secret, which is no longer AWSCURRENT (${stages.length ? `now ${stages.join(', ')}` : 'it has no stage now'}${current ? `; AWSCURRENT is ${current}` : ''}): the rest of the fleet would get a superseded value; nothing was sent`,
    { hint: NEW_RUN_HINT },
  );
}
