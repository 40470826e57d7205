/**
 * Every lock a mutating run takes, by operation name: a local lock under the state directory
 * and, for fleet-wide work, an SSM parameter `<prefix>/locks/<name>`. Named here once so that
 * which runs exclude which reads in one place (docs/runs.md, "Locks", lists the same).
 */
export const LOCKS = {
  /**
   * migrate cp-secret apply, resume and rollback, and a rotation with tenant consumers: two runs
   * must not recreate the same tenants' containers.
   */
  tenantSecretDelivery: 'migrate-cp-secret',
  /** secrets put, rotate and rollback of one secret: two would fight over its AWSPENDING stage. */
  secret: (name: string): string => `secrets-${name}`,
  /** org gc: one sweep per environment. */
  orgGc: 'org-gc',
  /** org delete of one org (local only: the CP refuses a second delete of the same org). */
  orgDelete: (slug: string): string => `org-delete-${slug}`,
} as const;

/**
 * The lock order: a run takes its locks sorted by operation name and releases them in reverse.
 * A lock that is held is refused at once (molectl never waits for one), so with one order two
 * runs that need overlapping locks meet at the first of them: the loser holds nothing yet and
 * stops cleanly, instead of each holding one of the pair and both aborting half-locked.
 */
export function orderLocks(operations: string[]): string[] {
  return [...new Set(operations)].sort();
}
