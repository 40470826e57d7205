import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childProcessEnv } from '../../lib/config/env.js';
import { packageFile } from '../../lib/package-files.js';

/**
 * The files every simulated host shares: the shims (docker, aws, curl, ss, python3) and the
 * auto-updater template. They live as real bash files next to this module so they can be read
 * and linted as bash; this finds them whether molectl runs from src/ (tsx/vitest) or from dist/.
 */

/** Executables put first on every host's PATH. python3 only where the system has one. */
const SHIMS = ['docker', 'aws', 'curl', 'ss', 'python3'] as const;
/** Sourced by a shim, not run. */
const SHIM_LIBRARIES = ['docker-write.sh', 'docker-json.sh', 'docker-extra.sh'] as const;
/** The shims as bash functions, for the bash that runs a host's script (BASH_ENV). */
const HOST_FUNCTIONS = 'host-functions.sh';

/** The PATH a host's scripts see after the shims and the host's own bin: where real tools are found. */
export const HOST_SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function locateAssetDir(): string {
  // tsc does not copy them to dist/, and the bundle's chunks sit elsewhere: they are read from src/.
  const dir = fileURLToPath(packageFile('src/sandbox/hosts/'));
  if (existsSync(join(dir, 'shims', 'docker'))) return dir;
  throw new Error(`sandbox host assets not found in ${dir}`);
}

let assetDir: string | null = null;

export function getAssetPath(...parts: string[]): string {
  assetDir ??= locateAssetDir();
  return join(assetDir, ...parts);
}

export interface InstalledShims {
  /** The bin dir, to be put first on each script's PATH. */
  bin: string;
  /** The absolute path of the bash the shims run under. */
  bash: string;
  /** The real python3 the hosts would find, or null when the system has none. */
  realPython: string | null;
  /** Tells the python3 shim where the warm interpreter listens (see python-helper.py). */
  announcePythonHelper(port: number, token: string): void;
}

/**
 * Copies the shims into `<root>/shims/bin` (one shared, read-only bin dir for all hosts) and
 * writes `<root>/shims/sandbox.env` with the real curl's and python3's paths, which the shims
 * fall back to. Each shim's `#!/usr/bin/env bash` becomes the absolute bash path: one process
 * start less on every call a script makes.
 */
export function installShims(root: string): InstalledShims {
  const bin = join(root, 'shims', 'bin');
  mkdirSync(bin, { recursive: true });
  const bash = findOnPath('bash', childProcessEnv().PATH ?? '', bin) ?? '/bin/bash';
  const realPython = findOnPath('python3', HOST_SYSTEM_PATH, bin);
  for (const name of [...SHIMS, ...SHIM_LIBRARIES]) {
    if (name === 'python3' && !realPython) continue;
    const target = join(bin, name);
    const text = readFileSync(getAssetPath('shims', name), 'utf8').replace(/^#!\/usr\/bin\/env bash\n/, `#!${bash}\n`);
    writeFileSync(target, text);
    chmodSync(target, (SHIM_LIBRARIES as readonly string[]).includes(name) ? 0o444 : 0o555);
  }
  const realCurl = findOnPath('curl', childProcessEnv().PATH ?? '', bin) ?? '/usr/bin/curl';
  const envFile = join(root, 'shims', 'sandbox.env');
  const base = `REAL_CURL=${shellQuote(realCurl)}\nREAL_PYTHON=${shellQuote(realPython ?? 'python3')}\n`;
  writeFileSync(envFile, base, { mode: 0o600 });
  return {
    bin,
    bash,
    realPython,
    announcePythonHelper(port, token) {
      // Replaced whole (rename), so a shim reading it sees the old or the new file, never half.
      writeFileSync(`${envFile}.tmp`, `${base}PY_HELPER_PORT=${port}\nPY_HELPER_TOKEN=${shellQuote(token)}\n`, {
        mode: 0o600,
      });
      renameSync(`${envFile}.tmp`, envFile);
    },
  };
}

function findOnPath(name: string, path: string, exclude: string): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir || dir === exclude) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes `<root>/shims/host-functions.sh` (shims/host-functions.sh with its placeholders filled
 * in), which the host runner gives each script's bash as BASH_ENV: the shims as functions, so a
 * script's `docker ...` costs a fork instead of a bash start. With `argvLog`, the functions
 * record each call's argv there as the argv recorder's wrappers would. Returns its path.
 */
export function installHostFunctions(shims: InstalledShims, argvLog: string | null): string {
  const target = join(shims.bin, '..', HOST_FUNCTIONS);
  const text = readFileSync(getAssetPath('shims', HOST_FUNCTIONS), 'utf8')
    .replaceAll('@SHIM_BIN@', shellQuote(shims.bin))
    .replaceAll('@ARGV_LOG@', shellQuote(argvLog ?? ''))
    .replaceAll('@PYTHON3@', shims.realPython ? '1' : '0');
  writeFileSync(target, text);
  chmodSync(target, 0o444);
  return target;
}
