import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { absentPath } from './absent-path.js';

export const BIN = fileURLToPath(new URL('../../bin/molectl.js', import.meta.url));

export interface SpawnResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (bin/molectl.js → the bundle in dist/bundle/) as a separate process with piped stdio. */
export function spawnCli(argv: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        MOLECTL_CONFIG: absentPath('molectl-config.json'),
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
    child.stdin.end(input ?? '');
  });
}
