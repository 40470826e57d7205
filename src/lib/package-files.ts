import { existsSync, readFileSync } from 'node:fs';

/**
 * Where molectl's own files are: the package root, found by walking up from this module to the
 * package.json named molectl. It works wherever the code runs from: src/ (vitest), dist/ (tsc's
 * module tree) or dist/bundle/ (the bundle bin/molectl.js loads, whose chunks sit at another
 * depth), so no module counts `../` levels to reach bin/, scripts/ or package.json.
 */

let root: URL | undefined;
let version: string | undefined;

/** The package root as a directory URL (ends with a slash). */
export function packageRoot(): URL {
  root ??= findRoot();
  return root;
}

/** A file of the package, by its path from the root ('scripts/tenant-cp-secret.sh'). */
export function packageFile(path: string): URL {
  return new URL(path, packageRoot());
}

/** molectl's version from its package.json. */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
  return version;
}

function findRoot(): URL {
  let dir = new URL('./', import.meta.url);
  for (let depth = 0; depth < 8; depth += 1) {
    const manifest = new URL('package.json', dir);
    if (existsSync(manifest) && isMolectlManifest(manifest)) return dir;
    dir = new URL('../', dir);
  }
  throw new Error(`molectl's package.json not found above ${import.meta.url}`);
}

function isMolectlManifest(manifest: URL): boolean {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'molectl';
  } catch {
    return false;
  }
}
