import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { Exec } from '../exec.js';
import type { RewriteRules } from './rewrite-rules.js';
import { rewriteText } from './rewrite-text.js';

/**
 * `gitea remotes`: rewrites the remote URLs of local clones through `git remote set-url`, never
 * by editing .git/config, so git validates and writes its own file. URLs are read raw from the
 * config (`git remote get-url` would apply insteadOf rewriting and hide what is stored).
 */

export interface RemoteUrl {
  remote: string;
  /** `url` (fetch) or `pushurl`. */
  kind: 'url' | 'pushurl';
  url: string;
}

export interface RemotePlanItem extends RemoteUrl {
  dir: string;
  action: 'keep' | 'rewrite' | 'report';
  newUrl?: string;
  /** owner/repo on Gitea, for --verify-remote. */
  target?: string;
  notes: Array<{ rule: string; reason: string }>;
}

/** Pure: what each remote URL becomes. A URL carrying a literal credential is reported, not carried over. */
export function planRemoteRewrites(dir: string, urls: readonly RemoteUrl[], rules: RewriteRules): RemotePlanItem[] {
  return urls.map((entry) => {
    const result = rewriteText(entry.url, rules, 'git-remote');
    const notes = result.findings.map((f) => ({ rule: f.rule, reason: f.reason }));
    const base = { ...entry, dir, notes };
    if (notes.some((n) => n.rule === 'literal-credential')) {
      return {
        ...base,
        action: 'report' as const,
        notes: [
          {
            rule: 'literal-credential',
            reason:
              'the URL carries a GitHub credential, so it was not rewritten; remove it (git remote set-url) and use a credential helper for Gitea',
          },
        ],
      };
    }
    const change = result.changes[0];
    if (!change || result.text === entry.url)
      return { ...base, action: notes.length ? ('report' as const) : ('keep' as const) };
    const item: RemotePlanItem = { ...base, action: 'rewrite', newUrl: result.text };
    if (change.target) item.target = change.target;
    return item;
  });
}

/** Resolves and checks every directory before anything is read or changed. */
export async function checkCloneDirs(dirs: readonly string[], cwd: string, exec: Exec): Promise<string[]> {
  const resolved: string[] = [];
  for (const dir of dirs.length ? dirs : ['.']) {
    const absolute = resolve(cwd, dir);
    const probe = await exec('git', ['rev-parse', '--git-dir'], {
      cwd: absolute,
      allowFailure: true,
      timeoutMs: 30_000,
    }).catch(() => undefined);
    if (!probe || probe.exitCode !== 0) {
      throw new UsageError(
        `${dir} is not a git repository`,
        'name the directories of local clones (each must contain a .git)',
      );
    }
    resolved.push(absolute);
  }
  return resolved;
}

export async function readRemoteUrls(dir: string, exec: Exec): Promise<RemoteUrl[]> {
  const names = (await exec('git', ['remote'], { cwd: dir, timeoutMs: 30_000 })).stdout.split('\n').filter(Boolean);
  const urls: RemoteUrl[] = [];
  for (const remote of names) {
    for (const kind of ['url', 'pushurl'] as const) {
      const values = await exec('git', ['config', '--get-all', `remote.${remote}.${kind}`], {
        cwd: dir,
        allowFailure: true,
        timeoutMs: 30_000,
      });
      for (const url of values.stdout.split('\n').filter(Boolean)) urls.push({ remote, kind, url });
    }
  }
  return urls;
}

/** Applies one planned rewrite; the old URL is matched exactly (git takes it as an extended regex). */
export async function applyRemoteRewrite(item: RemotePlanItem, exec: Exec): Promise<void> {
  if (item.action !== 'rewrite' || !item.newUrl) return;
  const args = [
    'remote',
    'set-url',
    ...(item.kind === 'pushurl' ? ['--push'] : []),
    item.remote,
    item.newUrl,
    `^${escapeExtendedRegExp(item.url)}$`,
  ];
  await exec('git', args, { cwd: item.dir, timeoutMs: 30_000 });
}

/** A URL as the report shows it: any user info replaced, so a credential in a remote is never printed. */
export function maskUrlCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/i, '$1***@');
}

function escapeExtendedRegExp(text: string): string {
  return text.replace(/[.[\]()*+?{}|^$\\]/g, '\\$&');
}
