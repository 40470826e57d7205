'use strict';
// A V8 code cache for the bundle's chunks (issue 16). Compiling the chunks a command loads costs
// a fresh process ~10 ms of its start-up (the runtime chunk alone ~4 ms before it runs, then each
// function on its first call); with the code V8 compiled in an earlier run, org list starts
// ~11 ms sooner. Node 22 does this itself (module.enableCompileCache), used when present; on
// Node 20 this module does it for the files of dist/bundle/ only: each is compiled with the
// cached data of its last run, and a chunk compiled without (first run, other Node, other V8
// flags: V8 rejects a cache that does not match) has its cache written when the run ends.
//
// The cache lives in the user's cache directory ($XDG_CACHE_HOME or ~/.cache), per Node version,
// one directory per build of the bundle (and install of it) holding one file per chunk and
// command. The run that first writes into a build's directory keeps the KEPT_BUILDS builds used
// last and removes the others: every rebuild used to add a build's worth of files for good (a
// developer's cache reached 2,300 files and 149 MB in a day). Deleting it is always safe.
// MOLECTL_NO_COMPILE_CACHE=1 turns it off.
// Node's CommonJS Module class, reached without loading the public node:module built-in (which
// pulls in the ES module loader's code: ~0.4 ms that a CommonJS run does not otherwise pay).
const Module = module.constructor;
const {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} = require('node:fs');
const { basename, dirname, join, sep } = require('node:path');
const vm = require('node:vm');

/**
 * Installs the cache for files under bundleDir; returns what to call once the run is over.
 * `command` (the registry name of the command being run, or '') keeps one cache per command: a
 * chunk's cache holds the functions the run that wrote it compiled, so the runtime chunk's cache
 * written by `org list` made `verify` compile its own functions again on every run (~2-5 ms).
 */
function enableCompileCache(bundleDir, command = '') {
  const none = () => {};
  const root = cacheDir();
  // Source maps (--enable-source-maps) are registered by Node's own compile step: leave it alone.
  if (!root || process.sourceMapsEnabled) return none;
  if (Number(process.versions.node.split('.')[0]) >= 22) {
    const builtin = require('node:module');
    if (typeof builtin.enableCompileCache === 'function') {
      builtin.enableCompileCache(root);
      return none;
    }
  }
  const dir = join(root, buildName(bundleDir));
  markUsed(dir);
  const prefix = bundleDir.endsWith(sep) ? bundleDir : bundleDir + sep;
  const unsaved = [];
  // One require function per directory: createRequire costs ~0.2 ms a call.
  const requires = new Map();
  const requireFor = (filename) => {
    const dir = dirname(filename);
    if (!requires.has(dir)) requires.set(dir, Module.createRequire(filename));
    return requires.get(dir);
  };
  const compile = Module.prototype._compile;
  Module.prototype._compile = function compileWithCache(content, filename) {
    if (!filename.startsWith(prefix)) return compile.call(this, content, filename);
    const cacheFile = join(dir, cacheName(filename, command));
    const cachedData = readOrUndefined(cacheFile);
    const script = new vm.Script(Module.wrap(content), { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected) unsaved.push({ script, cacheFile });
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, requireFor(filename), this, filename, dirname(filename));
  };
  return function saveCompileCache() {
    if (unsaved.length === 0) return;
    try {
      const newBuild = mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined;
      // After the run, so that the functions it called are in the cache, compiled.
      for (const { script, cacheFile } of unsaved.splice(0)) {
        const temp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
        renameSync(temp, cacheFile);
      }
      if (newBuild) removeBuildsUsedLongest(root, dir);
    } catch {
      // A cache that cannot be written only means the next start compiles again.
    }
  };
}

/** How many builds' caches are kept: an upgrade, a rollback, a few installs side by side. */
const KEPT_BUILDS = 8;

/**
 * A build of the bundle, where it is installed: the entry chunk's size and modification time
 * (every build writes it) and a hash of the directory (two installs do not share a cache).
 */
function buildName(bundleDir) {
  const { size, mtimeMs } = statSync(join(bundleDir, 'cli.cjs'));
  let hash = 0x811c9dc5;
  for (let i = 0; i < bundleDir.length; i += 1) hash = Math.imul(hash ^ bundleDir.charCodeAt(i), 0x01000193) >>> 0;
  return `build-${hash.toString(16)}-${size}-${Math.trunc(mtimeMs)}`;
}

/** A build's directory's time is when it was last used: the one that went unused longest goes first. */
function markUsed(dir) {
  try {
    const now = new Date();
    utimesSync(dir, now, now);
  } catch {
    // not written yet (a first run), or not writable: nothing to mark
  }
}

/** Everything in the cache directory but `current` and the builds used last (files of the older flat layout included). */
function removeBuildsUsedLongest(root, current) {
  const entries = readdirSync(root, { withFileTypes: true })
    .map((entry) => ({ path: join(root, entry.name), build: entry.isDirectory() && entry.name.startsWith('build-') }))
    .filter(({ path }) => path !== current)
    .map((entry) => ({ ...entry, usedMs: statSync(entry.path).mtimeMs }))
    .sort((a, b) => b.usedMs - a.usedMs);
  const builds = entries.filter((entry) => entry.build);
  const stale = [...entries.filter((entry) => !entry.build), ...builds.slice(KEPT_BUILDS - 1)];
  for (const { path } of stale) rmSync(path, { recursive: true, force: true });
}

/**
 * V8 checks a cache against its source's length, not its content: the name says which build of
 * the file it belongs to (size and modification time), so an edited or rebuilt file never runs
 * an old cache; and which command's run wrote it (enableCompileCache).
 */
function cacheName(filename, command) {
  const { size, mtimeMs } = statSync(filename);
  const forCommand = command ? `-${command.replace(/ /g, '-')}` : '';
  return `${basename(filename)}-${size}-${Math.trunc(mtimeMs)}${forCommand}.v8`;
}

function cacheDir() {
  if (process.env.MOLECTL_NO_COMPILE_CACHE) return null;
  const base = process.env.XDG_CACHE_HOME || (process.env.HOME && join(process.env.HOME, '.cache'));
  return base ? join(base, 'molectl', 'compile-cache', `${process.version}-${process.arch}`) : null;
}

function readOrUndefined(path) {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

module.exports = { enableCompileCache };
