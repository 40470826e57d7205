import type { Clock } from '../cli/clock.js';
import type { Redactor } from '../output/redactor.js';

/**
 * Run ledgers under the state directory. SKELETON: the runs engineer replaces this with the
 * real store (atomic ledger files, run ids, listing, resume support, local and SSM locks).
 */
export interface RunStoreOptions {
  stateDir: string;
  clock: Clock;
  redactor: Redactor;
}

export class RunStore {
  constructor(readonly options: RunStoreOptions) {}
}
