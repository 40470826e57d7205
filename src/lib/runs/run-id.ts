import { randomHex } from '../random-hex.js';

/**
 * Run ids read as what happened when: `20261122T203000Z-migrate-cp-secret-apply-3f9a`.
 * The UTC timestamp comes first so that ids sort by start time as plain strings (file listings,
 * `ls`, `runs list`), the command says what it was, and the random tail separates two runs of
 * the same command in the same second. Ids are also file names: the pattern admits no `/`,
 * no `..` and no leading dot.
 */

export const RUN_ID_PATTERN = /^\d{8}T\d{6}Z-[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{4,12}$/;

export function createRunId(command: string, now: Date, random: () => string = () => randomHex(2)): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${stamp}-${slugifyCommand(command)}-${random()}`;
}

export function isRunId(text: string): boolean {
  return RUN_ID_PATTERN.test(text);
}

/** `migrate cp-secret apply` → `migrate-cp-secret-apply`; anything odd collapses to `-`. */
export function slugifyCommand(command: string): string {
  const slug = command
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return slug || 'run';
}
