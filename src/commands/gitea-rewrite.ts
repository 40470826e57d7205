import type { Command } from 'commander';
import { z } from 'zod';
import { addExamples, type CommandDefinition } from '../lib/cli/command-definition.js';
import { parseOptions } from '../lib/cli/parse-options.js';
import type { Context } from '../lib/context.js';
import { ExitCode, InterruptedError, UsageError } from '../lib/errors.js';
import { renderFindings, renderRewriteSummary, type RewriteSummaryData } from '../lib/gitea/render-rewrite-report.js';
import { DEFAULT_MAX_FILE_BYTES, rewriteFiles, type RewriteFilesOptions, type RewriteReport } from '../lib/gitea/rewrite-files.js';
import { collectValues, declareRuleFlags, parseByteSize, resolveRewriteRules } from '../lib/gitea/rule-flags.js';
import { verifyGiteaRepos, type RepoCheck } from '../lib/gitea/verify-gitea-repos.js';

const optionsSchema = z.object({
  write: z.boolean().default(false),
  check: z.boolean().default(false),
  include: z.array(z.string().min(1)).default([]),
  exclude: z.array(z.string().min(1)).default([]),
  includeGo: z.boolean().default(false),
  maxSize: z
    .string()
    .optional()
    .refine((v) => v === undefined || (parseByteSize(v) ?? 0) > 0, 'write a size like 2MiB, 512k or 4096'),
  diff: z.boolean().default(true),
});

export const giteaRewriteCommand: CommandDefinition = {
  declare(cmd: Command) {
    cmd
      .description(
        'Rewrite GitHub URLs of the moved organisation to Gitea across a repository: links, clone URLs, raw files, archives, releases. ' +
          'Without --write, a dry run that prints a unified diff and a summary. Forms with no safe rewrite (PR/issue numbers, api.github.com, gh, variable owners, ghcr images, SSH) are listed for a person.',
      )
      .argument('[path...]', 'directories or files to rewrite (default: the current directory)')
      .option('--write', 'apply the changes (atomic writes keeping mode, line endings and BOM)')
      .option('--check', 'change nothing; exit 8 when anything would change (a CI gate against stale URLs)')
      .option('--include <glob>', 'only files matching this glob (repeatable; `*.md` matches at any depth, `docs/**` from the root)', collectValues)
      .option('--exclude <glob>', 'skip files matching this glob (repeatable)', collectValues)
      .option('--include-go', 'also rewrite *.go, go.mod and go.sum (skipped by default: module paths are out of scope)')
      .option('--max-size <size>', `skip (and report) files larger than this (default ${DEFAULT_MAX_FILE_BYTES / 1024 / 1024}MiB)`)
      .option('--no-diff', 'dry run and check: print only the summary, not the diff');
    declareRuleFlags(cmd);
    addExamples(cmd, [
      ['molectl gitea rewrite', 'dry run over the current repository: diff and summary'],
      ['molectl gitea rewrite --write', 'apply it'],
      ['molectl gitea rewrite --check --no-diff', 'CI gate: exit 8 if stale GitHub URLs came back'],
      ['molectl gitea rewrite docs --include "*.md" --write', 'only Markdown under docs/'],
      ['molectl gitea rewrite --rename old-sdk=sdk-python --verify-remote', 'one more rename, and check every target exists on Gitea'],
      ['molectl gitea rewrite -o json > report.json', 'the report as one JSON document'],
    ]);
  },

  async run(ctx, input) {
    const options = parseOptions(optionsSchema, input.options);
    if (options.write && options.check) throw new UsageError('--write and --check cannot be combined', 'use --check in CI (changes nothing) and --write to apply');
    const cwd = process.cwd();
    const { rules, flags } = await resolveRewriteRules(input.options, cwd, options.includeGo ? { rewriteGoFiles: true } : {});
    const mode: RewriteSummaryData['mode'] = options.write ? 'write' : options.check ? 'check' : 'dry-run';
    const showDiff = mode !== 'write' && options.diff && ctx.out.format === 'text';
    const base: RewriteFilesOptions = {
      rules,
      write: false,
      include: options.include,
      exclude: options.exclude,
      maxFileBytes: options.maxSize ? (parseByteSize(options.maxSize) ?? DEFAULT_MAX_FILE_BYTES) : DEFAULT_MAX_FILE_BYTES,
      exec: ctx.exec,
      cwd,
      signal: ctx.signal,
    };

    let remote: RepoCheck[] | undefined;
    if (flags.verifyRemote && mode === 'write') {
      // Verify before writing: a target missing on Gitea usually means a rename the map lacks,
      // and writing dead links first would leave the repository half-migrated.
      const planned = await scan(ctx, input.args, { ...base }, 'Planning');
      remote = await verifyTargets(ctx, planned, rules.giteaBaseUrl);
      if (remote.some((c) => c.state !== 'exists')) {
        await printReport(ctx, { ...planned, mode: 'dry-run', remote });
        ctx.out.error('nothing was written: some target repositories are not on Gitea (add renames with --rename or the rules file, or create them)');
        return ExitCode.failed;
      }
    }
    const report = await scan(ctx, input.args, { ...base, write: mode === 'write', wantDiff: showDiff, ...(showDiff ? { onFileChanged: async (f) => ctx.out.stream(f.diff ?? '') } : {}) }, mode === 'write' ? 'Rewriting' : 'Scanning');
    if (flags.verifyRemote && !remote) remote = await verifyTargets(ctx, report, rules.giteaBaseUrl);

    await printReport(ctx, { ...report, mode, ...(remote ? { remote } : {}) });
    if (mode === 'check' && report.changeCount > 0) return ExitCode.changesFound;
    if (remote?.some((c) => c.state !== 'exists')) return ExitCode.failed;
    return ExitCode.ok;
  },
};

