import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * molectl on a real terminal, for the pty tier: bin/molectl.js runs in a pseudo-terminal made by
 * test/helpers/pty-driver.py (python's pty module), and the test types what a person types.
 * What a terminal shows (spinners, prompts) and what Ctrl-C does to them cannot be seen any other
 * way: in-process tests have no terminal.
 */

const DRIVER = fileURLToPath(new URL('./pty-driver.py', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/molectl.js', import.meta.url));

export interface PtySession {
  /** Everything the terminal showed so far (escape sequences included). */
  readonly transcript: string;
  /** The transcript with terminal control sequences removed, for matching text. */
  readonly text: string;
  /** Resolves when the text matches; rejects after timeoutMs with the transcript's tail. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Types text at the terminal, as a person would (use "\r" for Enter). */
  type(text: string): void;
  ctrlC(): void;
  /** Sends a signal to molectl's process group, as `kill` or a CI runner would. */
  kill(signal: 'SIGTERM' | 'SIGHUP' | 'SIGINT'): void;
  /**
   * The terminal goes away (a closed ssh session, a closed window): the pty's master side is
   * closed, so the kernel sends molectl SIGHUP and its writes to the terminal fail from then on.
   * Nothing it prints afterwards reaches the transcript.
   */
  hangup(): void;
  /** The exit code (128+n for a signal), once molectl has ended. */
  exited: Promise<number>;
  /** Ends the session, killing molectl if it still runs (for afterEach: a failed test must not leave it running). */
  stop(): Promise<void>;
}

const live = new Set<PtySession>();

/** Stops every session still running (call from afterEach). */
export async function stopAllPtys(): Promise<void> {
  await Promise.all([...live].map((s) => s.stop()));
}

export interface PtyOptions {
  env: NodeJS.ProcessEnv;
  cols?: number;
  rows?: number;
  cwd?: string;
}

let python: string | undefined;

/**
 * The interpreter `python3` on the test's PATH stands for, asked once per test file: a version
 * manager's shim there (pyenv's is a bash script that starts a dozen processes) costs about half
 * a second of CPU per session otherwise.
 */
function pythonInterpreter(env: NodeJS.ProcessEnv): string {
  python ??=
    execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim() || 'python3';
  return python;
}

export function startPty(argv: string[], options: PtyOptions): PtySession {
  const child: ChildProcessWithoutNullStreams = spawn(
    pythonInterpreter(options.env),
    [DRIVER, String(options.cols ?? 100), String(options.rows ?? 30), '--', process.execPath, BIN, ...argv],
    {
      env: { TERM: 'xterm-256color', ...options.env },
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let transcript = '';
  let driverErr = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    transcript += chunk;
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    driverErr += chunk;
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => {
      const match = /PTY_EXIT (-?\d+)\s*$/.exec(driverErr);
      if (match) resolve(Number(match[1]));
      else reject(new Error(`pty driver ended without an exit code: ${driverErr.slice(-500)}`));
    });
  });
  const send = (command: object): void => {
    child.stdin.write(`${JSON.stringify(command)}\n`);
  };
  const session: PtySession = {
    get transcript() {
      return transcript;
    },
    get text() {
      return stripControls(transcript);
    },
    async waitFor(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stripControls(transcript))) {
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for ${pattern}; the terminal shows:\n${stripControls(transcript).slice(-2000)}`,
          );
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    type: (text) => send({ write: text }),
    ctrlC: () => send({ write: '\u0003' }),
    kill: (signal) => send({ signal }),
    hangup: () => send({ hangup: true }),
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited.catch(() => undefined);
      live.delete(session);
    },
  };
  live.add(session);
  void exited.finally(() => live.delete(session)).catch(() => undefined);
  return session;
}

/** Removes ANSI escape sequences and carriage returns (what a spinner redraws with). */
export function stripControls(text: string): string {
  return text
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\u001b\][^\u0007]*\u0007/g, '')
    .replace(/\r/g, '');
}

/** The text of each spinner frame ora drew, in order (a frame starts with a braille spinner character). */
export function spinnerFrames(transcript: string): string[] {
  const frames: string[] = [];
  const frame = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏](?:\u001b\[[0-9;]*m)? ([^\u001b\r\n]*)/g;
  for (let match = frame.exec(transcript); match; match = frame.exec(transcript)) frames.push(match[1]!);
  return frames;
}
