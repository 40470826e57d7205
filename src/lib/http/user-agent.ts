import { packageVersion } from '../package-files.js';

let cached: string | undefined;

/** `molectl/<version>`, the version read once from molectl's package.json. */
export function getUserAgent(): string {
  cached ??= `molectl/${packageVersion()}`;
  return cached;
}
