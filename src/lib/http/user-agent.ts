import { readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * `molectl/<version>`, the version read once from molectl's package.json. The file is found by
 * walking up from this module, so the same code works from src/ (vitest) and from dist/.
 */
export function getUserAgent(): string {
  cached ??= `molectl/${readPackageVersion()}`;
  return cached;
}

function readPackageVersion(): string {
  let dir = new URL('./', import.meta.url);
  for (let depth = 0; depth < 6; depth += 1) {
    try {
      const parsed = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (parsed.name === 'molectl' && typeof parsed.version === 'string') return parsed.version;
    } catch {
      // No package.json at this level (or an unrelated one): keep walking up.
    }
    dir = new URL('../', dir);
  }
  return 'unknown';
}
