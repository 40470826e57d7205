// `npm run build`, second step: the bundle bin/molectl.js runs (issue 16). A fresh molectl used
// to open ~170 modules (zod alone ~95, every locale among them) and Node's ESM loader spent more
// time resolving, reading and compiling them than molectl spent working. esbuild joins them into
// a few chunks and drops what no code path uses (zod's locales); code splitting keeps every
// dynamic import() lazy, so `molectl --help` still loads no command and a command that never
// calls AWS never loads the SDK. tsc's module tree in dist/ stays for the tests and benchmarks
// that import single modules.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const outdir = `${root}dist/bundle`;

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  chunkNames: 'chunks/[name]-[hash]',
  // commander (CommonJS) calls require() for Node's built-ins; in an ES module that needs one.
  banner: {
    js: "import { createRequire as __molectlCreateRequire } from 'node:module'; const require = __molectlCreateRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  metafile: true,
});

// Which source modules each output file holds, for the tests that check what a run loaded
// (test/helpers/loaded-modules.ts): in the bundle a module shows up only as the chunk it is in.
const inputsByOutput = Object.fromEntries(
  Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith('.js'))
    .map(([file, output]) => [
      file.slice('dist/bundle/'.length),
      Object.entries(output.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([path]) => path),
    ]),
);
writeFileSync(`${root}dist/bundle-inputs.json`, `${JSON.stringify(inputsByOutput, null, 1)}\n`);
