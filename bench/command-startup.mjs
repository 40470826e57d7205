// What a fresh `molectl` process costs beyond its work (issue 16), each ratio measured in this
// run against `node -e 0` started the same way: `molectl --help`; `molectl org list` (one CP call);
// `molectl verify` (the built-in checklist) against 2 x (node -e 0 + the same verify run
// in-process, warm). The sandbox runs in this process; molectl is spawned asynchronously so the
// sandbox keeps answering.
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { median, Sink, startVerifySandbox } from './lib/verify-sandbox.mjs';
import { installedMolectl } from './lib/molectl-command.mjs';

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

function spawnMs({ file, args, env }) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, code }));
  });
}

export async function runCommandStartupBench() {
  const bench = await startVerifySandbox('start');
  const { env, verifyArgs } = bench;
  const cases = [
    ['node -e 0', { file: process.execPath, args: ['-e', '0'], env }],
    ['molectl --help', installedMolectl(['--help'], env)],
    ['molectl org list', installedMolectl(['org', 'list'], env)],
    ['molectl verify', installedMolectl(verifyArgs, env)],
  ];
  try {
    // Interleaved, so that a burst of load on the machine touches every case alike.
    const times = cases.map(() => []);
    for (let i = 0; i < RUNS; i++) {
      for (const [k, [, cmd]] of cases.entries()) {
        const r = await spawnMs(cmd);
        if (r.code !== 0 && r.code !== 1) throw new Error(`${cases[k][0]} exited ${r.code}`);
        times[k].push(r.ms);
      }
    }
    const { main } = await import(dist('cli.js'));
    const inProcess = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = process.hrtime.bigint();
      await main(verifyArgs, { stdout: new Sink(), stderr: new Sink(), env, signal: new AbortController().signal });
      inProcess.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const [node, help, orgList, verify] = times.map(median);
    const warm = median(inProcess.slice(1));
    console.log(`fresh processes (median of ${RUNS}, interleaved; sandbox in this process)`);
    for (const [k, [name]] of cases.entries())
      console.log(
        `  ${name.padEnd(18)} ${median(times[k]).toFixed(1).padStart(7)} ms  x${(median(times[k]) / node).toFixed(2)} node -e 0`,
      );
    console.log(
      `  verify in-process: first ${inProcess[0].toFixed(0)} ms (modules loaded), warm median ${warm.toFixed(1)} ms`,
    );
    const verifyBudget = 2 * (node + warm);
    return {
      goals: [
        {
          measure: '`molectl --help`',
          value: `${help.toFixed(0)} ms = x${(help / node).toFixed(2)} node -e 0 (${node.toFixed(0)} ms)`,
          goal: '<= 1.3 x node -e 0',
          met: help <= 1.3 * node,
        },
        {
          measure: '`molectl verify` (fresh process, sandbox)',
          value: `${verify.toFixed(0)} ms = x${(verify / (node + warm)).toFixed(2)} (node -e 0 + in-process ${warm.toFixed(0)} ms)`,
          goal: '<= 2 x (node -e 0 + in-process run)',
          met: verify <= verifyBudget,
        },
        {
          measure: '`molectl org list` (fresh process, sandbox)',
          value: `${orgList.toFixed(0)} ms = x${(orgList / node).toFixed(2)} node -e 0`,
          goal: '<= 2.5 x node -e 0',
          met: orgList <= 2.5 * node,
        },
      ],
    };
  } finally {
    await bench.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runCommandStartupBench();
