import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import type { Environment } from '../config/run-environment.js';
import { ConfigError, NotFoundError, UsageError } from '../errors.js';
import { findDirectoryProblem } from './run-preconditions.js';
import type { Redactor } from '../output/redactor.js';
import { acquireLocalLock, breakLocalLock, type LocalLock, type LocalLockHolder } from './local-lock.js';
import { describeCurrentProcess } from './process-owner.js';
import { RunLedger } from './run-ledger.js';
import type { RunLedgerDocument, ScalarOrList } from './run-ledger-schema.js';
import { LEDGER_SCHEMA_VERSION } from './run-ledger-states.js';
import { createRunId, isRunId } from './run-id.js';
import { UnreadableLedgerError } from './unreadable-ledger-error.js';
import { LedgerWriteError } from './ledger-write-error.js';
import { writeFileExclusive } from './write-file-exclusive.js';
import { describeJsonSyntaxError } from '../config/describe-json-syntax-error.js';

/**
 * The run ledgers under `<stateDir>/runs/` and the local locks under `<stateDir>/locks/`
 * (docs/runs.md). ctx.runs is one of these; every mutating command creates its ledger here
 * before it changes anything.
 */

export interface RunStoreOptions {
  stateDir: string;
  clock: Clock;
  redactor: Redactor;
}

export interface CreateRunInput {
  /** The command as typed, e.g. `migrate cp-secret apply`. */
  command: string;
  /** Where the run acts: describeEnvironment(), or configuredEnvironment() when it makes no AWS call. */
  environment: Environment;
  /** Options by name. Secret inputs go in as names or fingerprints, never values. */
  inputs?: Record<string, ScalarOrList>;
  pinned?: Record<string, ScalarOrList>;
  /** Known targets, recorded as pending. */
  targets?: string[];
}

export interface ListRunsFilter {
  /** `migrate cp-secret apply`, or a leading part of it such as `migrate`. */
  command?: string;
  limit?: number;
}

export interface RunListing {
  runs: RunLedgerDocument[];
  /** Files that could not be read or parsed, skipped so one bad file does not hide the rest. */
  skipped: Array<{ file: string; reason: string }>;
}

const LEDGER_SUFFIX = '.json';
/** Shortest id prefix `runs show` resolves, so a typo does not match half the directory. */
const MIN_PREFIX_LENGTH = 6;

export class RunStore {
  readonly runsDir: string;
  readonly lockDir: string;

  constructor(readonly options: RunStoreOptions) {
    this.runsDir = join(options.stateDir, 'runs');
    this.lockDir = join(options.stateDir, 'locks');
  }

  pathOf(id: string): string {
    return join(this.runsDir, `${id}${LEDGER_SUFFIX}`);
  }

