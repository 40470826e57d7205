import type { Environment } from '../config/run-environment.js';
import type { RunStore } from '../runs/run-store.js';
import { SlugTakenError } from './create-org.js';

/**
 * A slug taken on the CP may be this machine's own doing: an `org create` of it that was killed
 * (SIGKILL, a CI cancel, a lost laptop) after the CP accepted the create, before its answer was
 * recorded. Told only "taken, pick another slug", a person would create a second org (a second
 * tenant EC2) and leave the first behind. The error then names that run, and the way to pick the
 * org up. Nobody can prove from here that the org is that run's: it says "most likely".
 */
export async function explainTakenByOwnRun(
  runs: RunStore,
  environment: Pick<Environment, 'name' | 'cpUrl'>,
  error: SlugTakenError,
): Promise<SlugTakenError> {
  const { runs: earlier } = await runs.list({ command: 'org create' });
  const mine = earlier.find(
    (doc) =>
      doc.inputs.slug === error.slug &&
      doc.environment.name === environment.name &&
      (!doc.environment.cpUrl || doc.environment.cpUrl === environment.cpUrl),
  );
  if (!mine) return error;
  const outcome = mine.targets[error.slug]?.outcome;
  if (mine.status === 'succeeded' || outcome === 'existed') return error;
  return new SlugTakenError(error.slug, error.cpUrl, {
    reason:
      outcome === 'created'
        ? `by run ${mine.id} of this machine (${mine.status}), which created it and stopped before it was ready`
        : `most likely by run ${mine.id} of this machine (${mine.status}), which sent the create and stopped before recording the CP's answer`,
    hint: `that org is the one it created: wait for it and report it with \`molectl org create ${error.slug} --if-not-exists\` (another slug would be a second org)`,
  });
}
