import type { Context } from '../context.js';
import { MolectlError } from '../errors.js';
import type { RunLedger } from '../runs/run-ledger.js';
import { UnreadableLedgerError } from '../runs/unreadable-ledger-error.js';

/**
 * The ledger of the rotation that left AWSPENDING (its id is the pending version id), for
 * `--resume` and `--abort-pending`. Absent (the rotation ran on another machine): null, and every
 * consumer is treated as touched. Present but unreadable (a power cut, an edit): exit 1 before
 * anything changes, since it may name a tenant step whose commands are still on hosts; moving the
 * file aside is the operator's decision to go on without it.
 */
export async function loadEarlierRotation(ctx: Context, runId: string): Promise<RunLedger | null> {
  try {
    return await ctx.runs.loadIfPresent(runId);
  } catch (error) {
    if (!(error instanceof UnreadableLedgerError)) throw error;
    throw new MolectlError(`${error.message}; nothing was changed`, {
      hint: `to go on without it, move it aside (mv ${error.path} ${error.path}.damaged) and run the same command again: every consumer is then set again (or put back), and a tenant step it had under way is not collected first: check \`molectl runs list --command migrate\` for a run left running`,
      cause: error,
    });
  }
}
