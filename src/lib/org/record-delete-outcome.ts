import type { RunLedger } from '../runs/run-ledger.js';
import type { DeleteOutcome } from './delete-org.js';

/** Writes one org's delete outcome into the run ledger: ids and facts, never a secret. */
export async function recordDeleteOutcome(ledger: RunLedger, outcome: DeleteOutcome): Promise<void> {
  const remoteIds: Record<string, string> = {};
  outcome.purgeIds.forEach((id, i) => (remoteIds[`purge-${i + 1}`] = id));
  await ledger.updateTarget(outcome.slug, {
    state: outcome.status === 'deleted' ? 'succeeded' : 'failed',
    outcome: outcome.status,
    remoteIds,
    detail: {
      attempts: outcome.attempts,
      // Each DELETE sent and what came back, in order: `2026-...Z HTTP 500: ... (purge p-1)`.
      deleteCalls: outcome.attemptLog.map((a) => `${a.at} ${a.answer}`),
      cpAnswered404: outcome.cpAnswered404,
      elapsedMs: outcome.elapsedMs,
      leftovers: outcome.leftovers.map((l) =>
        l.kind === 'cp-row' ? `cp-row:${l.id}` : `${l.id} (${l.role ?? 'instance'}, ${l.state ?? 'unknown'})`,
      ),
    },
    ...(outcome.error ? { error: outcome.error.message } : {}),
  });
}
