import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { shellQuote } from './host-assets.js';

/**
 * Records the argv of every program a simulated host's scripts start by name, so a test can
 * assert what `ps` on a real host would have shown: no secret in any process's command line.
 *
 * How: a bin dir put first on the hosts' PATH holds one small wrapper per program name found on
 * the shims' dir and the host system PATH. A wrapper writes its argv (NUL-separated, one file per
 * call, so parallel calls never interleave) and execs the program it stands for. Its own command
 * line is the one the program would have had, so what it records is what `ps` would have seen.
 * Programs started by absolute path (a shim's fallback to the real curl) are not seen by name;
 * the shim that starts them is, with the same arguments.
 *
 * Off by default: one more bash start per call. Tests turn it on (StartSandboxOptions.recordHostArgv).
 */

export interface ArgvRecorder {
  /** The bin dir to put first on the hosts' PATH. */
  bin: string;
  /** The dir of the recorded calls (one file per call), where the host functions record too. */
  log: string;
  /** Every command line recorded so far, oldest first (argv[0] is the program's name). */
  read(): string[][];
}

export function installArgvRecorder(root: string, bash: string, lookupPath: string[]): ArgvRecorder {
  const bin = join(root, 'argv-recorder', 'bin');
  const log = join(root, 'argv-recorder', 'calls');
  mkdirSync(bin, { recursive: true });
  mkdirSync(log, { recursive: true });
  const seen = new Set<string>();
  for (const dir of lookupPath) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      // The first match on the path wins, as a PATH lookup would; odd names are left alone.
      if (seen.has(name) || !/^[A-Za-z0-9_.+[-]+$/.test(name)) continue;
      const target = join(dir, name);
      if (!isExecutableFile(target)) continue;
      seen.add(name);
      const wrapper = join(bin, name);
      writeFileSync(
        wrapper,
        `#!${bash}\n` +
          `printf '%s\\0' ${shellQuote(name)} "$@" > ${shellQuote(log)}/"$EPOCHREALTIME.$BASHPID"\n` +
          `exec ${shellQuote(target)} "$@"\n`,
      );
      chmodSync(wrapper, 0o555);
    }
  }
  return {
    bin,
    log,
    read() {
      const files = readdirSync(log).sort((a, b) => Number.parseFloat(a) - Number.parseFloat(b));
      return files.map((f) => readFileSync(join(log, f), 'utf8').split('\0').slice(0, -1));
    },
  };
}

/** The directories of a PATH string, in order. */
export function pathDirs(path: string): string[] {
  return path.split(delimiter).filter(Boolean);
}

function isExecutableFile(path: string): boolean {
  try {
    const s = statSync(path);
    return s.isFile() && (s.mode & 0o111) !== 0 && existsSync(path);
  } catch {
    return false;
  }
}
