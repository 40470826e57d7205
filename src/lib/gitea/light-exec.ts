import { execFile } from 'node:child_process';
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
      { cwd: options.cwd, timeout: options.timeoutMs ?? 0, signal: options.signal, maxBuffer: 1024 * 1024 * 1024, encoding: 'utf8', windowsHide: true },
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
          reject(new MolectlError(`${file} ${timedOut ? `timed out after ${options.timeoutMs} ms` : `exited with ${exitCode}`}${firstLine ? `: ${firstLine.trim()}` : ''}`));
          return;
        }
        resolve({ exitCode, stdout, stderr, timedOut });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
