// `npm run bench`: every benchmark, one after another, printing figures (never asserting).
// Each bench module exports a run function and can also be run alone with `node bench/<file>`.
import { existsSync } from 'node:fs';

const benches = [
  ['startup.mjs', 'runStartupBench'],
  ['sandbox-startup.mjs', 'runSandboxStartupBench'],
  ['redaction.mjs', 'runRedactionBench'],
  ['gitea-rewrite.mjs', 'runGiteaRewriteBench'],
  ['verify.mjs', 'runVerifyBench'],
  ['migrate.mjs', 'runMigrateBench'],
  ['fleet-audit.mjs', 'runFleetAuditBench'],
];

const only = process.argv.slice(2);
for (const [file, fn] of benches) {
  if (only.length && !only.some((name) => file.startsWith(name))) continue;
  const url = new URL(`./${file}`, import.meta.url);
  if (!existsSync(url)) continue;
  console.log(`\n== ${file}`);
  const mod = await import(url.href);
  await mod[fn]();
}
