// The CP shared-secret migration at fleet scale, against the sandbox: molectl as a fresh process,
// started as an installed `molectl` runs (so its CPU time and peak RSS are its own), and the
// sandbox in this one.
// Two labelled modes (issue 16):
//   real      the real scripts/tenant-cp-secret.sh under bash on every simulated host;
//   modelled  the sandbox computes what the script would print for each host (no bash), to
//             measure molectl's own cost at internet scale. Never used by the tests as a stand-in.
// Rows: real 1,000 tenants at --max-concurrency 50, modelled 10,000 at 500 (2 s of host work,
// 20 ms per AWS call, --soak 0), the 10,000-tenant plan, and the naive approach for scale.
// Floors: tenants x 2 s / concurrency (1,000 / 50 and 10,000 / 500 both give 40 s).
// Env: BENCH_TENANTS (real row), BENCH_MODELLED_TENANTS, BENCH_NAIVE_SAMPLE; BENCH_ROWS picks rows
// (comma-separated from real,modelled,naive; default all); BENCH_MOLECTL_NODE_ARGS adds Node
// flags to molectl's process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it), and
// BENCH_SANDBOX_CPU_PROF=<dir> profiles this process (the sandbox) during the modelled apply;
// BENCH_TIMELINE=1 runs the apply without -q and prints its progress lines, each with the
// seconds since molectl started (where a phase's time goes).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { molectlArgs } from './lib/molectl-command.mjs';
import { selfCpuSeconds } from './lib/self-cpu-seconds.mjs';
import { bashStartCpu } from './lib/bash-start-cpu.mjs';

const REAL_TENANTS = Number(process.env.BENCH_TENANTS ?? 1000);
const MODELLED_TENANTS = Number(process.env.BENCH_MODELLED_TENANTS ?? 10_000);
const NAIVE_SAMPLE = Number(process.env.BENCH_NAIVE_SAMPLE ?? 10);
const HOST_WORK_MS = 2000;
const AWS_LATENCY_MS = 20;
const ROWS = new Set((process.env.BENCH_ROWS ?? 'real,modelled,naive').split(',').map((r) => r.trim()));
const MOLECTL_NODE_ARGS = (process.env.BENCH_MOLECTL_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const TIMELINE = process.env.BENCH_TIMELINE === '1';

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;

function awsCalls(state, since) {
  const counts = {};
  let throttled = 0;
  for (const r of state.requests.slice(since)) {
    if (['cp', 'tenant', 'railway', 'vercel', 'registry', 'gitea'].includes(r.service)) continue;
    counts[r.action] = (counts[r.action] ?? 0) + 1;
    if (r.status === 400 && /SendCommand|ListCommandInvocations|GetCommandInvocation/.test(r.action)) throttled += 1;
  }
  return { counts, total: Object.values(counts).reduce((a, b) => a + b, 0), throttled };
}

/**
 * Runs molectl as a child under /usr/bin/time (asynchronously: the sandbox in this process must
 * keep answering), returning wall seconds, its own CPU seconds and peak RSS.
 */
function molectl(args, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      '/usr/bin/time',
      ['-f', 'MOLECTL_TIME %U %S %M', process.execPath, ...molectlArgs(args, MOLECTL_NODE_ARGS)],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    const timeline = [];
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => {
      stderr += c;
      const at = ((performance.now() - started) / 1000).toFixed(2);
      for (const line of String(c).split('\n')) if (line.trim()) timeline.push(`${at.padStart(6)}  ${line}`);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /MOLECTL_TIME (\S+) (\S+) (\d+)/.exec(stderr);
      resolve({
        code: code ?? 1,
        seconds: (performance.now() - started) / 1000,
        cpuSeconds: m ? Number(m[1]) + Number(m[2]) : NaN,
        peakRssMb: m ? Number(m[3]) / 1024 : NaN,
        stdout,
        stderr: stderr.replace(/MOLECTL_TIME.*\n?/, ''),
        timeline: timeline.filter((l) => !l.includes('MOLECTL_TIME')),
      });
    });
  });
}

