import { createHash } from 'node:crypto';
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, MolectlError } from '../errors.js';
import { checkOwnerLiveness, type ProcessIdentity } from './process-owner.js';
import { writeFileExclusive } from './write-file-exclusive.js';

/**
 * Makes taking over a run from its previous owner happen once. A claim reads the ledger, judges
 * the owner gone, then writes itself in; two resumes started at the same moment both read the
 * dead owner and both wrote, each then working the same run. So before writing, a claimant
 * creates a marker named after the owner it displaces, exclusively (link(2)): of everyone who
 * judged that same owner gone, exactly one creates it; the others are refused and change nothing.
 *
 * A claimant that died between its marker and its ledger write leaves the ledger naming the old
 * owner: the next claimant finds the marker's holder dead and moves on to the marker named after
 * that holder too, which again only one can create. Markers are removed once they are an hour old:
 * nobody still judges an owner from a reading that old.
 */

export interface ClaimMarkerArgs {
  /** Where the markers live (the state directory's locks/). */
  dir: string;
  runId: string;
  /** The owner the ledger names, whom this claim displaces. */
  displaced: ProcessIdentity & { since: string };
  me: ProcessIdentity;
  at: string;
  force: boolean;
}

interface MarkerHolder extends ProcessIdentity {
  at: string;
}

/** Longest chain of claimants that died mid-claim followed before giving up. */
const MAX_DEAD_CLAIMANTS = 8;
const MARKER_MAX_AGE_MS = 3600_000;

export async function createClaimMarker(args: ClaimMarkerArgs): Promise<void> {
  await removeOldMarkers(args.dir, args.runId);
  const holder: MarkerHolder = { ...args.me, at: args.at };
  let key = identityKey(args.displaced);
  for (let hop = 0; hop <= MAX_DEAD_CLAIMANTS; hop++) {
    const path = join(args.dir, `${args.runId}.claim-${digest(key)}`);
    if (await writeFileExclusive(path, `${JSON.stringify(holder)}\n`, { mode: 0o600 })) return;
    const other = await readHolder(path);
    const liveness = other ? checkOwnerLiveness(other, args.me.hostname) : 'unknown';
    if (other && (liveness === 'dead' || (liveness === 'unknown' && args.force))) {
      key = `${key}\n${identityKey(other)}`;
      continue;
    }
    throw claimedMeanwhile(args.runId, other, path);
  }
  throw claimedMeanwhile(args.runId, null, args.dir);
}

function claimedMeanwhile(runId: string, other: MarkerHolder | null, path: string): MolectlError {
  const who = other ? `pid ${other.pid} on ${other.hostname}, at ${other.at}` : `see ${path}`;
  return new MolectlError(
    `run ${runId} was claimed by another resume at the same moment (${who}); this one changed nothing`,
    {
      code: ExitCode.failed,
      hint: `it is resuming the run: follow it with \`molectl runs show ${runId}\``,
    },
  );
}

function identityKey(identity: ProcessIdentity & { since?: string; at?: string }): string {
  return [identity.hostname, identity.pid, identity.processStart ?? '', identity.since ?? identity.at ?? ''].join('/');
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

async function readHolder(path: string): Promise<MarkerHolder | null> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<MarkerHolder>;
    return typeof parsed.pid === 'number' && typeof parsed.hostname === 'string' ? (parsed as MarkerHolder) : null;
  } catch {
    return null;
  }
}

async function removeOldMarkers(dir: string, runId: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const cutoff = Date.now() - MARKER_MAX_AGE_MS;
  await Promise.all(
    names
      .filter((n) => n.startsWith(`${runId}.claim-`))
      .map(async (n) => {
        const path = join(dir, n);
        const age = await stat(path).catch(() => null);
        if (age && age.mtimeMs < cutoff) await rm(path, { force: true });
      }),
  );
}
