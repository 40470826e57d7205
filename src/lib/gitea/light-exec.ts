import { execFile, spawn } from 'node:child_process';
import { MolectlError } from '../errors.js';
import type { Exec, ExecResult } from '../exec.js';

/**
 * The subprocess door for `gitea rewrite`'s read-only git calls (ls-files, grep), on
 * node:child_process instead of execa. Same contract as src/lib/exec.ts (argv array, never a
 * shell; timeout; cancel signal; allowFailure), minus what these calls never need: `env` is
 * refused rather than silently dropped. Why a second door: loading execa costs ~75 ms, a third
 * of the time the whole rewrite of a 20,000-file repository may take (bench/gitea-rewrite.mjs).
 */
export const lightExec: Exec = (file, args, options = {}) =>
  new Promise<ExecResult>((resolve, reject) => {
    if (options.env) {
      reject(new Error('lightExec does not pass environment variables: use ctx.exec'));
      return;
    }
    const child = execFile(
      file,
      [...args],
      {
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 0,
        signal: options.signal,
        maxBuffer: 1024 * 1024 * 1024,
        encoding: 'utf8',
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        const failure = error as (NodeJS.ErrnoException & { code?: string | number; killed?: boolean }) | null;
        if (failure && typeof failure.code === 'string') {
          // Not started (ENOENT: git missing), cancelled, or over the buffer: no exit code to report.
          reject(failure);
          return;
        }
        const timedOut = Boolean(failure?.killed) && (options.timeoutMs ?? 0) > 0;
        const exitCode = typeof failure?.code === 'number' ? failure.code : failure ? 1 : 0;
        if (exitCode !== 0 && !options.allowFailure) {
          const firstLine = stderr.split('\n').find((l) => l.trim()) ?? '';
          reject(
            new MolectlError(
              `${file} ${timedOut ? `timed out after ${options.timeoutMs} ms` : `exited with ${exitCode}`}${firstLine ? `: ${firstLine.trim()}` : ''}`,
            ),
          );
          return;
        }
        resolve({ exitCode, stdout, stderr, timedOut });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });

/** A running process whose stdout is a NUL-separated list (git -z), read as it comes. */
export interface NulStream {
  /** The items in the order the process prints them; stopping early ends the process. */
  items: AsyncIterable<string>;
  /** How the process ended; rejects when it could not be started (ENOENT: git missing). */
  exit: Promise<{ exitCode: number; stderr: string }>;
}

/**
 * Starts `file args` and hands its NUL-separated output over item by item, so that work on the
 * first items overlaps with the process finding the rest (git grep -l prints matches as it goes).
 */
export function streamNulSeparated(
  file: string,
  args: readonly string[],
  options: {
    cwd: string;
    timeoutMs?: number;
    signal?: AbortSignal;
    /** Bytes for the process's stdin (none: stdin is closed at once). */
    input?: Buffer;
    /** Variables set on top of this process's environment. */
    env?: Record<string, string>;
  },
): NulStream {
  const child = spawn(file, [...args], {
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 0,
    signal: options.signal,
    windowsHide: true,
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
  });
  // A process that exits before reading all of its input must not fail the run with EPIPE.
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 4096) stderr += chunk;
  });
  // Items are collected from the first byte on: Node discards a child's unread output when it
  // exits, so reading must not wait for the consumer to start iterating.
  const queue: string[] = [];
  let rest = '';
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\0');
    rest = parts.pop() ?? '';
    for (const part of parts) if (part) queue.push(part);
    notify();
  });
  child.stdout.on('end', () => {
    if (rest) queue.push(rest);
    ended = true;
    notify();
  });
  const exit = new Promise<{ exitCode: number; stderr: string }>((resolve, reject) => {
    child.once('error', (error) => {
      ended = true;
      notify();
      reject(error);
    });
    child.once('close', (code) => resolve({ exitCode: code ?? 1, stderr }));
  });
  exit.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  async function* items(): AsyncGenerator<string> {
    try {
      for (;;) {
        while (queue.length) yield queue.shift()!;
        if (ended) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      // Stopped early (Ctrl-C, an error): the process must not outlive the run.
      if (child.exitCode === null && child.signalCode === null) child.kill();
    }
  }
  return { items: items(), exit };
}
