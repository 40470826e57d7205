import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What earlier runs learnt about a work tree: the git blob ids of file contents that git grep
 * searched and found free of every candidate term. A blob id names content, so a tracked file
 * that git reports unmodified and whose blob is remembered cannot mention GitHub: the next run
 * does not read it again (on a 20,000-file repository that is the difference between searching
 * 236 MB and searching a few files; bench/gitea-rewrite.mjs).
 *
 * One file per work-tree directory and set of terms, under the user's cache directory; it holds
 * only the blobs of that directory's current tree (rewritten whole each run, so it never grows
 * past the repository). Deleting it is always safe: the next run searches everything. Losing or
 * corrupting it costs speed, never a verdict: anything that does not read as a list of blob ids
 * is treated as an empty memory.
 */

export interface TriggerFreeMemory {
  /** Blob ids known to hold none of the terms; empty when nothing is remembered. */
  recall(): ReadonlySet<string>;
  /** Replaces what is remembered. Best effort: a cache that cannot be written is skipped. */
  remember(blobIds: ReadonlySet<string>): void;
}

export interface MemoryPlace {
  /** molectl's cache directory ($XDG_CACHE_HOME/molectl or ~/.cache/molectl). */
  cacheDir: string;
  /** The absolute directory searched. */
  workTree: string;
  /** The candidate terms exactly as git grep is given them: another set of terms is another memory. */
  terms: readonly string[];
}

const FORMAT = 'molectl-gitea-trigger-free 1';
const BLOB_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export function openTriggerFreeMemory(place: MemoryPlace): TriggerFreeMemory {
  const key = createHash('sha256')
    .update(JSON.stringify([FORMAT, place.workTree, place.terms]))
    .digest('hex')
    .slice(0, 32);
  const dir = join(place.cacheDir, 'gitea-rewrite');
  const path = join(dir, `${key}.blobs`);
  let recalled: ReadonlySet<string> | undefined;

  return {
    recall() {
      recalled ??= readBlobIds(path);
      return recalled;
    },
    remember(blobIds) {
      const known = this.recall();
      if (known.size === blobIds.size && [...blobIds].every((id) => known.has(id))) return;
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const temporary = `${path}.${process.pid}.tmp`;
        writeFileSync(temporary, `${FORMAT}\n${[...blobIds].join('\n')}\n`, { mode: 0o600 });
        renameSync(temporary, path);
        recalled = blobIds;
      } catch {
        // A read-only or full cache directory only costs the next run its speed.
      }
    },
  };
}

function readBlobIds(path: string): ReadonlySet<string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return new Set();
  }
  const lines = text.split('\n');
  if (lines[0] !== FORMAT || lines.at(-1) !== '') return new Set();
  lines.pop();
  lines.shift();
  return lines.every((line) => BLOB_ID.test(line)) ? new Set(lines) : new Set();
}
