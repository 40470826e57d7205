import { readCallTimeoutMs } from '../lib/config/call-timeout.js';
import { defineCommand } from '../lib/cli/command-definition.js';
import { argument, FlagProblem } from '../lib/cli/flag-declaration.js';
import { customFlag, switchFlag } from '../lib/cli/flags.js';
import { repeatableFlag } from '../lib/cli/list-flags.js';
import { echoInput, remoteText } from '../lib/output/remote-text.js';
import type { Context } from '../lib/context.js';
import { defaultCacheDir } from '../lib/config/load-config.js';
import { ExitCode, InterruptedError, UsageError } from '../lib/errors.js';
import { KEEP_MARKER, IGNORE_FILE_NAME } from '../lib/gitea/acknowledgements.js';
import { lightExec } from '../lib/gitea/light-exec.js';
import {
  renderAcknowledged,
  renderFindings,
  renderRewriteSummary,
  summariseGate,
  type RewriteSummaryData,
} from '../lib/gitea/render-rewrite-report.js';
import {
  checkRewritePaths,
  DEFAULT_MAX_FILE_BYTES,
  NOT_WRITTEN_REASONS,
  rewriteFiles,
  type RewriteFilesOptions,
  type RewriteReport,
} from '../lib/gitea/rewrite-files.js';
import type { RewriteRules } from '../lib/gitea/rewrite-rules.js';
import { parseByteSize, resolveRewriteRules, ruleFlags } from '../lib/gitea/rule-flags.js';
import type { RemoteVerdict, RepoCheck } from '../lib/gitea/verify-gitea-repos.js';
import { formatCount } from '../lib/output/format-count.js';

/*
 * The whole of this command's path (this file, src/lib/gitea, and what the context needs) stays
 * free of zod and execa, and loads the HTTP stack only for --verify-remote: on a large repository
 * the rewrite itself takes a few hundred milliseconds, so module loading is most of the bill
 * (bench/gitea-rewrite.mjs holds it against a `git grep | xargs sed` pipeline).
 */

type Mode = RewriteSummaryData['mode'];

export const giteaRewriteCommand = defineCommand({
  description:
    'Rewrite references to the moved GitHub organisation to Gitea across a repository: links, clone URLs, raw files, archives, releases, ' +
    "scheme-less references and placeholder owners in front of the organisation's repos. Without --write, a dry run that prints a unified diff and a summary. " +
    'What has no safe rewrite (PR/issue numbers, api.github.com, variable owners, ghcr images, Go module paths, ...) is listed for a person; ' +
    `--check fails until every reference is gone or acknowledged (\`${KEEP_MARKER}\` on the line, or ${IGNORE_FILE_NAME}).`,
  args: [
    argument('path', 'directories or files to rewrite (default: the current directory)', {
      optional: true,
      variadic: true,
    }),
  ],
  flags: {
    write: switchFlag('--write', 'apply the changes (atomic writes keeping mode, line endings and BOM)'),
    check: switchFlag(
      '--check',
      'change nothing; exit 8 while anything would be rewritten or a reference needs a person (a CI gate)',
    ),
    include: repeatableFlag(
      '--include <glob>',
      'only files matching this glob (repeatable; `*.md` matches at any depth, `docs/**` from the root)',
    ),
    exclude: repeatableFlag('--exclude <glob>', 'skip files matching this glob (repeatable)'),
    includeGo: switchFlag(
      '--include-go',
      'also rewrite *.go, go.mod and go.sum (skipped by default: module paths are out of scope)',
    ),
    maxSize: customFlag(
      '--max-size <size>',
      `skip (and report) files larger than this (default ${DEFAULT_MAX_FILE_BYTES / 1024 / 1024}MiB)`,
      (text) => {
        const bytes = parseByteSize(text);
        if (!bytes) throw new FlagProblem(`"${echoInput(text)}" is not a size; write it like 2MiB, 512k or 4096`);
        return bytes;
      },
    ),
    diff: switchFlag('--no-diff', 'dry run and check: print only the summary, not the diff'),
    cache: switchFlag(
      '--no-cache',
      'search every file: do not skip (or remember) file contents an earlier run found free of GitHub references',
    ),
    ...ruleFlags,
  },
  examples: [
    ['molectl gitea rewrite', 'dry run over the current repository: diff and summary'],
    ['molectl gitea rewrite > p.diff && git apply p.diff', 'the same diff, applied by git'],
    ['molectl gitea rewrite --write', 'apply it; says how many references still need a person'],
    ['molectl gitea rewrite --check --no-diff', 'CI gate: exit 8 while a reference to the old organisation is left'],
    ['molectl gitea rewrite docs --include "*.md" --write', 'only Markdown under docs/'],
    [
      'molectl gitea rewrite --rename old-sdk=sdk-python --verify-remote',
      'one more rename, and check every target exists on Gitea',
    ],
    ['molectl gitea rewrite -o json > report.json', 'the report as one JSON document'],
  ],

  async run(ctx, input) {
    const cwd = process.cwd();
    const { options } = input;
    if (options.write && options.check)
      throw new UsageError(
        '--write and --check cannot be combined',
        'use --check in CI (changes nothing) and --write to apply',
      );
    const mode: Mode = options.write ? 'write' : options.check ? 'check' : 'dry-run';
    // Bad paths are bad input: refused before a step starts or a file is touched.
    checkRewritePaths(input.args, cwd);
    const rules = await resolveRewriteRules(options, cwd, options.includeGo ? { rewriteGoFiles: true } : {});
    const base: RewriteFilesOptions = {
      write: false,
      include: options.include,
      exclude: options.exclude,
      maxFileBytes: options.maxSize ?? DEFAULT_MAX_FILE_BYTES,
      exec: lightExec,
      cwd,
      cacheDir: options.cache ? defaultCacheDir(ctx.env) : undefined,
      signal: ctx.signal,
      rules,
      // The gate vouches for every file: UTF-16/32 text too (rewrite-files.ts says what it costs).
      wideText: mode === 'check',
    };
    const showDiff = mode !== 'write' && options.diff && ctx.out.format === 'text';

    let remote: RepoCheck[] | undefined;
    let verdict: RemoteVerdict | undefined;
    if (options.verifyRemote && mode === 'write') {
      // Verify before writing: a target missing on Gitea usually means a rename the map lacks,
      // and writing dead links first would leave the repository half-migrated.
      const planned = await scan(ctx, input.args, base, 'planning');
      ({ remote, verdict } = await verifyTargets(ctx, planned, rules));
      if (!verdict.ok) {
        await printReport(ctx, planned, 'dry-run', rules, remote);
        ctx.out.error(`nothing was written: ${verdict.message}`);
        return verdict.exitCode;
      }
    }
    const onFileChanged: Pick<RewriteFilesOptions, 'onFileChanged'> = showDiff
      ? {
          onFileChanged: async (f) => {
            const diff = f.diff ?? '';
            // On a terminal the diff is read, not applied: the file's controls are shown escaped
            // (a line holding ESC[2J cleared the screen). Piped, it carries the file's own bytes.
            if (ctx.out.stdoutIsTTY) return ctx.out.streamRemote(remoteText(diff));
            return f.diffEncoding === 'latin1' ? ctx.out.streamBytes(diff) : ctx.out.stream(diff);
          },
        }
      : {};
    const report = await scan(
      ctx,
      input.args,
      { ...base, write: mode === 'write', wantDiff: showDiff, ...onFileChanged },
      mode === 'write' ? 'rewriting' : 'scanning',
    );
    if (options.verifyRemote && !remote) ({ remote, verdict } = await verifyTargets(ctx, report, rules));

    const gate = await printReport(ctx, report, mode, rules, remote);
    if (mode === 'check' && !gate.passed) return ExitCode.changesFound;
    const notWritten = report.skipped.filter((s) => NOT_WRITTEN_REASONS.includes(s.reason));
    if (mode === 'write' && notWritten.length > 0) {
      ctx.out.error(
        `${formatCount(notWritten.length, 'file')} needing changes could not be written (listed on stderr); the others were`,
      );
      return ExitCode.partial;
    }
    if (verdict && !verdict.ok) {
      ctx.out.error(verdict.message);
      return verdict.exitCode;
    }
    return ExitCode.ok;
  },
});

