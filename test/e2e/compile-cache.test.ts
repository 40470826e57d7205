import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/spawn-cli.js';

/**
 * bin/compile-cache.js keeps V8's compiled code for the bundle's chunks between runs (issue 16).
 * A cache is only an optimisation: these runs check that it is written, used, survives garbage
 * and can be turned off, and that output never depends on it. On Node 22+ Node's own cache does
 * the work (other file names), so the file-level checks apply to Node 20's fallback only.
 */

const nodeHasItsOwn = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
let cacheHome: string;

beforeEach(() => {
  cacheHome = mkdtempSync(join(tmpdir(), 'molectl-compile-cache-'));
});

afterEach(() => {
  rmSync(cacheHome, { recursive: true, force: true });
});

const cacheDir = (): string => join(cacheHome, 'molectl', 'compile-cache', `${process.version}-${process.arch}`);
const run = (argv: string[], env: Record<string, string> = {}) => spawnCli(argv, { XDG_CACHE_HOME: cacheHome, ...env });

describe.skipIf(nodeHasItsOwn)('the compile cache (Node 20)', () => {
  it('is written by a first run for the chunks it loaded, and used, not rewritten, by the next', async () => {
    // (cli.cjs, all that --help loads, is compiled before the cache is set up.)
    const first = await run(['org', 'list', '--help']);
    expect(first.code).toBe(0);
    const files = readdirSync(cacheDir());
    expect(files.some((f) => f.startsWith('runtime-'))).toBe(true);
    expect(files.every((f) => f.endsWith('.v8'))).toBe(true);
    const written = new Map(files.map((f) => [f, statSync(join(cacheDir(), f)).mtimeMs]));

    const second = await run(['org', 'list', '--help']);
    expect(second.stdout).toBe(first.stdout);
    // V8 accepted every cached file: none was compiled again, so none was written again.
    for (const [file, mtimeMs] of written) expect(statSync(join(cacheDir(), file)).mtimeMs).toBe(mtimeMs);
    expect(readdirSync(cacheDir()).sort()).toEqual([...written.keys()].sort());
  });

  it('a damaged cache file is rejected and replaced; the run is unaffected', async () => {
    const first = await run(['org', 'list', '--help']);
    const runtimeCache = readdirSync(cacheDir()).find((f) => f.startsWith('runtime-'))!;
    writeFileSync(join(cacheDir(), runtimeCache), Buffer.alloc(4096, 7));

    const second = await run(['org', 'list', '--help']);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(statSync(join(cacheDir(), runtimeCache)).size).not.toBe(4096);
  });

  it('MOLECTL_NO_COMPILE_CACHE turns it off: nothing is written', async () => {
    const result = await run(['org', 'list', '--help'], { MOLECTL_NO_COMPILE_CACHE: '1' });
    expect(result.code).toBe(0);
    expect(existsSync(join(cacheHome, 'molectl'))).toBe(false);
  });
});
