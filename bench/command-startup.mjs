// What a fresh `molectl` process costs beyond its work (issue 16), each ratio measured in this
// run against `node -e 0` started the same way: `molectl --help`; `molectl org list` (one CP call);
// `molectl verify` (the built-in checklist) against 2 x (node -e 0 + the same verify run
// in-process, warm). Beside them, not a goal: a fresh Node sending as many bare GETs to the sandbox
// as verify makes requests, the part of verify's figure that is Node's HTTP rather than molectl.
// The sandbox runs in this process; molectl is spawned asynchronously so the sandbox keeps
// answering.
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
  try {
    // A first verify, untimed, counts the requests a run makes, for the yardstick below.
    const before = bench.requestCount();
    await spawnMs(installedMolectl(verifyArgs, env));
    const verifyRequests = bench.requestCount() - before;
    const cases = [
      ['node -e 0', { file: process.execPath, args: ['-e', '0'], env }],
      ['molectl --help', installedMolectl(['--help'], env)],
      ['molectl org list', installedMolectl(['org', 'list'], env)],
      ['molectl verify', installedMolectl(verifyArgs, env)],
      // Not a goal: what a fresh Node costs to make as many requests to the sandbox and nothing
      // else (node:http, a connection each, all at once), the floor under verify's fresh figure.
      [
        `node, ${verifyRequests} bare GETs`,
        { file: process.execPath, args: ['-e', bareGetsScript(bench.url, verifyRequests)], env },
      ],
    ];
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
    const [node, help, orgList, verify, bareGets] = times.map(median);
    const warm = median(inProcess.slice(1));
    console.log(`fresh processes (median of ${RUNS}, interleaved; sandbox in this process)`);
    for (const [k, [name]] of cases.entries())
      console.log(
        `  ${name.padEnd(18)} ${median(times[k]).toFixed(1).padStart(7)} ms  x${(median(times[k]) / node).toFixed(2)} node -e 0`,
      );
    console.log(
      `  verify in-process: first ${inProcess[0].toFixed(0)} ms (modules loaded), warm median ${warm.toFixed(1)} ms`,
    );
    console.log(
      `  verify beyond the bare GETs: ${(verify - bareGets).toFixed(1)} ms (goal's budget beyond them: ${(2 * (node + warm) - bareGets).toFixed(1)} ms)`,
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

/**
 * A Node script that sends `count` GETs to `url` at once and exits when all are answered; a request
 * that fails ends it with 2 (the bench then stops), rather than leaving it waiting for ever.
 */
function bareGetsScript(url, count) {
  return `const http = require('node:http'); let left = ${count};
for (let i = 0; i < ${count}; i++)
  http.get(${JSON.stringify(url)} + '/', (res) => { res.resume(); res.on('end', () => { if (--left === 0) process.exit(0); }); })
    .on('error', () => process.exit(2));`;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runCommandStartupBench();
