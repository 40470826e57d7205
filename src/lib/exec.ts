import { MolectlError } from './errors.js';

/**
 * The one door to subprocesses (git, credential commands, bash for the sandbox). Argument
 * arrays only, never a shell string, so no value is ever interpreted by a shell on the way.
 * execa is imported lazily: it costs ~100 ms to load and most commands never spawn anything.
 */

export interface ExecOptions {
  cwd?: string;
  input?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Do not throw on a non-zero exit; return it. */
  allowFailure?: boolean;
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export type Exec = (file: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

export const execFile: Exec = async (file, args, options = {}) => {
  const { execa } = await import('execa');
  const result = await execa(file, [...args], {
    cwd: options.cwd,
    input: options.input,
    env: options.env,
    extendEnv: true,
    timeout: options.timeoutMs,
    cancelSignal: options.signal,
    reject: false,
    stripFinalNewline: false,
  });
  const exitCode = typeof result.exitCode === 'number' ? result.exitCode : 1;
  if (!options.allowFailure && (exitCode !== 0 || result.failed)) {
    const reason = result.timedOut ? `timed out after ${options.timeoutMs} ms` : `exited with ${exitCode}`;
    const firstLine =
      String(result.stderr ?? '')
        .split('\n')
        .find((l) => l.trim()) ?? '';
    throw new MolectlError(`${file} ${reason}${firstLine ? `: ${firstLine.trim()}` : ''}`);
  }
  return {
    exitCode,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    timedOut: Boolean(result.timedOut),
  };
};
