import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
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

const nodeDir = (): string => join(cacheHome, 'molectl', 'compile-cache', `${process.version}-${process.arch}`);
/** The directory of this build of the bundle (the only one a test's runs make). */
const cacheDir = (): string => {
  const builds = readdirSync(nodeDir()).filter((name) => name.startsWith('build-'));
  expect(builds).toHaveLength(1);
  return join(nodeDir(), builds[0]!);
};
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

  it('keeps the caches of the 8 builds used last, and removes older builds and the older flat layout', async () => {
    mkdirSync(nodeDir(), { recursive: true });
    const hoursAgo = (hours: number): Date => new Date(Date.now() - hours * 3_600_000);
    const others = Array.from({ length: 10 }, (_, i) => `build-0-${i}-0`);
    others.forEach((name, i) => {
      mkdirSync(join(nodeDir(), name));
      writeFileSync(join(nodeDir(), name, 'runtime-x.cjs-1-1.v8'), 'cache');
      utimesSync(join(nodeDir(), name), hoursAgo(i + 1), hoursAgo(i + 1)); // build-0-0-0 used last
    });
    writeFileSync(join(nodeDir(), 'runtime-old.cjs-1-1-org-list.v8'), 'flat layout');

    expect((await run(['org', 'list', '--help'])).code).toBe(0);
    const left = readdirSync(nodeDir()).sort();
    expect(left.filter((name) => others.includes(name))).toEqual(others.slice(0, 7).sort());
    expect(left).toHaveLength(8);
    expect(left).not.toContain('runtime-old.cjs-1-1-org-list.v8');
    // A later run of the same build removes nothing.
    expect((await run(['verify', '--help'])).code).toBe(0);
    expect(readdirSync(nodeDir()).sort()).toEqual(left);
  });

  it('MOLECTL_NO_COMPILE_CACHE turns it off: nothing is written', async () => {
    const result = await run(['org', 'list', '--help'], { MOLECTL_NO_COMPILE_CACHE: '1' });
    expect(result.code).toBe(0);
    expect(existsSync(join(cacheHome, 'molectl'))).toBe(false);
  });
});
