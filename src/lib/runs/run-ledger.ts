import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Clock } from '../clock.js';
import { ExitCode, MolectlError, isMolectlError } from '../errors.js';
import type { Redactor } from '../output/redactor.js';
import { renderOutputText } from '../output/remote-text.js';
import { writeFileAtomic } from '../output/write-file.js';
import { LedgerSerializer } from './ledger-serializer.js';
import { LedgerWriteError } from './ledger-write-error.js';
import { checkOwnerLiveness, describeCurrentProcess } from './process-owner.js';
import { createClaimMarker } from './claim-marker.js';
import type {
  RunErrorRecord,
  RunEvent,
  RunLedgerDocument,
  RunStatus,
  ScalarOrList,
  TargetRecord,
  TargetState,
} from './run-ledger-schema.js';
import { FINISHED_TARGET_STATES, SETTLED_TARGET_STATES, TARGET_STATES } from './run-ledger-states.js';

/**
 * One run's ledger, in memory and on disk. Every change is written at once (atomically: temp +
 * fsync + rename), so a SIGKILL at any moment leaves the last complete state on disk.
 *
 * Invariants:
 *  - every string that enters is redacted first, and the whole document is redacted again on
 *    every write: a secret a caller slips into an error message never reaches the file;
 *  - writes never interleave and never lose an update: at most one write is in flight and at
 *    most one is queued behind it; the queued one snapshots the document when it starts, so it
 *    carries every change made before then (many targets finishing at once cost one write, or
 *    two when a write was already in flight).
 */

export interface LedgerIo {
  path: string;
  clock: Clock;
  redactor: Redactor;
  /** The document as the file has it now (validated); for a ledger loaded to be resumed. */
  reload?: () => Promise<RunLedgerDocument>;
  /** Where claim() records, once, who took the run over from whom (claim-marker.ts). */
  claimDir?: string;
}

export interface TargetPatch {
  state?: TargetState;
  outcome?: string;
  /**
   * Merged into the target's remote ids (SSM command id, secret version id); null removes one,
   * so that a new attempt does not carry the previous attempt's id (a resume would adopt it).
   */
  remoteIds?: Record<string, string | null>;
  /** Merged into the target's details (fingerprints, exit code, health). Never secret values. */
  detail?: Record<string, ScalarOrList>;
  /** An Error, MolectlError or message; null clears a previous error. */
  error?: unknown;
}

/** Keeps a ledger bounded however long the run: the oldest events go first. */
export const MAX_EVENTS = 500;
const MAX_MESSAGE_LENGTH = 2000;

export class RunLedger {
  private inFlight: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private readonly serializer: LedgerSerializer;

  constructor(
    private readonly doc: RunLedgerDocument,
    private readonly io: LedgerIo,
  ) {
    this.serializer = new LedgerSerializer(io.redactor);
  }

  get id(): string {
    return this.doc.id;
  }

  get path(): string {
    return this.io.path;
  }

  get status(): RunStatus {
    return this.doc.status;
  }

  /** The ledger as it stands. Read-only: change it through the methods, which also persist. */
  get document(): Readonly<RunLedgerDocument> {
    return this.doc;
  }

  target(key: string): Readonly<TargetRecord> | undefined {
    return this.doc.targets[key];
  }

  /** Keys of targets a resume still has to do: everything not succeeded or skipped. */
  unfinishedTargets(): string[] {
    return Object.values(this.doc.targets)
      .filter((t) => !FINISHED_TARGET_STATES.has(t.state))
      .map((t) => t.key);
  }

  countTargets(): Record<TargetState, number> & { total: number; settled: number } {
    const counts = Object.fromEntries(TARGET_STATES.map((s) => [s, 0])) as Record<TargetState, number>;
    let settled = 0;
    for (const t of Object.values(this.doc.targets)) {
      counts[t.state] += 1;
      if (SETTLED_TARGET_STATES.has(t.state)) settled += 1;
    }
    return { ...counts, total: Object.keys(this.doc.targets).length, settled };
  }

  /** A target not yet worked on. */
  private pendingTarget(key: string, now: string): TargetRecord {
    return { key: this.clean(key), state: 'pending', remoteIds: {}, detail: {}, attempts: 0, updatedAt: now };
  }

  /** Adds targets as pending; targets already known are left as they are (resume-safe). */
  addTargets(keys: Iterable<string>): Promise<void> {
    const now = this.now();
    for (const key of keys) {
      this.doc.targets[key] ??= this.pendingTarget(key, now);
    }
    return this.touch(now);
  }