async function scan(
  ctx: Context,
  paths: string[],
  options: RewriteFilesOptions,
  label: string,
): Promise<RewriteReport> {
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
    step.fail(`${label}: interrupted after ${formatCount(report.filesChanged, 'file')} ${verb}`);
    throw new InterruptedError(
      'interrupted: not every file was looked at',
      'run it again: each file is written atomically and a rerun only finishes the job',
    );
  }
  const skipped = report.filesListed - report.filesSearched;
  step.succeed(
    `${label}: ${formatCount(report.filesListed, 'file')} listed${skipped > 0 ? ` (${skipped} unchanged since a run found nothing in them)` : ''}, ${report.filesRead} read, ${report.filesChanged} ${verb}`,
  );
  return report;
}

async function verifyTargets(
  ctx: Context,
  report: RewriteReport,
  rules: RewriteRules,
): Promise<{ remote: RepoCheck[]; verdict: RemoteVerdict }> {
  const { verifyGiteaRepos, judgeRepoChecks } = await import('../lib/gitea/verify-gitea-repos.js');
  const token = ctx.env.GITEA_TOKEN;
  if (token) ctx.redactor.register(token, 'gitea-token');
  const targets = report.changes.map((c) => c.target).filter((t): t is string => Boolean(t));
  const step = ctx.out.step(`checking ${formatCount(new Set(targets).size, 'repository', 'repositories')} on Gitea`);
  const remote = await verifyGiteaRepos(targets, {
    baseUrl: rules.giteaBaseUrl,
    token,
    fetch: ctx.fetch,
    redactor: ctx.redactor,
    signal: ctx.signal,
    timeoutMs: readCallTimeoutMs(ctx.env),
  });
  const verdict = judgeRepoChecks(remote);
  if (verdict.ok) step.succeed(verdict.message);
  else step.warn(verdict.message);
  return { remote, verdict };
}

async function printReport(
  ctx: Context,
  report: RewriteReport,
  mode: Mode,
  rules: RewriteRules,
  remote: RepoCheck[] | undefined,
): Promise<RewriteSummaryData['gate']> {
  const gate = summariseGate(report, mode);
  const data: RewriteSummaryData = {
    ...report,
    mode,
    githubOwner: rules.githubOwner,
    gate,
    ...(remote ? { remote } : {}),
  };
  // Findings are for a person: stderr in text mode; in JSON they are part of the one document.
  if (ctx.out.format === 'text') {
    for (const block of renderFindings(data.findings, ctx.out.style)) ctx.out.error(block);
    for (const line of renderAcknowledged(data.acknowledged)) ctx.out.verbose(line);
  }
  await ctx.out.result(data, renderRewriteSummary);
  if (data.mode === 'dry-run' && data.gate.rewrite > 0) ctx.out.info('dry run: nothing written; --write applies it');
  if (data.goFilesSkipped > 0) ctx.out.info('--include-go rewrites Go module paths too');
  return gate;
}
