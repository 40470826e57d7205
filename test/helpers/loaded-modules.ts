import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from './spawn-cli.js';

/**
 * Which modules a fresh `molectl` process loads (issue 16: start-up is module loading). The run
 * spawns bin/molectl.js with a preload that, at exit, writes down every CommonJS file loaded
 * (require.cache: the bundle is CommonJS) and Node's own module list. A chunk of the bundle
 * (dist/bundle/, `npm run build`) stands for the source modules it holds, listed in
 * dist/bundle-inputs.json. Paths are from the package root, as the bundler names them:
 * `src/commands/org-list.ts`, `node_modules/zod/v4/core/schemas.js`.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const PRELOAD = `
const { writeFileSync } = require('node:fs');
let segmenters = 0;
Intl.Segmenter = new Proxy(Intl.Segmenter, {
  construct: (target, args, newTarget) => (segmenters++, Reflect.construct(target, args, newTarget)),
});
process.on('exit', () =>
  writeFileSync(
    process.env.LOADED_MODULES_LOG,
    JSON.stringify({ files: Object.keys(require.cache), node: process.moduleLoadList, segmenters }),
  ),
);
`;

export interface LoadedModulesRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Source modules, package-root relative. */
  modules: string[];
  /** The files the process itself loaded (chunks of the bundle, not their inputs). */
  files: string[];
  /** Whether Node's ES module loader was started: it costs ~20 ms, and the bundle never needs it. */
  esmLoaderStarted: boolean;
  /** Node's built-in modules loaded (`child_process`, `http`...), its internals left out. */
  builtins: string[];
  /** Intl.Segmenters made: the first loads ICU's break rules, ~15 ms (display-width.ts). */
  segmenters: number;
}

export async function runListingModules(argv: string[], env: Record<string, string>): Promise<LoadedModulesRun> {
  const inputs = JSON.parse(readFileSync(join(ROOT, 'dist', 'bundle-inputs.json'), 'utf8')) as Record<string, string[]>;
  const dir = mkdtempSync(join(tmpdir(), 'molectl-modules-'));
  try {
    writeFileSync(join(dir, 'preload.cjs'), PRELOAD);
    const logFile = join(dir, 'loaded.json');
    const run = await spawnLogged(argv, { ...env, LOADED_MODULES_LOG: logFile }, dir);
    const log = JSON.parse(readFileSync(logFile, 'utf8')) as { files: string[]; node: string[]; segmenters: number };
    const files = log.files.filter((path) => !path.startsWith(dir)).map((path) => relative(ROOT, path));
    const modules = new Set<string>();
    for (const path of files) {
      const chunk = path.startsWith('dist/bundle/') ? inputs[path.slice('dist/bundle/'.length)] : undefined;
      for (const m of chunk ?? [path]) modules.add(m);
    }
    return {
      ...run,
      modules: [...modules].sort(),
      files,
      esmLoaderStarted: log.node.includes('NativeModule internal/modules/esm/loader'),
      builtins: log.node
        .filter((entry) => entry.startsWith('NativeModule ') && !entry.startsWith('NativeModule internal/'))
        .map((entry) => entry.slice('NativeModule '.length)),
      segmenters: log.segmenters,
    };
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
    const child = spawn(process.execPath, ['--require', join(dir, 'preload.cjs'), BIN, ...argv], {
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
