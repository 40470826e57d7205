import { readCallTimeoutMs } from '../lib/config/call-timeout.js';
import { defineCommand } from '../lib/cli/command-definition.js';
import { argument } from '../lib/cli/flag-declaration.js';
import { switchFlag } from '../lib/cli/flags.js';
import { ExitCode, UsageError } from '../lib/errors.js';
import { renderRepoChecks } from '../lib/gitea/render-rewrite-report.js';
import {
  applyRemoteRewrite,
  checkCloneDirs,
  maskUrlCredentials,
  planRemoteRewrites,
  readRemoteUrls,
  type RemotePlanItem,
} from '../lib/gitea/rewrite-remotes.js';
import { resolveRewriteRules, ruleFlags } from '../lib/gitea/rule-flags.js';
import {
  judgeRepoChecks,
  verifyGiteaRepos,
  type RemoteVerdict,
  type RepoCheck,
} from '../lib/gitea/verify-gitea-repos.js';
import { ownCell, remoteCell, renderTable } from '../lib/output/table.js';
import { remoteText } from '../lib/output/remote-text.js';

export const giteaRemotesCommand = defineCommand({
  description:
    'Rewrite the git remote URLs of local clones from GitHub to Gitea, through `git remote set-url` (never by editing .git/config). ' +
    'Without --write, shows what would change. SSH remotes become https (reported); a remote carrying a literal credential is reported, not rewritten.',
  args: [argument('dir', 'clone directories (default: the current directory)', { optional: true, variadic: true })],
  flags: {
    write: switchFlag('--write', 'apply the changes'),
    check: switchFlag('--check', 'change nothing; exit 8 when any remote would change'),
    ...ruleFlags,
  },
  examples: [
    ['molectl gitea remotes', 'what would change in this clone'],
    ['molectl gitea remotes ~/src/* --write', 'rewrite every clone under ~/src'],
    ['molectl gitea remotes --write --verify-remote', 'rewrite, refusing if a target repository is missing on Gitea'],
  ],

  async run(ctx, input) {
    const { options } = input;
    if (options.write && options.check)
      throw new UsageError(
        '--write and --check cannot be combined',
        'use --check to see whether anything would change, --write to apply',
      );
    const cwd = process.cwd();
    const rules = await resolveRewriteRules(options, cwd);
    const dirs = await checkCloneDirs(input.args, cwd, ctx.exec);

    const plan: RemotePlanItem[] = [];
    for (const dir of dirs) plan.push(...planRemoteRewrites(dir, await readRemoteUrls(dir, ctx.exec), rules));
    const rewrites = plan.filter((p) => p.action === 'rewrite');

    let remote: RepoCheck[] | undefined;
    let verdict: RemoteVerdict | undefined;
    if (options.verifyRemote) {
      const token = ctx.env.GITEA_TOKEN;
      if (token) ctx.redactor.register(token, 'gitea-token');
      const targets = rewrites.map((p) => p.target).filter((t): t is string => Boolean(t));
      remote = await verifyGiteaRepos(targets, {
        baseUrl: rules.giteaBaseUrl,
        token,
        fetch: ctx.fetch,
        redactor: ctx.redactor,
        signal: ctx.signal,
        timeoutMs: readCallTimeoutMs(ctx.env),
      });
      verdict = judgeRepoChecks(remote);
    }
    const unconfirmed = verdict !== undefined && !verdict.ok;
    const write = options.write && !unconfirmed;
    if (write) for (const item of rewrites) await applyRemoteRewrite(item, ctx.exec);
    if (verdict && !verdict.ok) ctx.out.error(`${options.write ? 'nothing was written: ' : ''}${verdict.message}`);

    for (const item of plan) {
      for (const note of item.notes)
        ctx.out.warn(`${displayDir(item.dir, cwd)} ${item.remote} (${item.kind}): [${note.rule}] ${note.reason}`);
    }
    const rows = plan.map((p) => ({
      dir: displayDir(p.dir, cwd),
      remote: p.remote,
      kind: p.kind,
      action:
        p.action === 'rewrite'
          ? write
            ? 'rewritten'
            : 'would rewrite'
          : p.action === 'report'
            ? 'needs a person'
            : 'unchanged',
      url: maskUrlCredentials(p.url),
      newUrl: p.newUrl ?? null,
      notes: p.notes,
    }));
    await ctx.out.result({ written: write, remotes: rows, ...(remote ? { remote } : {}) }, (data, style) =>
      [
        rows.length
          ? renderTable(
              [
                { header: 'clone', value: (r: (typeof rows)[number]) => remoteCell(r.dir) },
                {
                  header: 'remote',
                  value: (r) => ownCell(`${remoteText(r.remote)}${r.kind === 'pushurl' ? ' (push)' : ''}`),
                },
                { header: 'action', value: (r) => ownCell(r.action) },
                {
                  header: 'url',
                  value: (r) => ownCell(`${remoteText(r.url)}${r.newUrl ? ` → ${remoteText(r.newUrl)}` : ''}`),
                },
              ],
              data.remotes,
              style,
            )
          : 'no remotes',
        ...(data.remote ? renderRepoChecks(data.remote, style) : []),
      ].join('\n'),
    );
    if (options.check && rewrites.length > 0) return ExitCode.changesFound;
    return verdict && !verdict.ok ? verdict.exitCode : ExitCode.ok;
  },
});

function displayDir(dir: string, cwd: string): string {
  if (dir === cwd) return '.';
  return dir.startsWith(`${cwd}/`) ? dir.slice(cwd.length + 1) : dir;
}
