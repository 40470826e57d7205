// `molectl gitea rewrite --write` against the shell pipeline it replaces, on a generated
// repository: 20,000 files (~200 MB), 1% of them with Molecule-AI GitHub URLs, committed so both
// tools see tracked files. Wall time, CPU time (user+sys) and peak RSS from /usr/bin/time, median
// of BENCH_RUNS runs each (the copies are restored with `git checkout` between runs); molectl with
// nothing cached at all (a new machine), nothing remembered of this repository (its first run
// here), as the second run and as a later one (what a search learns, search-memory.ts), as an installed `molectl` runs (bench/lib/molectl-command.mjs). The copies
// are flushed to disk (sync) before the first run, so that neither tool is timed against the
// writeback of half a gigabyte of fresh files. Prints figures and the machine's load average,
// never asserts. Run after `npm run build`:  node bench/gitea-rewrite.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, withBenchNode } from './lib/molectl-command.mjs';

const FILES = Number(process.env.BENCH_GITEA_FILES ?? 20_000);
const FILE_BYTES = Number(process.env.BENCH_GITEA_FILE_BYTES ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SED = 's#https://github\\.com/Molecule-AI/#https://git.moleculesai.app/molecule-ai/#g';
// The caller's environment, NODE_EXTRA_CA_CERTS included when set (printed with the figures):
// molectl and the pipeline run as a user runs them.
const GIT_ENV = withBenchNode({
  ...process.env,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
});

/** molectl as the installed command runs: the file, through its sh header (lib/molectl-command.mjs). */
const MOLECTL = JSON.stringify(BIN);

function run(cmd, args, cwd, extra = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: GIT_ENV, maxBuffer: 256 * 1024 * 1024, ...extra });
  if (r.status !== 0 && !extra.allowFailure)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r;
}

// Deterministic filler text: words from a small vocabulary, no GitHub mentions.
function makeFiller(seed, bytes) {
  const words = [
    'tenant',
    'fleet',
    'workspace',
    'provision',
    'secret',
    'canvas',
    'runner',
    'deploy',
    'health',
    'region',
    'instance',
    'console',
    'ledger',
    'rotate',
    'verify',
    'migrate',
  ];
  let x = (seed * 2654435761) >>> 0;
  const lines = [];
  let size = 0;
  while (size < bytes) {
    const n = 8 + (x % 8);
    const line = [];
    for (let i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      line.push(words[x % words.length]);
    }
    const text = line.join(' ');
    lines.push(text);
    size += text.length + 1;
  }
  return lines;
}

const URL_LINES = [
  'Clone https://github.com/Molecule-AI/molecule-monorepo.git to start.',
  'Docs live at https://github.com/Molecule-AI/docs/blob/main/README.md#setup',
  'pip install git+https://github.com/Molecule-AI/sdk-python.git@v1.2.0#egg=molecule-sdk',
  'curl -fsSL https://github.com/Molecule-AI/cli/releases/download/v0.3.1/install.sh | sh',
  'See https://github.com/Molecule-AI/platform for the platform.',
];

function generateRepo(dir) {
  const exts = ['md', 'py', 'ts', 'txt', 'yaml', 'sh'];
  const fillers = Array.from({ length: 16 }, (_, i) => makeFiller(i + 1, FILE_BYTES));
  let withUrls = 0;
  for (let i = 0; i < FILES; i++) {
    const sub = join(dir, `pkg${String(Math.floor(i / 100)).padStart(3, '0')}`);
    if (i % 100 === 0) mkdirSync(sub, { recursive: true });
    const lines = [...fillers[i % fillers.length]];
    if (i % 100 === 37) {
      withUrls += 1;
      for (let k = 0; k < URL_LINES.length; k++) lines.splice(10 + k * 20, 0, URL_LINES[k]);
    }
    writeFileSync(join(sub, `file${i}.${exts[i % exts.length]}`), `${lines.join('\n')}\n`);
  }
  run('git', ['init', '-q'], dir);
  run('git', ['add', '-A'], dir);
  run('git', ['commit', '-qm', 'generated'], dir);
  return withUrls;
}

