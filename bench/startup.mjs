// Startup cost of molectl against bare Node, measured in the same run (the machine is noisy:
// compare the ratios). Also reports whether the AWS SDK was loaded for --help and --version.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { installedMolectl, molectlArgs } from './lib/molectl-command.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);

const BASE_ENV = { PATH: process.env.PATH, HOME: process.env.HOME };

/** `node -e 0`, or molectl as installed (through its sh header). */
function command(args, molectl) {
  return molectl ? installedMolectl(args, BASE_ENV) : { file: process.execPath, args, env: BASE_ENV };
}

function measure({ file, args, env }) {
  const times = [];
  const rss = [];
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M', file, ...args], { encoding: 'utf8', env });
    const last = r.stderr.trim().split('\n').at(-1).split(' ');
    times.push(Number(last[0]) * 1000);
    rss.push(Number(last[1]) / 1024);
  }
  return { medianMs: median(times), peakRssMb: Math.max(...rss) };
}

// /usr/bin/time reports 10 ms resolution; a second, finer clock: hrtime around spawnSync.
function measureFine({ file, args, env }) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(file, args, { stdio: 'ignore', env });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// The bundle is CommonJS: a preload notes, at exit, which of its chunks were loaded
// (require.cache), and dist/bundle-inputs.json says which source modules each chunk holds.
function sdkLoadedFor(args) {
  const dir = mkdtempSync(join(tmpdir(), 'molectl-bench-'));
  const log = join(dir, 'loaded.json');
  const preload = join(dir, 'preload.cjs');
  writeFileSync(
    preload,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(log)}, JSON.stringify(Object.keys(require.cache))));\n`,
  );
  spawnSync(process.execPath, ['--require', preload, ...molectlArgs(args)], { stdio: 'ignore' });
  const inputs = JSON.parse(readFileSync(new URL('../dist/bundle-inputs.json', import.meta.url), 'utf8'));
  const bundleDir = fileURLToPath(new URL('../dist/bundle/', import.meta.url));
  const loaded = JSON.parse(readFileSync(log, 'utf8'))
    .filter((file) => file.startsWith(bundleDir))
    .flatMap((file) => inputs[file.slice(bundleDir.length)] ?? [])
    .some((module) => module.startsWith('node_modules/@aws-sdk/'));
  rmSync(dir, { recursive: true, force: true });
  return loaded;
}

export async function runStartupBench() {
  const rows = [
    ['node -e 0', command(['-e', '0'], false)],
    ['molectl --version', command(['--version'], true)],
    ['molectl --help', command(['--help'], true)],
  ].map(([name, cmd]) => ({ name, ...measure(cmd), fineMedianMs: measureFine(cmd) }));
  const base = rows[0].fineMedianMs;
  console.log(`startup (${RUNS} runs each, median wall time; ratio against node -e 0 in this run)`);
  for (const r of rows) {
    console.log(
      `  ${r.name.padEnd(20)} ${r.fineMedianMs.toFixed(1).padStart(7)} ms  x${(r.fineMedianMs / base).toFixed(2)}  peak RSS ${r.peakRssMb.toFixed(1)} MB`,
    );
  }
  const helpRatio = rows[2].fineMedianMs / base;
  console.log(
    `  target: molectl --help <= 1.3 x node -e 0 -> ${helpRatio <= 1.3 ? 'met' : 'NOT met'} (x${helpRatio.toFixed(2)})`,
  );
  for (const args of [['--help'], ['--version']]) {
    console.log(`  AWS SDK loaded by molectl ${args.join(' ')}: ${sdkLoadedFor(args) ? 'YES (regression)' : 'no'}`);
  }
  return { rows, helpRatio };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runStartupBench();
