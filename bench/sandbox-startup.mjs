// `molectl sandbox up --tenants 1000 --detach`: time until ready, resident memory of the
// background process, and that `sandbox down` leaves no process and no temp directory.
// Targets (issue 3): ready in < 5 s, < 300 MB.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, withBenchNode } from './lib/molectl-command.mjs';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** Each call runs with its own state dir (env.MOLECTL_STATE_DIR); the config path is in it, and absent. */
function molectl(args, env) {
  return spawnSync(BIN, args, {
    encoding: 'utf8',
    env: withBenchNode({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MOLECTL_CONFIG: join(env.MOLECTL_STATE_DIR, 'absent-config.json'),
      ...env,
    }),
  });
}

function memoryMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * The process has ended: no /proc entry, or a zombie (state Z) that its parent, here the
 * machine's init, has not reaped (some VMs' PID 1 never does).
 */
function exited(pid) {
  if (!existsSync(`/proc/${pid}`)) return true;
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true; // reaped between the two reads
  }
}

const sandboxDirs = () => new Set(readdirSync(tmpdir()).filter((d) => d.startsWith('molectl-sandbox-')));

export async function runSandboxStartupBench() {
  const rows = [];
  for (let i = 0; i < RUNS; i++) {
    const stateDir = mkdtempSync(join(tmpdir(), 'molectl-bench-state-'));
    const env = { MOLECTL_STATE_DIR: stateDir };
    const before = sandboxDirs();
    const started = performance.now();
    const up = molectl(['sandbox', 'up', '--detach', '--port', '0', '--tenants', String(TENANTS), '-o', 'json'], env);
    const readySeconds = (performance.now() - started) / 1000;
    if (up.status !== 0) throw new Error(`sandbox up failed: ${up.stderr}`);
    const { pid, url } = JSON.parse(up.stdout);
    const orgs = await fetch(`${url}/health`).then((r) => r.status);
    const memory = memoryMb(pid);
    const down = molectl(['sandbox', 'down'], env);
    await new Promise((r) => setTimeout(r, 300));
    const processGone = exited(pid);
    const leftovers = [...sandboxDirs()].filter((d) => !before.has(d));
    rows.push({ readySeconds, memory, processGone, leftovers, healthy: orgs === 200 && down.status === 0 });
    rmSync(stateDir, { recursive: true, force: true });
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ready = median(rows.map((r) => r.readySeconds));
  const peak = Math.max(...rows.map((r) => r.memory.peak));
  console.log(`sandbox up --tenants ${TENANTS} --detach, ${RUNS} runs (process start included)`);
  console.log(
    `  ready: median ${ready.toFixed(2)} s (${rows.map((r) => r.readySeconds.toFixed(2)).join(', ')}); target < 5 s -> ${ready < 5 ? 'met' : 'NOT met'}`,
  );
  console.log(
    `  memory of the background process: RSS ${rows.map((r) => r.memory.rss.toFixed(0)).join(', ')} MB, peak ${peak.toFixed(0)} MB; target < 300 MB -> ${peak < 300 ? 'met' : 'NOT met'}`,
  );
  console.log(
    `  after sandbox down: process gone ${rows.every((r) => r.processGone) ? 'yes' : 'NO'}, temp dirs left ${rows.reduce((n, r) => n + r.leftovers.length, 0)}, CP healthy while up ${rows.every((r) => r.healthy) ? 'yes' : 'NO'}`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runSandboxStartupBench();
