import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Where molectl's own files are: the package root, found by walking up from this module to the
 * package.json named molectl. It works wherever the code runs from: src/ (vitest), dist/ (tsc's
 * module tree) or dist/bundle/ (the bundle bin/molectl.js loads, whose chunks sit at another
 * depth), so no module counts `../` levels to reach bin/, scripts/ or package.json. Every
 * command needs the version, so the walk is kept cheap: plain paths, one read per level.
 */

let found: { root: URL; version: string } | undefined;

/** The package root as a directory URL (ends with a slash). */
export function packageRoot(): URL {
  found ??= findPackage();
  return found.root;
}

/** A file of the package, by its path from the root ('scripts/tenant-cp-secret.sh'). */
export function packageFile(path: string): URL {
  return new URL(path, packageRoot());
}

/** molectl's version from its package.json. */
export function packageVersion(): string {
  found ??= findPackage();
  return found.version;
}

function findPackage(): { root: URL; version: string } {
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (let depth = 0; depth < 8; depth += 1) {
    const manifest = readManifest(join(dir, 'package.json'));
    if (manifest?.name === 'molectl' && typeof manifest.version === 'string')
      return { root: pathToFileURL(join(dir, '/')), version: manifest.version };
    dir = dirname(dir);
  }
  throw new Error(`molectl's package.json not found above ${start}`);
}

function readManifest(path: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    return undefined; // no package.json at this level (or not JSON): keep walking up
  }
}