async function scan(ctx: Context, paths: string[], options: RewriteFilesOptions, label: string): Promise<RewriteReport> {
  const step = ctx.out.step(`${label} files`);
  let report: RewriteReport;
  try {
    report = await rewriteFiles(paths, options);
  } catch (error) {
    step.fail();
    throw error;
  }
  const verb = options.write ? 'changed' : 'to change';
  if (ctx.signal.aborted) {
    step.fail(`${label}: interrupted after ${report.filesChanged} files ${verb}`);
    throw new InterruptedError('interrupted: not every file was looked at', 'run it again: each file is written atomically and a rerun only finishes the job');
  }
  step.succeed(`${label}: ${report.filesListed} files listed, ${report.filesRead} read, ${report.filesChanged} ${verb}`);
  return report;
}

async function verifyTargets(ctx: Context, report: RewriteReport, baseUrl: string): Promise<RepoCheck[]> {
  const token = ctx.env.GITEA_TOKEN;
  if (token) ctx.redactor.register(token, 'gitea-token');
  const targets = report.changes.map((c) => c.target).filter((t): t is string => Boolean(t));
  const step = ctx.out.step(`Checking ${new Set(targets).size} repositories on Gitea`);
  const checks = await verifyGiteaRepos(targets, { baseUrl, token, fetch: ctx.fetch, redactor: ctx.redactor, signal: ctx.signal });
  const missing = checks.filter((c) => c.state !== 'exists').length;
  if (missing) step.warn(`${missing} of ${checks.length} target repositories not found on Gitea`);
  else step.succeed(`all ${checks.length} target repositories exist on Gitea`);
  return checks;
}

async function printReport(ctx: Context, data: RewriteSummaryData): Promise<void> {
  // Findings are for a person: stderr in text mode; in JSON they are part of the one document.
  if (ctx.out.format === 'text') for (const block of renderFindings(data.findings, ctx.out.style)) ctx.out.error(block);
  await ctx.out.result(data, renderRewriteSummary);
}
