import { createHash } from 'node:crypto';

/** The only way molectl shows a secret: its length and a sha256 prefix, e.g. `len=64 sha256:9f86d081884c`. */
export function describeSecret(value: string | Buffer): string {
  const length = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  return `len=${length} ${fingerprintOf(value)}`;
}

/**
 * `sha256:` + the first 12 hex digits of the value's sha256. The on-host scripts compute the
 * same form (`sha256sum | cut -c1-12`), so fingerprints taken on a host and here compare equal.
 */
/** A fingerprint as fingerprintOf makes it: how documents molectl reads back are checked. */
export const FINGERPRINT_PATTERN = /^sha256:[0-9a-f]{12}$/;

export function fingerprintOf(value: string | Buffer): string {
  return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 12)}`;
}
