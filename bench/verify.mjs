// Wall time of the whole built-in checklist (`molectl verify`, 8 checks, 2 canaries, commit
// expected) against a healthy sandbox, from dist/ (run `npm run build` first). Three figures:
// a fresh `molectl verify` process, started as installed (what a user or CI step sees), the
// first in-process run (module loading included) and the median of warm in-process runs.
// Target: under 2 s.
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { median, Sink, startVerifySandbox } from './lib/verify-sandbox.mjs';
import { installedMolectl } from './lib/molectl-command.mjs';

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const TARGET_MS = 2000;

export async function runVerifyBench() {
  const bench = await startVerifySandbox('verify');
  const { env, verifyArgs: args } = bench;
  try {
    // A fresh process, as a user or CI runs it. Spawned asynchronously: the sandbox lives in this
    // process and must keep answering while the child runs.
    const spawned = [];
    let spawnedStdout = '';
    for (let i = 0; i < Math.min(RUNS, 5); i++) {
      const t0 = process.hrtime.bigint();
      spawnedStdout = await runChild(args, env);
      spawned.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const spawnedDoc = JSON.parse(spawnedStdout);

    // In-process: the first run loads molectl's modules; later runs are warm.
    const { main } = await import(dist('cli.js'));
    const inProcess = [];
    let doc;
    for (let i = 0; i < RUNS; i++) {
      const stdout = new Sink();
      const t0 = process.hrtime.bigint();
      const code = await main(args, { stdout, stderr: new Sink(), env, signal: new AbortController().signal });
      inProcess.push(Number(process.hrtime.bigint() - t0) / 1e6);
      doc = JSON.parse(stdout.text);
      if (code !== 0) throw new Error(`verify exited ${code}: ${stdout.text}`);
    }
    const slowest = [...doc.checks].sort((a, b) => b.durationMs - a.durationMs)[0];
    const spawnedMedian = median(spawned);
    console.log(
      `verify: ${doc.summary.total} built-in checks against a healthy sandbox (${doc.summary.passed} passed; fresh process: ${spawnedDoc.summary.passed}/${spawnedDoc.summary.total})`,
    );
    console.log(
      `  fresh process (molectl verify, as installed), median of ${spawned.length}: ${spawnedMedian.toFixed(0)} ms  (min ${Math.min(...spawned).toFixed(0)}, max ${Math.max(...spawned).toFixed(0)})`,
    );
    console.log(`  in-process first run (module loading included): ${inProcess[0].toFixed(0)} ms`);
    console.log(
      `  in-process warm, median of ${RUNS - 1}: ${median(inProcess.slice(1)).toFixed(0)} ms; checks' own time ${doc.durationMs} ms, slowest ${slowest.id} ${slowest.durationMs} ms`,
    );
    console.log(`  target: under ${TARGET_MS} ms -> ${spawnedMedian < TARGET_MS ? 'met' : 'NOT met'}`);
    return { spawnedMedianMs: spawnedMedian, firstInProcessMs: inProcess[0], warmMedianMs: median(inProcess.slice(1)) };
  } finally {
    await bench.stop();
  }
}

function runChild(args, env) {
  return new Promise((resolve, reject) => {
    const { file, args: argv, env: childEnv } = installedMolectl(args, env);
    execFile(file, argv, { env: childEnv, encoding: 'utf8' }, (error, stdout) => {
      // Exit 1 (a failed check) still prints the report; anything else is a broken bench.
      if (error && error.code !== 1) reject(error);
      else resolve(stdout);
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runVerifyBench();
