// The migration at fleet scale, against the sandbox: 1,000 pre-cutover tenants, 20 ms added to
// every AWS call, 2 s of simulated work per host, --soak 0. Prints plan and apply wall times and
// AWS calls per tenant, beside the naive approach (one SendCommand and one waiter per tenant, in
// sequence), projected from a sample because running it whole would take about an hour.
// Floor: 1,000 hosts x 2 s / 50 at a time = 40 s. Targets: apply < 2 min, <= 3 AWS calls/tenant.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 1000);
const NAIVE_SAMPLE = Number(process.env.BENCH_NAIVE_SAMPLE ?? 10);
const FAULTS = { awsLatencyMs: 20, hostWorkMs: 2000 };

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;

class Sink extends Writable {
  text = '';
  _write(chunk, _enc, done) {
    this.text += chunk.toString();
    done();
  }
}

function awsCalls(state, since) {
  const counts = {};
  for (const r of state.requests.slice(since)) {
    if (r.service === 'cp' || r.service === 'tenant') continue;
    counts[r.action] = (counts[r.action] ?? 0) + 1;
  }
  return counts;
}

const total = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);

/** CPU seconds used by this process's reaped children: the simulated hosts' bash, docker shim, python. */
function childCpuSeconds() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // After the comm field: state is fields[0]; cutime and cstime are stat fields 16 and 17.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

async function timeMolectl(main, argv, env) {
  const stdout = new Sink();
  const stderr = new Sink();
  const started = performance.now();
  const code = await main(argv, { stdout, stderr, env, signal: new AbortController().signal });
  return { code, seconds: (performance.now() - started) / 1000, stdout: stdout.text, stderr: stderr.text };
}

async function measureNaive(startSandbox) {
  const { SSMClient, SendCommandCommand, waitUntilCommandExecuted } = await import('@aws-sdk/client-ssm');
  const { renderTenantCommands } = await import(dist('lib/cp-secret/tenant-script.js'));
  const { fingerprintOf } = await import(dist('lib/output/fingerprint.js'));
  const sandbox = await startSandbox({ tenants: NAIVE_SAMPLE, preCutover: NAIVE_SAMPLE, faults: FAULTS, speed: 'fast' });
  try {
    const { state } = sandbox;
    const secret = state.secrets.get(state.cpSharedSecretId);
    const version = secret.versions.find((v) => v.stages.includes('AWSCURRENT'));
    const commands = renderTenantCommands({ mode: 'apply', containerName: 'molecule-tenant', cpUrl: sandbox.url, expectedFingerprint: fingerprintOf(version.value), delivery: 'secrets-manager', secretArn: secret.arn, secretVersionId: version.versionId, runId: 'naive', healthTimeoutSeconds: 30 });
    const ssm = new SSMClient({ region: 'us-east-2', endpoint: sandbox.url, credentials: { accessKeyId: 'AKIDSANDBOX000000000', secretAccessKey: 'x' } });
    const since = state.requests.length;
    const started = performance.now();
    for (const org of state.orgs.values()) {
      const { Command } = await ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [org.tenantInstanceId], Parameters: { commands } }));
      await waitUntilCommandExecuted({ client: ssm, maxWaitTime: 300, minDelay: 1 }, { CommandId: Command.CommandId, InstanceId: org.tenantInstanceId });
    }
    const perTenant = (performance.now() - started) / 1000 / NAIVE_SAMPLE;
    return { perTenant, callsPerTenant: total(awsCalls(state, since)) / NAIVE_SAMPLE };
  } finally {
    await sandbox.stop();
  }
}

export async function runMigrateBench() {
  const { main } = await import(dist('cli.js'));
  const { startSandbox } = await import(dist('sandbox/start-sandbox.js'));
  const { simulateTenantProvisionCall } = await import(dist('sandbox/cp/simulate-tenant.js'));
  const stateDir = mkdtempSync(join(tmpdir(), 'molectl-bench-'));
  const bootStarted = performance.now();
  const sandbox = await startSandbox({ tenants: TENANTS, preCutover: TENANTS, faults: FAULTS, speed: 'fast' });
  const env = { ...process.env, ...sandbox.env, MOLECTL_STATE_DIR: stateDir, MOLECTL_CONFIG: '/nonexistent' };
  console.log(`migrate: ${TENANTS} pre-cutover tenants, AWS latency ${FAULTS.awsLatencyMs} ms, host work ${FAULTS.hostWorkMs} ms, --soak 0 (sandbox up in ${((performance.now() - bootStarted) / 1000).toFixed(1)} s)`);
  try {
    const { state } = sandbox;
    const planFile = join(stateDir, 'plan.json');
    let since = state.requests.length;
    const plan = await timeMolectl(main, ['migrate', 'cp-secret', 'plan', '--out', planFile, '-q'], env);
    const planCalls = awsCalls(state, since);
    since = state.requests.length;
    const cpu0 = process.cpuUsage();
    const hostCpu0 = childCpuSeconds();
    const apply = await timeMolectl(main, ['--env', 'sandbox', 'migrate', 'cp-secret', 'apply', '--plan', planFile, '--yes', '--soak', '0', '-q', '-o', 'json'], env);
    const cpu = process.cpuUsage(cpu0);
    const hostCpu = childCpuSeconds() - hostCpu0;
    const applyCalls = awsCalls(state, since);
    const result = apply.code === 0 ? JSON.parse(apply.stdout) : null;
    const migrated = result ? result.targets.filter((t) => t.action === 'migrated').length : 0;
    let accepted = 0;
    for (const slug of [...state.orgs.keys()].slice(0, 20)) if ((await simulateTenantProvisionCall(state, slug)) === 201) accepted += 1;

    console.log(`  plan : ${plan.seconds.toFixed(1)} s (exit ${plan.code}), ${total(planCalls)} AWS calls = ${(total(planCalls) / TENANTS).toFixed(2)}/tenant ${JSON.stringify(planCalls)}`);
    console.log(`  apply: ${apply.seconds.toFixed(1)} s (exit ${apply.code}), ${migrated}/${TENANTS} migrated, ${total(applyCalls)} AWS calls = ${(total(applyCalls) / TENANTS).toFixed(2)}/tenant ${JSON.stringify(applyCalls)}`);
    console.log(`  CPU during apply: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s in this process (molectl + the sandbox's servers), ${hostCpu.toFixed(1)} s in the simulated hosts (${((hostCpu / TENANTS) * 1000).toFixed(0)} ms/tenant: bash, the docker shim, python) on ${(await import('node:os')).availableParallelism()} cores`);
    console.log(`  provisioning accepted from ${accepted}/20 sampled migrated tenants`);
    console.log(`  floor ${((TENANTS * FAULTS.hostWorkMs) / 50 / 1000).toFixed(0)} s; target apply < 120 s -> ${apply.seconds < 120 ? 'met' : 'NOT met'}; target <= 3 AWS calls/tenant -> ${total(applyCalls) / TENANTS <= 3 ? 'met' : 'NOT met'}`);
    if (apply.code !== 0) console.log(apply.stderr.split('\n').slice(-8).join('\n'));
  } finally {
    await sandbox.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  const naive = await measureNaive(startSandbox);
  console.log(`  naive (SendCommand + waiter per tenant, in sequence), sample of ${NAIVE_SAMPLE}: ${naive.perTenant.toFixed(2)} s and ${naive.callsPerTenant.toFixed(1)} AWS calls per tenant -> projected ${((naive.perTenant * TENANTS) / 60).toFixed(0)} min for ${TENANTS}`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runMigrateBench();