  /**
   * Changes one target and persists. Entering in-progress counts an attempt and clears the
   * previous attempt's error and finish time; entering a settled state stamps finishedAt.
   */
  updateTarget(key: string, patch: TargetPatch): Promise<void> {
    const now = this.now();
    const target = (this.doc.targets[key] ??= this.pendingTarget(key, now));
    this.serializer.forget(target);
    if (patch.state !== undefined && patch.state !== target.state) {
      if (patch.state === 'in-progress') {
        target.attempts += 1;
        target.startedAt = now;
        delete target.finishedAt;
        delete target.error;
      }
      if (SETTLED_TARGET_STATES.has(patch.state)) target.finishedAt = now;
      if (patch.state === 'pending') delete target.finishedAt;
      target.state = patch.state;
    }
    if (patch.outcome !== undefined) target.outcome = this.clean(patch.outcome);
    if (patch.remoteIds)
      for (const [k, v] of Object.entries(patch.remoteIds)) {
        if (v === null) delete target.remoteIds[k];
        else target.remoteIds[k] = this.clean(v);
      }
    if (patch.detail) for (const [k, v] of Object.entries(patch.detail)) target.detail[k] = this.cleanValue(v);
    if (patch.error === null) delete target.error;
    else if (patch.error !== undefined) target.error = this.toErrorRecord(patch.error);
    target.updatedAt = now;
    return this.touch(now);
  }

  /** Appends to the run's story (bounded to MAX_EVENTS, oldest dropped and counted). */
  recordEvent(message: string, options: { level?: RunEvent['level']; target?: string } = {}): Promise<void> {
    const now = this.now();
    const event: RunEvent = { at: now, level: options.level ?? 'info', message: this.clean(message) };
    if (options.target !== undefined) event.target = options.target;
    this.doc.events.push(event);
    const excess = this.doc.events.length - MAX_EVENTS;
    if (excess > 0) {
      this.doc.events.splice(0, excess);
      this.doc.eventsDropped += excess;
    }
    return this.touch(now);
  }

  /** A terminal status stamps finishedAt; `running` clears it. */
  setStatus(status: RunStatus, options: { error?: unknown } = {}): Promise<void> {
    const now = this.now();
    this.doc.status = status;
    // No target or event changes with the status (the head is rendered afresh on every write, and
    // the serializer starts over whenever the redactor learns a value): the cached text stays.
    // Scrubbing 10,000 unchanged targets again cost the end of a fleet apply ~0.3 s.
    if (status === 'running') delete this.doc.finishedAt;
    else this.doc.finishedAt = now;
    if (options.error === null) delete this.doc.error;
    else if (options.error !== undefined) this.doc.error = this.toErrorRecord(options.error);
    return this.touch(now);
  }

  /** Records the run's inputs by name. Secret inputs as names or fingerprints, never values. */
  setInputs(values: Record<string, ScalarOrList>): Promise<void> {
    for (const [k, v] of Object.entries(values)) this.doc.inputs[k] = this.cleanValue(v);
    return this.touch(this.now());
  }

  /** Records what the run pinned (secret id + version id, fingerprint): names and ids only. */
  setPinned(values: Record<string, ScalarOrList>): Promise<void> {
    for (const [k, v] of Object.entries(values)) this.doc.pinned[k] = this.cleanValue(v);
    return this.touch(this.now());
  }

  /**
   * Makes this process the owner, to resume the run. Refuses while the recorded owner may still
   * be working on it: alive on this host, or on another host (unknowable) unless `force`; and when
   * another claim took it over from the same owner at the same moment (exactly one of them wins).
   */
  async claim(options: { force?: boolean } = {}): Promise<void> {
    // Judged, and taken over, as the file is now, not as it was loaded: another process may have
    // claimed the run since (while this one waited at its confirmation), and is then alive and
    // refused below; or it has worked on it and stopped, and its progress must not be overwritten
    // by this copy (a tenant it migrated would be sent the script again and recorded `current`).
    if (this.io.reload) this.replaceDocument(await this.io.reload());
    const me = describeCurrentProcess();
    const owner = this.doc.owner;
    const isMe = owner.pid === me.pid && owner.hostname === me.hostname;
    if (this.doc.status === 'running' && !isMe) {
      const liveness = checkOwnerLiveness(owner, me.hostname);
      if (liveness === 'alive') {
        throw new MolectlError(
          `run ${this.id} is still running (pid ${owner.pid} on ${owner.hostname}, since ${owner.since})`,
          {
            code: ExitCode.failed,
            hint: 'wait for it to finish, or stop that process; then resume',
          },
        );
      }
      if (liveness === 'unknown' && !options.force) {
        throw new MolectlError(
          `run ${this.id} is marked running by pid ${owner.pid} on another host (${owner.hostname}); molectl cannot tell from here whether it is alive`,
          {
            code: ExitCode.failed,
            hint: `check on ${owner.hostname}; if that process is gone, resume with --force`,
          },
        );
      }
    }
    // Of two resumes that both judged this owner gone, only the one that creates the marker goes on.
    if (this.io.claimDir)
      await createClaimMarker({
        dir: this.io.claimDir,
        runId: this.id,
        displaced: owner,
        me,
        at: this.now(),
        force: options.force ?? false,
      });
    await this.removeOrphanedTempFiles();
    // The old error moves into the story: the run's error field describes the current attempt.
    const oldError = this.doc.error ? `: ${this.doc.error.message}` : '';
    const previous = `${this.doc.status}${oldError}, owner ${owner.user}@${owner.hostname} pid ${owner.pid}`;
    delete this.doc.error;
    const now = this.now();
    this.doc.owner = { ...me, since: now };
    this.serializer.forgetAll();
    this.doc.status = 'running';
    delete this.doc.finishedAt;
    await this.recordEvent(`resumed by ${me.user}@${me.hostname} pid ${me.pid} (was ${previous})`);
  }

