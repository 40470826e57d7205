import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from './spawn-cli.js';

/**
 * Which modules a fresh `molectl` process loads (issue 16: start-up is module loading). The run
 * spawns bin/molectl.js under a module hook that logs every URL resolved; a chunk of the bundle
 * (dist/bundle/, `npm run build`) stands for the source modules esbuild put in it, listed in
 * dist/bundle-inputs.json. The answer is paths from the package root, as esbuild names them:
 * `src/commands/org-list.ts`, `node_modules/zod/v4/core/schemas.js`.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const HOOKS = `
import { appendFileSync } from 'node:fs';
let logFile;
export async function initialize(data) { logFile = data.logFile; }
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(logFile, result.url + '\\n');
  return result;
}
`;

const REGISTER = `
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url, { data: { logFile: process.env.LOADED_MODULES_LOG } });
`;

export interface LoadedModulesRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Source modules, package-root relative; Node's built-ins as `node:<name>`. */
  modules: string[];
  /** The files the process itself opened as modules (chunks of the bundle, not their inputs). */
  files: string[];
}

export async function runListingModules(argv: string[], env: Record<string, string>): Promise<LoadedModulesRun> {
  const inputs = JSON.parse(readFileSync(join(ROOT, 'dist', 'bundle-inputs.json'), 'utf8')) as Record<string, string[]>;
  const dir = mkdtempSync(join(tmpdir(), 'molectl-modules-'));
  try {
    writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
    writeFileSync(join(dir, 'register.mjs'), REGISTER);
    const logFile = join(dir, 'resolved.log');
    writeFileSync(logFile, '');
    const run = await spawnLogged(argv, { ...env, LOADED_MODULES_LOG: logFile }, dir);
    const urls = [...new Set(readFileSync(logFile, 'utf8').split('\n').filter(Boolean))];
    const files = urls.filter((u) => u.startsWith('file:')).map((u) => relative(ROOT, fileURLToPath(u)));
    const modules = new Set<string>();
    for (const url of urls) {
      if (url.startsWith('node:')) modules.add(url);
      else if (url.startsWith('file:')) {
        const path = relative(ROOT, fileURLToPath(url));
        const chunk = path.startsWith('dist/bundle/') ? inputs[path.slice('dist/bundle/'.length)] : undefined;
        for (const m of chunk ?? [path]) modules.add(m);
      }
    }
    return { ...run, modules: [...modules].sort(), files };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function spawnLogged(
  argv: string[],
  env: Record<string, string>,
  dir: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', join(dir, 'register.mjs'), BIN, ...argv], {
      env: { PATH: process.env.PATH ?? '', HOME: dir, MOLECTL_CONFIG: join(dir, 'none.json'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
