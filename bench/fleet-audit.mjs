// `molectl fleet audit` at fleet scale, against the sandbox: 1,000 tenants and 1,000 workspaces,
// every check, consoles included. Prints the wall time (target: under 30 s on this 2-core
// machine), the AWS and CP calls per instance by action (they must grow with pages and batches,
// not instances, except the per-instance reads AWS and the CP only offer one by one), and where
// the CPU went: molectl and the sandbox's servers in this process, the simulated hosts (bash, the
// shims, python) in child processes. Yardstick, in the same run: `migrate cp-secret plan`, which
// sends the same probe without the audit's other reads.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 1000);
const TARGET_SECONDS = 30;

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;

class Sink extends Writable {
  text = '';
  _write(chunk, _enc, done) {
    this.text += chunk.toString();
    done();
  }
}

function countCalls(state, since) {
  const aws = {};
  let cp = 0;
  for (const r of state.requests.slice(since)) {
    if (r.service === 'cp') cp += 1;
    else if (r.service !== 'tenant') aws[r.action] = (aws[r.action] ?? 0) + 1;
  }
  return { aws, cp };
}

const total = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);

/** CPU seconds used by this process's reaped children: the simulated hosts. */
function childCpuSeconds() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

async function timed(main, argv, env) {
  const stdout = new Sink();
  const stderr = new Sink();
  const cpu0 = process.cpuUsage();
  const host0 = childCpuSeconds();
  const started = performance.now();
  const code = await main(argv, { stdout, stderr, env, signal: new AbortController().signal });
  const cpu = process.cpuUsage(cpu0);
  return { code, seconds: (performance.now() - started) / 1000, ownCpu: (cpu.user + cpu.system) / 1e6, hostCpu: childCpuSeconds() - host0, stdout: stdout.text, stderr: stderr.text };
}

export async function runFleetAuditBench() {
  const { main } = await import(dist('cli.js'));
  const { startSandbox } = await import(dist('sandbox/start-sandbox.js'));
  const stateDir = mkdtempSync(join(tmpdir(), 'molectl-bench-audit-'));
  const bootStarted = performance.now();
  const sandbox = await startSandbox({ tenants: TENANTS, preCutover: 0, workspacesPerTenant: 1, speed: 'fast' });
  const env = { ...process.env, ...sandbox.env, MOLECTL_STATE_DIR: stateDir, MOLECTL_CONFIG: '/nonexistent' };
  const instances = sandbox.state.instances.size;
  console.log(`fleet audit: ${TENANTS} tenants + ${instances - TENANTS} workspaces, every check, consoles included (sandbox up in ${((performance.now() - bootStarted) / 1000).toFixed(1)} s, ${availableParallelism()} cores)`);
  try {
    const { state } = sandbox;
    let since = state.requests.length;
    const audit = await timed(main, ['fleet', 'audit', '-q', '-o', 'json'], env);
    const calls = countCalls(state, since);
    const doc = audit.code === 0 || audit.code === 1 || audit.code === 5 ? JSON.parse(audit.stdout) : null;
    since = state.requests.length;
    const plan = await timed(main, ['migrate', 'cp-secret', 'plan', '-q', '-o', 'json'], env);
    const planCalls = countCalls(state, since);

    const perInstance = (n) => (n / instances).toFixed(2);
    console.log(`  audit: ${audit.seconds.toFixed(1)} s (exit ${audit.code}), ${doc ? `${doc.checks.length} checks, ${doc.totals.failed} failed, ${doc.totals.unknown} unknown` : 'no report'}`);
    console.log(`    AWS calls: ${total(calls.aws)} = ${perInstance(total(calls.aws))}/instance ${JSON.stringify(calls.aws)}`);
    console.log(`    CP calls: ${calls.cp} = ${perInstance(calls.cp)}/instance (one /instance read per org, one org list)`);
    console.log(`    per-page/batch calls only (without GetConsoleOutput, GetCommandInvocation): ${perInstance(total(calls.aws) - (calls.aws.GetConsoleOutput ?? 0) - (calls.aws.GetCommandInvocation ?? 0))}/instance`);
    console.log(`    CPU: ${audit.ownCpu.toFixed(1)} s in this process (molectl + the sandbox's servers), ${audit.hostCpu.toFixed(1)} s in the simulated hosts (${((audit.hostCpu / TENANTS) * 1000).toFixed(0)} ms/tenant)`);
    console.log(`  yardstick, migrate cp-secret plan (the probe alone): ${plan.seconds.toFixed(1)} s (exit ${plan.code}), ${total(planCalls.aws)} AWS calls, host CPU ${plan.hostCpu.toFixed(1)} s -> audit/plan ${(audit.seconds / plan.seconds).toFixed(2)}x`);
    console.log(`  floor from host CPU alone: ${(audit.hostCpu / availableParallelism()).toFixed(1)} s; target < ${TARGET_SECONDS} s -> ${audit.seconds < TARGET_SECONDS ? 'met' : 'NOT met'}`);
    if (!doc) console.log(audit.stderr.split('\n').slice(-8).join('\n'));
  } finally {
    await sandbox.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runFleetAuditBench();
