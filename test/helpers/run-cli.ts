import { Writable } from 'node:stream';
import { main, type MainDeps } from '../../src/cli.js';
import { absentPath } from './absent-path.js';

/** A writable that keeps what was written, standing in for stdout/stderr. */
export class CapturedStream extends Writable {
  private chunks: string[] = [];
  constructor(
    readonly isTTY = false,
    /** The terminal's width, as a tty.WriteStream says it (only meaningful with isTTY). */
    readonly columns?: number,
  ) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString());
    done();
  }
  get text(): string {
    return this.chunks.join('');
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs molectl's main() in-process, as a user would from a shell, with captured output.
 * `env` is the whole environment the command sees: isolate config and state by default.
 */
export async function runCli(
  argv: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    signal?: AbortSignal;
    overrides?: MainDeps['overrides'];
    stdoutIsTTY?: boolean;
    /** stderr on a terminal (as when stdout alone is piped or redirected: `molectl org list | less`). */
    stderrIsTTY?: boolean;
    /** The width of the terminal stdout is on (with stdoutIsTTY). */
    stdoutColumns?: number;
    /** The width of the terminal stderr is on (with stderrIsTTY). */
    stderrColumns?: number;
  } = {},
): Promise<CliRun> {
  const stdout = new CapturedStream(options.stdoutIsTTY ?? false, options.stdoutColumns);
  const stderr = new CapturedStream(options.stderrIsTTY ?? false, options.stderrColumns);
  const controller = new AbortController();
  const code = await main(argv, {
    stdout,
    stderr,
    env: {
      MOLECTL_CONFIG: absentPath('molectl-config.json'),
      // What gitea rewrite remembers of a work tree stays with the test run, not in the user's ~/.cache.
      XDG_CACHE_HOME: absentPath('xdg-cache'),
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...options.env,
    },
    signal: options.signal ?? controller.signal,
    overrides: options.overrides,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
