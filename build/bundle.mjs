// `npm run build`, second step: the bundle bin/molectl.js runs (issue 16). A fresh molectl used
// to open ~170 modules (zod alone ~95, every locale among them), and Node's ESM loader spent
// more time resolving, reading and compiling them than molectl spent working. Bundled, a command
// opens about ten files, and what no code path uses (zod's locales) is dropped.
//
// CommonJS output, though src/ is ES modules: on Node 20 merely starting the ESM loader costs a
// fresh process ~20 ms (an empty .mjs file takes 1.5x `node -e 0`, an empty .cjs 1.2x), and each
// ES module file costs more to load than a CommonJS one. bin/molectl.js is CommonJS too
// (bin/package.json says so), and every import() becomes a require() (dynamicImportInCjs),
// the built-ins' included, so that a run never starts the ESM loader at all.
//
// rolldown, not esbuild: both bundle, but esbuild splits shared code into one chunk per set of
// importers (org list opened ~40 of them) and splits ES modules only, while rolldown takes
// chunk groups, and it is already in the tree (vite, under vitest, is built on it). The chunks:
//   - cli.cjs: src/cli.ts and what it imports statically, all that `molectl --help` and
//     `--version` load (no commander, no command);
//   - runtime: what src/cli/run-command-line.ts imports statically, which every command run
//     needs (commander, flags, context, output, the HTTP, CP, AWS and ledger doors without the
//     SDK), and what every command module imports, in one file instead of dozens;
//   - validation: zod (zod/mini) and the CP's answer schemas, loaded only where a document is
//     validated;
//   - aws-sdk-core: what the AWS clients share, loaded with the first client;
//   - every dynamic import() stays lazy: each command, each AWS client, execa, ora, yaml, the
//     sandbox.
// tsc's module tree in dist/ stays for the tests and benchmarks that import single modules.
import { rolldown } from 'rolldown';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const outdir = resolve(root, 'dist/bundle');
// zod, its settings and the CP's answer schemas, which most commands validate: one chunk.
const VALIDATION = /[\\/]node_modules[\\/]zod[\\/]|[\\/]src[\\/]lib[\\/](zod-settings|cp[\\/]cp-schemas)\.ts$/;

// What every AWS client shares (smithy, the SDK's core, signing, protocols): one chunk rather
// than ~15 small ones. Each client, and the credential providers the SDK imports only for a
// profile that needs them, keep their own chunks.
const AWS_SDK_CORE =
  /[\\/]node_modules[\\/](@smithy|@aws-sdk|@aws-crypto|tslib|fast-xml-parser|strnum|bowser|uuid)[\\/]/;
const AWS_SDK_OWN_CHUNKS =
  /@aws-sdk[\\/](client-|credential-provider-(sso|ini|process|web-identity|http|login)|nested-clients|token-providers)/;

/**
 * Module ids statically reachable (not through import()): from src/cli.ts (help), from
 * src/cli/run-command-line.ts (runtime), and from every command module alike (everyCommand).
 */
const closures = { help: new Set(), runtime: new Set(), everyCommand: new Set(), manyCommands: new Set() };
const staticClosures = {
  name: 'molectl-static-closures',
  buildEnd() {
    const walk = (id, into, stop) => {
      if (into.has(id) || stop?.has(id)) return;
      into.add(id);
      for (const next of this.getModuleInfo(id)?.importedIds ?? []) walk(next, into, stop);
    };
    walk(resolve(root, 'src/cli.ts'), closures.help);
    walk(resolve(root, 'src/cli/run-command-line.ts'), closures.runtime, closures.help);
    const commandDir = resolve(root, 'src/commands');
    const commandModules = [...this.getModuleIds()].filter(
      (id) => id.startsWith(commandDir) && !id.endsWith('index.ts') && id.endsWith('.ts'),
    );
    const perCommand = commandModules.map((id) => {
      const reached = new Set();
      walk(id, reached, closures.help);
      reached.delete(id);
      return reached;
    });
    for (const id of perCommand[0] ?? []) if (perCommand.every((set) => set.has(id))) closures.everyCommand.add(id);
    // Modules that two commands in five or more import (the flag parsers, the table, the org
    // directory...): in the runtime too, rather than as a handful of 1-8 KB chunks that each
    // command run would open, read and compile one by one (~0.3 ms a file).
    const importers = new Map();
    for (const set of perCommand) for (const id of set) importers.set(id, (importers.get(id) ?? 0) + 1);
    for (const [id, count] of importers)
      if (count * 5 >= perCommand.length * 2 && id.startsWith(resolve(root, 'src'))) closures.manyCommands.add(id);
    if (closures.help.size < 3 || closures.runtime.size < 20) throw new Error('static closures look wrong');
  },
};

// commander requires node:child_process when it loads, for executable subcommands, which molectl
// has none of; loading it is ~2.5 ms of every run. The bundle defers it to the first spawn, and
// the build fails if commander's line changes (node_modules itself is left alone).
const deferCommanderChildProcess = {
  name: 'molectl-defer-commander-child-process',
  transform(code, id) {
    if (!/[\\/]node_modules[\\/]commander[\\/]lib[\\/]command\.js$/.test(id)) return null;
    const eager = "const childProcess = require('node:child_process');";
    if (!code.includes(eager)) this.error(`commander's ${eager} changed: update build/bundle.mjs`);
    // Same line, same length of file in lines: the source map needs no change (map: null).
    return {
      code: code.replace(
        eager,
        "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };",
      ),
      map: null,
    };
  },
};