function timed(shellCommand, cwd) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', 'sh', '-c', shellCommand], {
    cwd,
    encoding: 'utf8',
    env: GIT_ENV,
    maxBuffer: 64 * 1024 * 1024,
  });
  const last = r.stderr.trim().split('\n').at(-1).split(' ');
  return {
    seconds: Number(last[0]),
    peakMb: Number(last[1]) / 1024,
    cpuSeconds: Number(last[2]) + Number(last[3]),
    status: r.status,
  };
}

function changedFiles(cwd) {
  return run('git', ['diff', '--name-only'], cwd).stdout.split('\n').filter(Boolean).length;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function runGiteaRewriteBench() {
  const root = mkdtempSync(join(tmpdir(), 'molectl-bench-gitea-'));
  try {
    const source = join(root, 'source');
    mkdirSync(source);
    const t0 = Date.now();
    const withUrls = generateRepo(source);
    const du = run('du', ['-sm', '--exclude=.git', source], root).stdout.split('\t')[0];
    console.log(
      `generated ${FILES} files, ${du} MB, ${withUrls} with URLs, in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    const molectlDir = join(root, 'molectl');
    const pipelineDir = join(root, 'pipeline');
    run('cp', ['-a', source, molectlDir], root);
    run('cp', ['-a', source, pipelineDir], root);
    rmSync(source, { recursive: true, force: true });
    run('sync', [], root);

    // molectl four times per round: "bare" with nothing cached (molectl's cache directory emptied:
    // the first molectl run on a machine, or a CI runner without a cache), which has no compile
    // cache either (bin/compile-cache.js); "cold", the first run in this repository (its search
    // memory emptied, V8's code cache as any earlier molectl run left it), which only notes the
    // directory; "learn", the second run, which searches everything and learns what is clean;
    // "warm", a later run, which searches only what no search found clean.
    const cacheHome = join(root, 'xdg-cache');
    const molectlCmd = `XDG_CACHE_HOME=${JSON.stringify(cacheHome)} ${MOLECTL} gitea rewrite --write --quiet >/dev/null`;
    const pipelineCmd = `git grep -l github.com/Molecule-AI | xargs sed -i -E '${SED}'`;
    const results = { bare: [], cold: [], learn: [], warm: [], pipeline: [] };
    const changed = {};
    for (let i = 0; i < RUNS; i++) {
      // Alternate the order so neither tool always runs on the colder page cache.
      const molectlRuns = ['bare', 'cold', 'learn', 'warm'];
      const order = i % 2 === 0 ? ['pipeline', ...molectlRuns] : [...molectlRuns, 'pipeline'];
      for (const tool of order) {
        const dir = tool === 'pipeline' ? pipelineDir : molectlDir;
        run('git', ['checkout', '-q', '--', '.'], dir);
        if (tool === 'bare') rmSync(cacheHome, { recursive: true, force: true });
        if (tool === 'cold') rmSync(join(cacheHome, 'molectl', 'gitea-rewrite'), { recursive: true, force: true });
        const r = timed(tool === 'pipeline' ? pipelineCmd : molectlCmd, dir);
        if (r.status !== 0) throw new Error(`${tool} exited with ${r.status}`);
        results[tool].push(r);
        changed[tool] = changedFiles(dir);
      }
    }
    // Fixed costs, for reading the ratio: Node itself, any molectl command (CLI framework), and the
    // whole gitea rewrite path (context, git start-up, report) on an empty repository.
    const node = median(
      Array.from({ length: RUNS }, () => timed(`${JSON.stringify(process.execPath)} -e 0`, root).seconds),
    );
    const startup = median(Array.from({ length: RUNS }, () => timed(`${MOLECTL} --version >/dev/null`, root).seconds));
    const empty = join(root, 'empty');
    mkdirSync(empty);
    run('git', ['init', '-q'], empty);
    writeFileSync(join(empty, 'README.md'), 'nothing to see\n');
    const fixed = median(
      Array.from({ length: RUNS }, () => timed(`${MOLECTL} gitea rewrite --write --quiet >/dev/null`, empty).seconds),
    );
    const summary = Object.fromEntries(
      Object.entries(results).map(([tool, rs]) => [
        tool,
        {
          medianSeconds: median(rs.map((r) => r.seconds)),
          medianCpuSeconds: median(rs.map((r) => r.cpuSeconds)),
          peakMb: Math.max(...rs.map((r) => r.peakMb)),
          allSeconds: rs.map((r) => r.seconds),
        },
      ]),
    );
    const ratio = (tool) => summary[tool].medianSeconds / Math.max(summary.pipeline.medianSeconds, 0.01);
    const cpuRatio = (tool) => summary[tool].medianCpuSeconds / Math.max(summary.pipeline.medianCpuSeconds, 0.01);
    console.log(
      `runs: ${RUNS} each (median wall and CPU time, max peak RSS); load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const labels = {
      bare: 'molectl gitea rewrite --write, nothing cached    ',
      cold: 'molectl gitea rewrite --write, first run here    ',
      learn: 'molectl gitea rewrite --write, the second run    ',
      warm: 'molectl gitea rewrite --write, a later run       ',
      pipeline: 'git grep -l | xargs sed -i -E                   ',
    };
    for (const tool of ['bare', 'cold', 'learn', 'warm', 'pipeline'])
      console.log(
        `  ${labels[tool]}  ${summary[tool].medianSeconds.toFixed(2)} s wall  ${summary[tool].medianCpuSeconds.toFixed(2)} s CPU  ${summary[tool].peakMb.toFixed(0)} MB   ${changed[tool]} files changed   (runs: ${summary[tool].allSeconds.map((s) => s.toFixed(2)).join(' ')})`,
      );
    console.log(
      `  fixed costs (NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set: Node loads it at start, molectl at its first TLS connection' : 'not set'}): node -e 0 ${node.toFixed(2)} s, molectl --version ${startup.toFixed(2)} s, gitea rewrite --write of a one-file repository ${fixed.toFixed(2)} s`,
    );
    console.log(
      `  ratio molectl/pipeline: nothing cached ${ratio('bare').toFixed(2)}x wall, first run here ${ratio('cold').toFixed(2)}x wall (${cpuRatio('cold').toFixed(2)}x CPU), the second run ${ratio('learn').toFixed(2)}x wall, a later run ${ratio('warm').toFixed(2)}x wall (${cpuRatio('warm').toFixed(2)}x CPU) (target <= 1x); molectl peak ${Math.max(summary.bare.peakMb, summary.cold.peakMb, summary.learn.peakMb, summary.warm.peakMb).toFixed(0)} MB (target < 200 MB)`,
    );
    const peakMb = Math.max(summary.bare.peakMb, summary.cold.peakMb, summary.learn.peakMb, summary.warm.peakMb);
    const goals = [
      {
        measure: `gitea rewrite --write, ${FILES} files, nothing cached / git grep | sed`,
        value: `${ratio('bare').toFixed(2)}x`,
        goal: '<= 1x',
        met: ratio('bare') <= 1,
      },
      {
        measure: `gitea rewrite --write, ${FILES} files, first run in the repository / git grep | sed`,
        value: `${ratio('cold').toFixed(2)}x`,
        goal: '<= 1x',
        met: ratio('cold') <= 1,
      },
      {
        measure: `gitea rewrite --write, ${FILES} files, a later run / git grep | sed`,
        value: `${ratio('warm').toFixed(2)}x`,
        goal: '<= 1x',
        met: ratio('warm') <= 1,
      },
      { measure: 'gitea rewrite peak RSS', value: `${peakMb.toFixed(0)} MB`, goal: '< 200 MB', met: peakMb < 200 },
    ];
    return {
      files: FILES,
      megabytes: Number(du),
      withUrls,
      ...summary,
      ratioBare: ratio('bare'),
      ratioCold: ratio('cold'),
      ratioLearn: ratio('learn'),
      ratioWarm: ratio('warm'),
      goals,
      nodeSeconds: node,
      startupSeconds: startup,
      fixedSeconds: fixed,
      changed,
    };
  } finally {
    if (process.env.BENCH_GITEA_KEEP) console.log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runGiteaRewriteBench();
}
