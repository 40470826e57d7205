// `npm run bench`: every benchmark, one after another, printing figures (never asserting), then
// the goals table of the benches that report goals, with the machine's load average at the
// start and the end (the figures are only as good as the machine was quiet).
// Each bench module exports a run function and can also be run alone with `node bench/<file>`;
// `npm run bench -- migrate` runs only the files whose name starts with the given words.
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

const benches = [
  ['startup.mjs', 'runStartupBench'],
  ['command-startup.mjs', 'runCommandStartupBench'],
  ['sandbox-startup.mjs', 'runSandboxStartupBench'],
  ['redaction.mjs', 'runRedactionBench'],
  ['gitea-rewrite.mjs', 'runGiteaRewriteBench'],
  ['verify.mjs', 'runVerifyBench'],
  ['migrate.mjs', 'runMigrateBench'],
  ['fleet-audit.mjs', 'runFleetAuditBench'],
];

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const startLoad = load();
const goals = [];
const only = process.argv.slice(2);
for (const [file, fn] of benches) {
  if (only.length && !only.some((name) => file.startsWith(name))) continue;
  const url = new URL(`./${file}`, import.meta.url);
  if (!existsSync(url)) continue;
  console.log(`\n== ${file} (load average ${load()})`);
  const mod = await import(url.href);
  const result = await mod[fn]();
  if (result?.goals) goals.push(...result.goals);
}

if (goals.length) {
  console.log(
    `\n== goals (${availableParallelism()} cores; load average 1/5/15 min: ${startLoad} at the start, ${load()} at the end)`,
  );
  console.log('| measure | measured | goal | met |');
  console.log('|---|---|---|---|');
  for (const g of goals) console.log(`| ${g.measure} | ${g.value} | ${g.goal} | ${g.met ? 'yes' : 'NO'} |`);
}
