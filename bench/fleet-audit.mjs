// `molectl fleet audit` at fleet scale, against the sandbox: 1,000 tenants and 1,000 workspaces,
// every check, consoles included. Prints the wall time (target: under 30 s on this 2-core
// machine), the AWS and CP calls per instance by action (they must grow with pages and batches,
// not instances, except the per-instance reads AWS and the CP only offer one by one), and where
// the CPU went: molectl (this process), the sandbox's servers (a second process, as a user runs
// `molectl sandbox up`), the simulated hosts (bash, the shims, python: the sandbox's children).
// Yardstick, in the same run: `migrate cp-secret plan`, which sends the same probe alone.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { selfCpuSeconds } from './lib/self-cpu-seconds.mjs';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 1000);
const TARGET_SECONDS = 30;
const SELF = fileURLToPath(import.meta.url);

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;

class Sink extends Writable {
  text = '';
  _write(chunk, _enc, done) {
    this.text += chunk.toString();
    done();
  }
}

/**
 * [the sandbox's own CPU, the simulated hosts' CPU], seconds. The hosts' scripts are mostly
 * started and reaped by the sandbox's long-lived helpers (the script launcher, the python
 * helper), which this process reaps only when the sandbox stops: their CPU is read from them.
 */
function sandboxCpuSeconds(sandbox) {
  const { own, reaped } = selfCpuSeconds();
  return [own, reaped + sandbox.hosts.helperCpuSeconds()];
}

/** The sandbox's side: started by the bench with --sandbox, answers its messages over IPC. */
async function serveSandbox() {
  const { startSandbox } = await import(dist('sandbox/start-sandbox.js'));
  const sandbox = await startSandbox({ tenants: TENANTS, preCutover: 0, workspacesPerTenant: 1, speed: 'fast' });
  let mark = 0;
  let cpuMark = sandboxCpuSeconds(sandbox);
  process.on('message', async (message) => {
    if (message === 'mark') {
      mark = sandbox.state.requests.length;
      cpuMark = sandboxCpuSeconds(sandbox);
      process.send({ marked: true });
    } else if (message === 'counts') {
      const aws = {};
      let cp = 0;
      for (const r of sandbox.state.requests.slice(mark)) {
        if (r.service === 'cp') cp += 1;
        else if (r.service !== 'tenant') aws[r.action] = (aws[r.action] ?? 0) + 1;
      }
      const [own, hosts] = sandboxCpuSeconds(sandbox);
      process.send({ aws, cp, serverCpu: own - cpuMark[0], hostCpu: hosts - cpuMark[1] });
    } else if (message === 'stop') {
      await sandbox.stop();
      process.exit(0);
    }
  });
  process.send({ env: sandbox.env, instances: sandbox.state.instances.size });
}

function startSandboxProcess() {
  const child = fork(SELF, ['--sandbox'], {
    env: { ...process.env, BENCH_TENANTS: String(TENANTS) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = (message) =>
    new Promise((resolve) => {
      child.once('message', resolve);
      if (message) child.send(message);
    });
  return { child, ask };
}

const total = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);

async function timed(main, argv, env, ask) {
  await ask('mark');
  const stdout = new Sink();
  const stderr = new Sink();
  const own0 = selfCpuSeconds().own;
  const started = performance.now();
  const code = await main(argv, { stdout, stderr, env, signal: new AbortController().signal });
  const seconds = (performance.now() - started) / 1000;
  const ownCpu = selfCpuSeconds().own - own0;
  const counts = await ask('counts');
  return { code, seconds, ownCpu, ...counts, stdout: stdout.text, stderr: stderr.text };
}

export async function runFleetAuditBench() {
  const { main } = await import(dist('cli.js'));
  const stateDir = mkdtempSync(join(tmpdir(), 'molectl-bench-audit-'));
  const bootStarted = performance.now();
  const { child, ask } = startSandboxProcess();
  const ready = await ask(null);
  const env = {
    ...process.env,
    ...ready.env,
    MOLECTL_STATE_DIR: stateDir,
    MOLECTL_CONFIG: join(stateDir, 'absent-config.json'),
  };
  const instances = ready.instances;
  console.log(
    `fleet audit: ${TENANTS} tenants + ${instances - TENANTS} workspaces, every check, consoles included; sandbox in its own process (up in ${((performance.now() - bootStarted) / 1000).toFixed(1)} s); ${availableParallelism()} cores`,
  );
  try {
    const audit = await timed(main, ['fleet', 'audit', '-q', '-o', 'json'], env, ask);
    const doc = [0, 1, 5].includes(audit.code) ? JSON.parse(audit.stdout) : null;
    const plan = await timed(main, ['migrate', 'cp-secret', 'plan', '-q', '-o', 'json'], env, ask);
    const per = (n) => (n / instances).toFixed(2);
    const batched = total(audit.aws) - (audit.aws.GetConsoleOutput ?? 0) - (audit.aws.GetCommandInvocation ?? 0);
    console.log(
      `  audit: ${audit.seconds.toFixed(1)} s (exit ${audit.code}), ${doc ? `${doc.checks.length} checks, ${doc.totals.failed} failed, ${doc.totals.unknown} unknown` : 'no report'}`,
    );
    console.log(`    AWS calls: ${total(audit.aws)} = ${per(total(audit.aws))}/instance ${JSON.stringify(audit.aws)}`);
    console.log(
      `    of which by page or batch: ${batched} = ${per(batched)}/instance; one per instance: GetConsoleOutput (AWS has no batch form)`,
    );
    console.log(
      `    CP calls: ${audit.cp} = ${per(audit.cp)}/instance (the org list, then one /instance answer per org)`,
    );
    console.log(
      `    CPU: molectl ${audit.ownCpu.toFixed(1)} s, the sandbox's servers ${audit.serverCpu.toFixed(1)} s, the simulated hosts ${audit.hostCpu.toFixed(1)} s (${((audit.hostCpu / TENANTS) * 1000).toFixed(0)} ms per tenant probe)`,
    );
    console.log(
      `  yardstick, migrate cp-secret plan (the same probe alone): ${plan.seconds.toFixed(1)} s (exit ${plan.code}), ${total(plan.aws)} AWS calls; CPU molectl ${plan.ownCpu.toFixed(1)} s, servers ${plan.serverCpu.toFixed(1)} s, hosts ${plan.hostCpu.toFixed(1)} s -> audit/plan ${(audit.seconds / plan.seconds).toFixed(2)}x`,
    );
    const cpu = audit.ownCpu + audit.serverCpu + audit.hostCpu;
    console.log(
      `  all CPU / cores = ${(cpu / availableParallelism()).toFixed(1)} s floor; target < ${TARGET_SECONDS} s -> ${audit.seconds < TARGET_SECONDS ? 'met' : 'NOT met'}`,
    );
    if (!doc) console.log(audit.stderr.split('\n').slice(-8).join('\n'));
    const sample = doc?.tenants.flatMap((t) => t.findings)[0];
    if (sample) console.log(`    first finding: ${sample.check} ${sample.status}: ${sample.detail}`);
    if (plan.code !== 0) console.log(plan.stderr.split('\n').slice(-8).join('\n'));
  } finally {
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(stateDir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--sandbox')) await serveSandbox();
else if (import.meta.url === pathToFileURL(process.argv[1]).href) await runFleetAuditBench();