/**
 * With BENCH_SANDBOX_CPU_PROF=<dir>, a V8 CPU profile of this process (the sandbox servers) during
 * the modelled apply, written as <dir>/sandbox-<time>.cpuprofile; null otherwise.
 */
async function startSandboxProfile(hostMode) {
  const dir = process.env.BENCH_SANDBOX_CPU_PROF;
  if (!dir || hostMode !== 'modelled') return null;
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `sandbox-${Date.now()}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** Plan then apply one fleet; returns the figures of each step. */
async function migrateFleet({ hostMode, tenants, concurrency, startSandbox }) {
  const stateDir = mkdtempSync(join(tmpdir(), 'molectl-bench-'));
  const booted = performance.now();
  const sandbox = await startSandbox({
    tenants,
    preCutover: tenants,
    hostMode,
    faults: { awsLatencyMs: AWS_LATENCY_MS },
    speed: 'fast',
  });
  const bootSeconds = (performance.now() - booted) / 1000;
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...sandbox.env,
    MOLECTL_STATE_DIR: stateDir,
    MOLECTL_CONFIG: join(stateDir, 'absent-config.json'),
  };
  try {
    const { state } = sandbox;
    const planFile = join(stateDir, 'plan.json');
    // The probe is a few reads per host: the modelled 2 s of host work is the apply's container swap.
    let since = state.requests.length;
    const plan = await molectl(['migrate', 'cp-secret', 'plan', '--out', planFile, '-q'], env);
    const planCalls = awsCalls(state, since);
    if (plan.code !== 0) throw new Error(`plan exited ${plan.code}: ${plan.stderr.slice(-500)}`);

    state.faults.hostWorkMs = HOST_WORK_MS;
    since = state.requests.length;
    const hostCpu0 = selfCpuSeconds().reaped + sandbox.hosts.helperCpuSeconds();
    const selfCpu0 = process.cpuUsage();
    const sandboxProfile = await startSandboxProfile(hostMode);
    const apply = await molectl(
      [
        '--env',
        'sandbox',
        'migrate',
        'cp-secret',
        'apply',
        '--plan',
        planFile,
        '--yes',
        '--soak',
        '0',
        '--max-concurrency',
        String(concurrency),
        ...(TIMELINE ? [] : ['-q']),
        '-o',
        'json',
      ],
      env,
    );
    const selfCpu = process.cpuUsage(selfCpu0);
    await sandboxProfile?.stop();
    // The hosts' CPU: everything this process reaped during the apply (bash, shims, the warm
    // python helper's forks), minus molectl itself, which is also one of its children.
    const hostCpu = selfCpuSeconds().reaped + sandbox.hosts.helperCpuSeconds() - hostCpu0 - apply.cpuSeconds;
    const applyCalls = awsCalls(state, since);
    const result = apply.code === 0 ? JSON.parse(apply.stdout) : null;
    const migrated = result ? result.targets.filter((t) => t.action === 'migrated').length : 0;
    if (apply.code !== 0) console.log(apply.stderr.split('\n').slice(-8).join('\n'));
    if (TIMELINE) console.log(apply.timeline.join('\n'));
    return {
      hostMode,
      tenants,
      concurrency,
      bootSeconds,
      plan,
      planCalls,
      apply,
      applyCalls,
      migrated,
      hostCpu,
      sandboxCpu: (selfCpu.user + selfCpu.system) / 1e6,
    };
  } finally {
    await sandbox.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function report(r) {
  const floor = (r.tenants * HOST_WORK_MS) / r.concurrency / 1000;
  const label = `${r.hostMode} mode, ${r.tenants} tenants, --max-concurrency ${r.concurrency}`;
  console.log(`migrate (${label}; sandbox up in ${r.bootSeconds.toFixed(1)} s)`);
  console.log(
    `  plan : ${r.plan.seconds.toFixed(1)} s, molectl CPU ${r.plan.cpuSeconds.toFixed(1)} s, peak RSS ${r.plan.peakRssMb.toFixed(0)} MB, ${r.planCalls.total} AWS calls (${(r.planCalls.total / r.tenants).toFixed(2)}/tenant) ${JSON.stringify(r.planCalls.counts)}`,
  );
  console.log(
    `  apply: ${r.apply.seconds.toFixed(1)} s (exit ${r.apply.code}, floor ${floor.toFixed(0)} s, x${(r.apply.seconds / floor).toFixed(2)}), ${r.migrated}/${r.tenants} migrated, ${r.applyCalls.total} AWS calls = ${(r.applyCalls.total / r.tenants).toFixed(2)}/tenant ${JSON.stringify(r.applyCalls.counts)}, ${r.applyCalls.throttled} throttled and retried`,
  );
  console.log(
    `  CPU during apply: molectl ${r.apply.cpuSeconds.toFixed(1)} s (${((r.apply.cpuSeconds / r.tenants) * 1000).toFixed(1)} ms/tenant, peak RSS ${r.apply.peakRssMb.toFixed(0)} MB), sandbox servers ${r.sandboxCpu.toFixed(1)} s, simulated hosts ${r.hostCpu.toFixed(1)} s (${((r.hostCpu / r.tenants) * 1000).toFixed(0)} ms/host) on ${availableParallelism()} cores`,
  );
  return floor;
}

async function measureNaive(startSandbox) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; // as molectl itself does
  const { SSMClient, SendCommandCommand, waitUntilCommandExecuted } = await import('@aws-sdk/client-ssm');
  const { renderTenantCommands } = await import(dist('lib/tenant-secret-delivery/tenant-script.js'));
  const { fingerprintOf } = await import(dist('lib/output/fingerprint.js'));
  const sandbox = await startSandbox({
    tenants: NAIVE_SAMPLE,
    preCutover: NAIVE_SAMPLE,
    faults: { awsLatencyMs: AWS_LATENCY_MS, hostWorkMs: HOST_WORK_MS },
    speed: 'fast',
  });
  try {
    const { state } = sandbox;
    const secret = state.secrets.get(state.cpSharedSecretId);
    const version = secret.versions.find((v) => v.stages.includes('AWSCURRENT'));
    const commands = renderTenantCommands({
      mode: 'apply',
      containerName: 'molecule-tenant',
      cpUrl: sandbox.url,
      expectedFingerprint: fingerprintOf(version.value),
      delivery: 'secrets-manager',
      secretArn: secret.arn,
      secretVersionId: version.versionId,
      runId: 'naive',
      healthTimeoutSeconds: 30,
    });
    const ssm = new SSMClient({
      region: 'us-east-2',
      endpoint: sandbox.url,
      credentials: { accessKeyId: 'AKIDSANDBOX000000000', secretAccessKey: 'x' },
    });
    const since = state.requests.length;
    const started = performance.now();
    for (const org of state.orgs.values()) {
      const { Command } = await ssm.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunShellScript',
          InstanceIds: [org.tenantInstanceId],
          Parameters: { commands },
        }),
      );
      await waitUntilCommandExecuted(
        { client: ssm, maxWaitTime: 300, minDelay: 1 },
        { CommandId: Command.CommandId, InstanceId: org.tenantInstanceId },
      );
    }
    ssm.destroy();
    return {
      perTenant: (performance.now() - started) / 1000 / NAIVE_SAMPLE,
      callsPerTenant: awsCalls(state, since).total / NAIVE_SAMPLE,
    };
  } finally {
    await sandbox.stop();
  }
}

export async function runMigrateBench() {
  const { startSandbox } = await import(dist('sandbox/start-sandbox.js'));
  const goals = [];

  if (ROWS.has('real')) {
    const real = await migrateFleet({ hostMode: 'real', tenants: REAL_TENANTS, concurrency: 50, startSandbox });
    const realFloor = report(real);
    const hostCpuMs = (real.hostCpu / REAL_TENANTS) * 1000;
    const bash = bashStartCpu();
    console.log(
      `  yardstick, this machine: \`bash -c :\` ${bash.startMs.toFixed(1)} ms CPU, a fork of bash ${bash.forkMs.toFixed(1)} ms; a host's migration = ${(hostCpuMs / bash.startMs).toFixed(1)} bare bash starts`,
    );
    goals.push({
      measure: `migrate apply, ${REAL_TENANTS} tenants, real mode, 2 s host work, --max-concurrency 50`,
      value: `${real.apply.seconds.toFixed(1)} s = x${(real.apply.seconds / realFloor).toFixed(2)} the ${realFloor.toFixed(0)} s floor; ${hostCpuMs.toFixed(0)} ms CPU per host`,
      goal: '<= 2 x floor',
      met: real.apply.code === 0 && real.apply.seconds <= 2 * realFloor,
    });
    goals.push({
      measure: 'simulated host CPU per migration script (real mode, reaped children and the python helper)',
      value: `${hostCpuMs.toFixed(0)} ms = x${(hostCpuMs / bash.startMs).toFixed(1)} a bare \`bash -c :\` here (${bash.startMs.toFixed(1)} ms; a fork ${bash.forkMs.toFixed(1)} ms)`,
      goal: '<= 50 ms',
      met: hostCpuMs <= 50,
    });
  }

  if (ROWS.has('modelled')) {
    const modelled = await migrateFleet({
      hostMode: 'modelled',
      tenants: MODELLED_TENANTS,
      concurrency: 500,
      startSandbox,
    });
    const modelledFloor = report(modelled);
    const callsPerTenant = modelled.applyCalls.total / MODELLED_TENANTS;
    goals.push({
      measure: `migrate apply, ${MODELLED_TENANTS} tenants, modelled mode, 2 s host work, --max-concurrency 500`,
      value: `${modelled.apply.seconds.toFixed(1)} s = x${(modelled.apply.seconds / modelledFloor).toFixed(2)} the ${modelledFloor.toFixed(0)} s floor; RSS ${modelled.apply.peakRssMb.toFixed(0)} MB; ${callsPerTenant.toFixed(2)} AWS calls/tenant (${modelled.applyCalls.throttled} throttled); molectl CPU ${((modelled.apply.cpuSeconds / MODELLED_TENANTS) * 1000).toFixed(1)} ms/tenant`,
      goal: '<= 1.5 x floor, RSS < 300 MB, <= 3 calls/tenant',
      met:
        modelled.apply.code === 0 &&
        modelled.apply.seconds <= 1.5 * modelledFloor &&
        modelled.apply.peakRssMb < 300 &&
        callsPerTenant <= 3,
    });
    goals.push({
      measure: `migrate plan, ${MODELLED_TENANTS} tenants, modelled mode`,
      value: `${modelled.plan.seconds.toFixed(1)} s (molectl CPU ${modelled.plan.cpuSeconds.toFixed(1)} s, RSS ${modelled.plan.peakRssMb.toFixed(0)} MB)`,
      goal: '<= 30 s',
      met: modelled.plan.code === 0 && modelled.plan.seconds <= 30,
    });
  }

  if (ROWS.has('naive')) {
    const naive = await measureNaive(startSandbox);
    console.log(
      `  naive (SendCommand + waiter per tenant, in sequence), sample of ${NAIVE_SAMPLE}: ${naive.perTenant.toFixed(2)} s and ${naive.callsPerTenant.toFixed(1)} AWS calls per tenant -> projected ${((naive.perTenant * REAL_TENANTS) / 60).toFixed(0)} min for ${REAL_TENANTS}`,
    );
  }
  return { goals };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { goals } = await runMigrateBench();
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const g of goals) console.log(`| ${g.measure} | ${g.value} | ${g.goal} | ${g.met ? 'yes' : 'NO'} |`);
}
