// Redaction throughput, the cost every byte of `molectl console` / `molectl logs` output pays:
// THE redactor (dist/lib/output/redactor.js) on a realistic serial console (the sandbox's cloud-init
// boot log with its `set -x` leaks, plus container log lines, a few ANSI colour codes and base64
// runs), at 64 KB (one GetConsoleOutput window) and 10 MB (a long `molectl logs --tail all`).
// Twenty session secrets are registered (issue 14's yardstick: >= 50 MB/s on 10 MB). The same
// input also goes through the redactor as it was before issue 14 (bench/yardsticks/), in the same
// run, so the ratio holds whatever else the machine is doing. Also times the whole console
// pipeline (redact, split, diagnose). Median of BENCH_RUNS runs; prints MB/s, never asserts.
// Run after `npm run build`:  node bench/redaction.mjs
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const dist = new URL('../dist/', import.meta.url);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

async function load() {
  const { Redactor } = await import(new URL('lib/output/redactor.js', dist).href);
  const { renderBootConsole } = await import(new URL('sandbox/cp/render-boot-console.js', dist).href);
  const { splitConsoleLines } = await import(new URL('lib/console/split-console-lines.js', dist).href);
  const { diagnoseLines } = await import(new URL('lib/console/diagnose-lines.js', dist).href);
  const { Redactor: PreviousRedactor } = await import(
    new URL('./yardsticks/redactor-before-issue-14.js', import.meta.url).href
  );
  return { Redactor, PreviousRedactor, renderBootConsole, splitConsoleLines, diagnoseLines };
}

/** A console-and-logs corpus of about `bytes` bytes, deterministic. */
function makeCorpus(renderBootConsole, bytes) {
  const boot = renderBootConsole({
    kind: 'tenant',
    slug: 'acme',
    hostname: 'ip-10-0-1-23.us-east-2.compute.internal',
    userData:
      '#!/bin/bash\nset -x\ndocker pull ghcr.io/molecule-ai/platform-tenant:2026.04.02\ndocker run -d --name molecule-tenant -e ADMIN_TOKEN=tok-8d1f0c2a77e34b19aa -e MOLECULE_CP_SHARED_SECRET=' +
      'ab12'.repeat(16) +
      ' ghcr.io/molecule-ai/platform-tenant:2026.04.02\n',
    bearerToken: 'mol_tenant_5f2c9a1e88b04d77',
    cpUrl: 'https://api.moleculesai.app',
    failed: false,
  });
  const logs = [];
  for (let i = 0; i < 400; i++) {
    logs.push(
      i % 97 === 0
        ? `time=2026-11-22T10:${String(i % 60).padStart(2, '0')}:00Z level=ERROR msg="workspace provision failed" org=acme cp_status=401 error="unauthorized"`
        : i % 13 === 0
          ? `\u001b[32mtime=2026-11-22T10:00:00Z level=INFO\u001b[0m msg="scheduler tick" org=acme queued=${i % 7} running=${i % 3}`
          : i % 50 === 0
            ? `time=2026-11-22T10:00:00Z level=DEBUG msg="config" payload=${Buffer.from(`region=us-east-2 tier=${i}`).toString('base64')}`
            : `time=2026-11-22T10:00:00Z level=INFO msg="request" method=GET path=/health status=200 duration_ms=${i % 9}`,
    );
  }
  const unit = `${boot}${logs.join('\n')}\n`;
  let text = '';
  while (text.length < bytes) text += unit;
  return text.slice(0, bytes);
}

/** Twenty registered values, as a long `secrets rotate` or `migrate` run holds. */
function withSecrets(redactor) {
  for (let i = 0; i < 20; i++)
    redactor.register(`SENTINEL-session-secret-${String(i).padStart(2, '0')}-${(i * 7919).toString(16)}`);
  return redactor;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(fn, runs) {
  fn(); // warm-up: compiles the patterns
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    ms.push(performance.now() - start);
  }
  return median(ms);
}

export async function runRedactionBench() {
  const { Redactor, PreviousRedactor, renderBootConsole, splitConsoleLines, diagnoseLines } = await load();
  const results = [];
  // Figures scale with what else the machine is doing: say so next to them.
  console.log(`(${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)})`);
  for (const [label, bytes, runs] of [
    ['64 KB', 64 * 1024, RUNS * 5],
    ['10 MB', 10 * 1024 * 1024, RUNS],
  ]) {
    const corpus = makeCorpus(renderBootConsole, bytes);
    const redactor = withSecrets(new Redactor());
    const previous = withSecrets(new PreviousRedactor());
    let count = 0;
    const redactMs = time(() => {
      count = redactor.redactDetailed(corpus).count;
    }, runs);
    let previousCount = 0;
    const previousMs = time(() => {
      previousCount = previous.redactDetailed(corpus).count;
    }, runs);
    const pipelineMs = time(() => {
      const lines = splitConsoleLines(redactor.redact(corpus)).lines;
      diagnoseLines(lines, { target: 'acme', orgSlug: 'acme', source: 'console' });
    }, runs);
    const mb = bytes / (1024 * 1024);
    const row = {
      input: label,
      bytes,
      redactions: count,
      redactMs: +redactMs.toFixed(2),
      redactMBps: +(mb / (redactMs / 1000)).toFixed(1),
      previousMBps: +(mb / (previousMs / 1000)).toFixed(1),
      speedup: +(previousMs / redactMs).toFixed(1),
      pipelineMs: +pipelineMs.toFixed(2),
      pipelineMBps: +(mb / (pipelineMs / 1000)).toFixed(1),
    };
    results.push(row);
    console.log(
      `redaction ${label.padEnd(6)} ${String(row.redactMBps).padStart(7)} MB/s  (${row.redactMs} ms, ${count} values)   before issue 14 ${String(row.previousMBps).padStart(6)} MB/s (${previousCount} values): ${row.speedup}x   redact+split+diagnose ${String(row.pipelineMBps).padStart(7)} MB/s (${row.pipelineMs} ms)`,
    );
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runRedactionBench();