  private replaceDocument(fresh: RunLedgerDocument): void {
    const doc = this.doc as unknown as Record<string, unknown>;
    for (const key of Object.keys(doc)) delete doc[key];
    Object.assign(doc, fresh);
    this.serializer.forgetAll();
  }

  /**
   * Persists the current state. Concurrent calls coalesce (see the class comment); the promise
   * resolves once a write that includes every change made before the call is on disk.
   */
  save(): Promise<void> {
    if (this.queued) return this.queued;
    // Even with nothing in flight the write starts a microtask later, so that a burst of
    // changes made together (a batch of 50 targets dispatched) is one write, not two.
    const previous = this.inFlight ? this.inFlight.catch(() => undefined) : Promise.resolve();
    const queued = previous.then(() => {
      this.queued = null;
      return this.startWrite();
    });
    this.queued = queued;
    return queued;
  }

  /** The ledger as its file has it (what is unknown left out): what `runs show -o json` prints. */
  asWritten(): unknown {
    return JSON.parse(this.serialize());
  }

  /** The exact text written to disk: the document redacted again, as defence in depth. */
  serialize(): string {
    return this.serializer.serialize(this.doc);
  }

  private startWrite(): Promise<void> {
    // Bytes, not text: most of them are the serializer's cached blocks, handed to the kernel as they are.
    const parts = this.serializer.serializeParts(this.doc);
    const write: Promise<void> = writeFileAtomic(this.io.path, parts, { mode: 0o600 })
      .catch((error: unknown) => {
        throw new LedgerWriteError(this.io.path, error);
      })
      .finally(() => {
        if (this.inFlight === write) this.inFlight = null;
      });
    this.inFlight = write;
    // Marks the failure handled for callers that did not await this change: the next awaited
    // save (at the latest the final status) retries the write and reports the error.
    write.catch(() => undefined);
    return write;
  }

  /** A killed owner can leave a half-written temp copy beside the ledger; it is ours now to remove. */
  private async removeOrphanedTempFiles(): Promise<void> {
    const dir = dirname(this.io.path);
    const prefix = `.${basename(this.io.path)}.`;
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(
      names.filter((n) => n.startsWith(prefix) && n.endsWith('.tmp')).map((n) => rm(join(dir, n), { force: true })),
    );
  }

  private touch(now: string): Promise<void> {
    this.doc.updatedAt = now;
    return this.save();
  }

  private now(): string {
    return this.io.clock.now().toISOString();
  }

  /**
   * What a ledger keeps of a string: registered values scrubbed everywhere, token shapes only in
   * the spans marked as remote (a CP answer, SSM output), marks removed. molectl's own messages,
   * hints and key=value records are kept as written: the shape rules garbled them.
   */
  private clean(text: string): string {
    const redacted = renderOutputText(text, this.io.redactor, 'json');
    return redacted.length > MAX_MESSAGE_LENGTH ? `${redacted.slice(0, MAX_MESSAGE_LENGTH)}… (truncated)` : redacted;
  }

  private cleanValue(value: ScalarOrList): ScalarOrList {
    if (typeof value === 'string') return this.clean(value);
    if (Array.isArray(value)) return value.map((v) => this.clean(v));
    return value;
  }

  private toErrorRecord(error: unknown): RunErrorRecord {
    if (isMolectlError(error)) {
      const record: RunErrorRecord = { message: this.clean(error.message), code: error.code };
      if (error.hint) record.hint = this.clean(error.hint);
      return record;
    }
    if (error instanceof Error) return { message: this.clean(error.message) };
    return { message: this.clean(String(error)) };
  }
}