// A chunk's `let node_os = require("node:os");` loads the built-in when the chunk loads, though the
// code may call it late or never: fs/promises alone is ~1.5 ms of a fresh run (it loads readline
// and the file watchers), and neither org list nor verify calls it. The built-ins Node has not
// loaded by the time molectl starts become a namespace that loads the module on first use (what
// rolldown's CommonJS output does with the binding: property reads, `(0, node_os.hostname)()`).
// Same line, same number of lines: the source maps stay right (map: null).
const LAZY_BUILTINS = new Set([
  'child_process',
  'crypto',
  'fs/promises',
  'http',
  'https',
  'os',
  'stream',
  'stream/promises',
  'string_decoder',
  'timers/promises',
  'tty',
  'zlib',
]);
const lazyBuiltins = {
  name: 'molectl-lazy-builtins',
  // After rendering (renderChunk's result would be parsed and printed again, over several lines).
  generateBundle(_options, bundle) {
    for (const chunk of Object.values(bundle)) if (chunk.type === 'chunk') chunk.code = lazyRequires(chunk.code);
  },
};
function lazyRequires(code) {
  return code.replace(/^let (node_\w+) = require\("node:([\w/]+)"\);$/gm, (line, binding, builtin) =>
    LAZY_BUILTINS.has(builtin)
      ? `let ${binding} = ((load, loaded) => new Proxy({}, { get: (_, key) => (loaded ??= load())[key], has: (_, key) => key in (loaded ??= load()) }))(() => require("node:${builtin}"));`
      : line,
  );
}

rmSync(outdir, { recursive: true, force: true });
const bundle = await rolldown({
  input: { cli: resolve(root, 'src/cli.ts') },
  cwd: root,
  platform: 'node',
  // The AWS SDK's ES modules (the "module" field): its clients' named exports survive as such.
  resolve: { mainFields: ['module', 'main'] },
  transform: { target: 'node20' },
  // Needed by includeDependenciesRecursively: false below; cli.js's exports (main) are kept.
  preserveEntrySignatures: 'allow-extension',
  plugins: [staticClosures, deferCommanderChildProcess, lazyBuiltins],
  logLevel: 'warn',
  onLog(level, log, handler) {
    // A module both imported and import()ed (errors.ts by exec.ts) is simply already loaded.
    if (log.code === 'INEFFECTIVE_DYNAMIC_IMPORT') return;
    handler(level, log);
  },
});
const { output } = await bundle.write({
  dir: outdir,
  format: 'cjs',
  dynamicImportInCjs: false,
  entryFileNames: '[name].cjs',
  chunkFileNames: 'chunks/[name]-[hash].cjs',
  sourcemap: true,
  sourcemapExcludeSources: true,
  comments: { legal: true, annotation: false, jsdoc: false },
  codeSplitting: {
    // A group takes only the modules its test names, not their dependencies: the help's
    // modules stay in cli.js although the runtime imports them too.
    includeDependenciesRecursively: false,
    groups: [
      { name: 'validation', test: (id) => VALIDATION.test(id) },
      { name: 'aws-sdk-core', test: (id) => AWS_SDK_CORE.test(id) && !AWS_SDK_OWN_CHUNKS.test(id) },
      {
        name: 'runtime',
        test: (id) =>
          (closures.runtime.has(id) || closures.everyCommand.has(id) || closures.manyCommands.has(id)) &&
          !VALIDATION.test(id),
      },
    ],
  },
});
await bundle.close();

// Which source modules each output file holds, for the tests that check what a run loaded
// (test/helpers/loaded-modules.ts): in the bundle a module shows up only as the chunk it is in.
const inputsByOutput = Object.fromEntries(
  output
    .filter((item) => item.type === 'chunk')
    .map((chunk) => [
      chunk.fileName,
      Object.entries(chunk.modules)
        .filter(([id, info]) => info.renderedLength > 0 && !id.startsWith('\0'))
        .map(([id]) => relative(root, id).split('\\').join('/')),
    ]),
);
writeFileSync(resolve(root, 'dist/bundle-inputs.json'), `${JSON.stringify(inputsByOutput, null, 1)}\n`);

// The bundle carries third-party code (zod, commander, the AWS SDK...) without their
// node_modules folders, so their licences travel with it in one file.
const packageDirs = new Set();
for (const chunk of output.filter((item) => item.type === 'chunk'))
  for (const id of Object.keys(chunk.modules)) {
    const match = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(id);
    if (match) packageDirs.add(match[1]);
  }
const notices = [...packageDirs]
  .map((dir) => {
    const manifest = JSON.parse(readFileSync(resolve(dir, 'package.json'), 'utf8'));
    const licenseFile = readdirSync(dir).find((name) => /^licen[cs]e(\.(md|txt))?$/i.test(name));
    const text = licenseFile
      ? readFileSync(resolve(dir, licenseFile), 'utf8').trim()
      : `(license: ${manifest.license})`;
    return { name: `${manifest.name}@${manifest.version}`, text };
  })
  .sort((a, b) => a.name.localeCompare(b.name));
// Packages under the same licence text (the SDK's ~60 share one Apache 2.0 file) are listed together.
const byText = new Map();
for (const { name, text } of notices) byText.set(text, [...new Set([...(byText.get(text) ?? []), name])]);
writeFileSync(
  resolve(outdir, 'THIRD-PARTY-LICENSES.txt'),
  [...byText].map(([text, names]) => `${names.join('\n')}\n${'-'.repeat(40)}\n${text}\n`).join('\n'),
);
