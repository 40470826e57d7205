import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What earlier searches of a work tree learnt, for the next run:
 *  - triggerFree: the git blob ids of contents that git grep searched and found free of every
 *    candidate term. A blob id names content, so a tracked file that git reports unmodified and
 *    whose blob is remembered cannot mention GitHub: the next run does not read it again (on a
 *    20,000-file repository, the difference between searching 236 MB and a few files;
 *    bench/gitea-rewrite.mjs).
 *  - listed: the paths the last search listed. Only a hint of where to search first (the next
 *    run searches them while it asks git what changed); never a reason to skip anything.
 *
 * One file per work-tree directory and set of terms, under the user's cache directory, rewritten
 * whole when it changes, so it never grows past the repository. The file's name is a 64-bit
 * FNV-1a hash of both, and the document repeats them: a clash of names reads as an empty memory.
 * (Not sha256: node:crypto is ~5 ms of a fresh run's start, which this command otherwise never
 * loads; bench/gitea-rewrite.mjs.) Deleting it is always safe: the next run searches everything.
 * Losing or corrupting it costs speed, never a verdict: anything that does not read as this
 * document is an empty memory.
 */

export interface SearchMemory {
  /** What is remembered; empty sets when nothing is. */
  recall(): Remembered;
  /** Replaces what is remembered. Best effort: a cache that cannot be written is skipped. */
  remember(next: Remembered): void;
}

export interface Remembered {
  triggerFree: ReadonlySet<string>;
  listed: readonly string[];
  /** A memory of this directory was found (false: it was never searched with a memory, or lost). */
  found?: boolean;
}

export interface MemoryPlace {
  /** molectl's cache directory ($XDG_CACHE_HOME/molectl or ~/.cache/molectl). */
  cacheDir: string;
  /** The absolute directory searched. */
  workTree: string;
  /** The candidate terms exactly as git grep is given them: another set of terms is another memory. */
  terms: readonly string[];
}

const FORMAT = 'molectl-gitea-search-memory';
const VERSION = 3;
const BLOB_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const NOTHING: Remembered = { triggerFree: new Set(), listed: [] };

export function openSearchMemory(place: MemoryPlace): SearchMemory {
  const key = fnv1a64(JSON.stringify([FORMAT, VERSION, place.workTree, place.terms]));
  const dir = join(place.cacheDir, 'gitea-rewrite');
  const path = join(dir, `${key}.json`);
  let recalled: Remembered | undefined;

  return {
    recall() {
      recalled ??= read(path, place);
      return recalled;
    },
    remember(next) {
      if (same(this.recall(), next)) return;
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const temporary = `${path}.${process.pid}.tmp`;
        const document = {
          format: FORMAT,
          version: VERSION,
          workTree: place.workTree,
          terms: place.terms,
          triggerFree: [...next.triggerFree],
          listed: next.listed,
        };
        writeFileSync(temporary, `${JSON.stringify(document)}\n`, { mode: 0o600 });
        renameSync(temporary, path);
        recalled = { ...next, found: true };
      } catch {
        // A read-only or full cache directory only costs the next run its speed.
      }
    },
  };
}

function read(path: string, place: MemoryPlace): Remembered {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return NOTHING;
  }
  if (typeof document !== 'object' || document === null) return NOTHING;
  const { format, version, workTree, terms, triggerFree, listed } = document as Record<string, unknown>;
  if (format !== FORMAT || version !== VERSION) return NOTHING;
  // Another directory or set of terms whose name hashes alike: not this memory.
  if (workTree !== place.workTree || JSON.stringify(terms) !== JSON.stringify(place.terms)) return NOTHING;
  if (!Array.isArray(triggerFree) || !triggerFree.every((id) => typeof id === 'string' && BLOB_ID.test(id)))
    return NOTHING;
  if (!Array.isArray(listed) || !listed.every((p) => typeof p === 'string' && p.length > 0)) return NOTHING;
  return { triggerFree: new Set(triggerFree as string[]), listed: listed as string[], found: true };
}

function same(a: Remembered, b: Remembered): boolean {
  return (
    a.found === true &&
    a.triggerFree.size === b.triggerFree.size &&
    a.listed.length === b.listed.length &&
    a.listed.every((p, i) => p === b.listed[i]) &&
    [...b.triggerFree].every((id) => a.triggerFree.has(id))
  );
}

/** 64-bit FNV-1a of the UTF-16 code units, as 16 hex digits: a file name, not a security measure. */
function fnv1a64(text: string): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < text.length; i += 1) {
    lo = (lo ^ text.charCodeAt(i)) >>> 0;
    // Multiply by the 64-bit FNV prime 0x100000001b3 in two 32-bit halves.
    const loProduct = lo * 0x1b3;
    const carry = Math.floor(loProduct / 0x100000000);
    hi = (Math.imul(hi, 0x1b3) + Math.imul(lo, 0x100) + carry) >>> 0;
    lo = loProduct >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
