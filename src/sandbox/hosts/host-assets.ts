import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childProcessEnv } from '../../lib/config/env.js';

/**
 * The files every simulated host shares: the shims (docker, aws, curl, ss) and the auto-updater
 * template. They live as real bash files next to this module so they can be read and linted
 * as bash; this finds them whether molectl runs from src/ (tsx/vitest) or from dist/.
 */

const SHIMS = ['docker', 'aws', 'curl', 'ss'] as const;

function locateAssetDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // From dist/sandbox/hosts (or dist/src/sandbox/hosts) the package root is three (four) levels up.
  const candidates = [here, join(here, '..', '..', '..', 'src', 'sandbox', 'hosts'), join(here, '..', '..', '..', '..', 'src', 'sandbox', 'hosts')];
  for (const dir of candidates) if (existsSync(join(dir, 'shims', 'docker'))) return dir;
  throw new Error(`sandbox host assets not found next to ${here}`);
}

let assetDir: string | null = null;

export function getAssetPath(...parts: string[]): string {
  assetDir ??= locateAssetDir();
  return join(assetDir, ...parts);
}

/**
 * Copies the shims into `<root>/shims/bin` (one shared, read-only bin dir for all hosts) and
 * writes `<root>/shims/sandbox.env` with the real curl's path, which the curl and aws shims
 * fall back to. Returns the bin dir, to be put first on each script's PATH.
 */
export function installShims(root: string): string {
  const bin = join(root, 'shims', 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of SHIMS) {
    const target = join(bin, name);
    copyFileSync(getAssetPath('shims', name), target);
    chmodSync(target, 0o555);
  }
  const realCurl = findOnPath('curl', bin) ?? '/usr/bin/curl';
  writeFileSync(join(root, 'shims', 'sandbox.env'), `REAL_CURL=${shellQuote(realCurl)}\n`);
  return bin;
}

function findOnPath(name: string, exclude: string): string | null {
  for (const dir of (childProcessEnv().PATH ?? '').split(delimiter)) {
    if (!dir || dir === exclude) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