  /** Creates the ledger file (never over another run's) owned by this process, status running. */
  async create(input: CreateRunInput): Promise<RunLedger> {
    await mkdir(this.runsDir, { recursive: true, mode: 0o700 });
    const startedAt = this.options.clock.now();
    const now = startedAt.toISOString();
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = createRunId(input.command, startedAt);
      const doc: RunLedgerDocument = {
        schemaVersion: LEDGER_SCHEMA_VERSION,
        kind: 'molectl-run-ledger',
        id,
        command: input.command,
        environment: { ...input.environment },
        status: 'running',
        startedAt: now,
        updatedAt: now,
        owner: { ...describeCurrentProcess(), since: now },
        inputs: {},
        pinned: {},
        targets: {},
        events: [],
        eventsDropped: 0,
      };
      const ledger = new RunLedger(doc, {
        path: this.pathOf(id),
        clock: this.options.clock,
        redactor: this.options.redactor,
      });
      // Redacted content is built through the ledger's own setters, then the name is claimed
      // exclusively: two runs in the same second with the same random tail cannot share a file.
      // A disk that fails this first write (EIO, a file system gone read-only) is said as such,
      // as a failed write mid-run is, not as an unexpected error to report.
      const created = await writeFileExclusive(ledger.path, ledger.serialize(), { mode: 0o600 }).catch(
        (error: unknown) => {
          throw new LedgerWriteError(ledger.path, error, { creating: true });
        },
      );
      if (!created) continue;
      if (input.inputs) await ledger.setInputs(input.inputs);
      if (input.pinned) await ledger.setPinned(input.pinned);
      if (input.targets?.length) await ledger.addTargets(input.targets);
      return ledger;
    }
    throw new Error(`could not find a free run id under ${this.runsDir}`);
  }

  /** Loads a run by id or unique id prefix. Unknown → exit 4. */
  async load(idOrPrefix: string): Promise<RunLedger> {
    const id = await this.resolveId(idOrPrefix);
    const doc = await this.readDocument(id);
    return new RunLedger(doc, {
      path: this.pathOf(id),
      clock: this.options.clock,
      redactor: this.options.redactor,
      reload: () => this.readDocument(id),
      claimDir: this.lockDir,
    });
  }

  /**
   * A run that may have been recorded on another machine: null when there is no such ledger here.
   * A ledger that is here but cannot be read (damaged by a power cut, hand-edited) is not taken
   * for absent: it throws (UnreadableLedgerError, exit 1), since what it recorded may be in flight.
   */
  async loadIfPresent(id: string): Promise<RunLedger | null> {
    try {
      return await this.load(id);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  /**
   * Newest first. File names start with the start time, so only as many files as the limit
   * needs are read, however many runs have piled up.
   */
  async list(filter: ListRunsFilter = {}): Promise<RunListing> {
    const limit = filter.limit ?? Number.POSITIVE_INFINITY;
    const ids = (await this.listIds()).sort().reverse();
    const runs: RunLedgerDocument[] = [];
    const skipped: RunListing['skipped'] = [];
    for (const id of ids) {
      if (runs.length >= limit) break;
      let doc: RunLedgerDocument;
      try {
        doc = await this.readDocument(id);
      } catch (error) {
        skipped.push({ file: this.pathOf(id), reason: (error as Error).message });
        continue;
      }
      if (filter.command && !matchesCommand(doc.command, filter.command)) continue;
      runs.push(doc);
    }
    runs.sort((a, b) =>
      a.startedAt === b.startedAt ? b.id.localeCompare(a.id) : b.startedAt.localeCompare(a.startedAt),
    );
    return { runs, skipped };
  }

  /** Takes the local lock for an operation on an environment (see local-lock.ts). */
  acquireLock(args: { environment: string; operation: string; runId: string; breakHint?: string }): Promise<LocalLock> {
    return acquireLocalLock({ ...args, lockDir: this.lockDir, now: this.options.clock.now() });
  }

  /** Explicitly breaks a local lock; resolves who held it (null when free or unreadable). */
  async breakLock(args: {
    environment: string;
    operation: string;
  }): Promise<{ path: string; holder: LocalLockHolder | null; existed: boolean }> {
    return breakLocalLock({ ...args, lockDir: this.lockDir });
  }

  private async resolveId(idOrPrefix: string): Promise<string> {
    const hint = 'list runs with `molectl runs list`';
    if (isRunId(idOrPrefix)) return idOrPrefix;
    // Anything else is only ever compared against directory entries, never joined into a path.
    if (idOrPrefix.length >= MIN_PREFIX_LENGTH && /^[0-9A-Za-z-]+$/.test(idOrPrefix)) {
      const matches = (await this.listIds()).filter((id) => id.startsWith(idOrPrefix));
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1) {
        throw new UsageError(
          `run id prefix "${idOrPrefix}" matches ${matches.length} runs (${matches.slice(0, 3).join(', ')}${matches.length > 3 ? ', ...' : ''})`,
          'give more of the id',
        );
      }
    }
    throw new NotFoundError(`no run "${idOrPrefix}" in ${this.runsDir}`, hint);
  }

  private async listIds(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.runsDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return [];
      // A state directory that is a file (or unreadable) is a setting to fix, not an unexpected error.
      if (code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM')
        throw new ConfigError(
          `the state directory ${this.options.stateDir} cannot be read: ${findDirectoryProblem(this.runsDir) ?? `${this.runsDir}: ${code}`}`,
          'point MOLECTL_STATE_DIR (or XDG_STATE_HOME) at the directory that holds the runs',
          error,
        );
      throw error;
    }
    return names
      .filter((n) => n.endsWith(LEDGER_SUFFIX))
      .map((n) => n.slice(0, -LEDGER_SUFFIX.length))
      .filter(isRunId);
  }

  private async readDocument(id: string): Promise<RunLedgerDocument> {
    const path = this.pathOf(id);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NotFoundError(`no run "${id}" in ${this.runsDir}`, 'list runs with `molectl runs list`');
      }
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new UnreadableLedgerError(path, `not valid JSON (${describeJsonSyntaxError(error, text)})`);
    }
    const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
    if (typeof version === 'number' && version > LEDGER_SCHEMA_VERSION) {
      throw new UnreadableLedgerError(path, `written by a newer molectl (ledger schemaVersion ${version})`);
    }
    if (typeof version === 'number' && version < LEDGER_SCHEMA_VERSION) {
      throw new UnreadableLedgerError(
        path,
        `written by an older molectl (ledger schemaVersion ${version}; this molectl reads ${LEDGER_SCHEMA_VERSION})`,
      );
    }
    // Imported here, not at the top: building the schema (and loading zod) is for runs that read a ledger.
    const { runLedgerSchema } = await import('./run-ledger-schema.js');
    const parsed = runLedgerSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UnreadableLedgerError(path, `field "${issue.path.join('.') || '(top level)'}" ${issue.message}`);
    }
    return parsed.data;
  }
}

function matchesCommand(command: string, filter: string): boolean {
  const wanted = filter.trim().replace(/\s+/g, ' ');
  return command === wanted || command.startsWith(`${wanted} `);
}
