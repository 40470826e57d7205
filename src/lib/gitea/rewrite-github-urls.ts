import { mapRepoSubPath } from './map-repo-path.js';
import { resolveRepoName, type RewriteRules } from './rewrite-rules.js';
import { clipLine, type TextChange, type TextFinding } from './text-rewrite-result.js';

/**
 * Rewrites `github.com/<owner>/...` and `raw.githubusercontent.com/<owner>/...` URLs in one line.
 * Pure. Invariants: only URLs whose owner equals the configured GitHub owner (case-insensitive,
 * whole path segment) change; host and owner change together; bytes after the structural part
 * (`.git`, `@ref`, `?query`, `#fragment`, `#egg=`) are kept as they were.
 */

export interface LineSink {
  changes: TextChange[];
  findings: TextFinding[];
  /** Set when a clone URL's token variable was switched, which makes its guards eligible too. */
  tokenSwapped: boolean;
}

// Characters that end a URL in prose, markup, shell and YAML. `{}` and `$` stay inside so that
// `${VAR}` path parts remain part of the URL and are kept verbatim.
const URL_TAIL = String.raw`(?:\$\{\{[^}]*\}\}|[^\s"'\x60<>()\[\]\\])*`;
const VARIABLE = String.raw`\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$[A-Za-z_]\w*|\{\{[^}]*\}\}|%[sv]|<[^>\s]*>`;

const GITHUB_URL = new RegExp(
  String.raw`(?<![\w.+-])` +
    String.raw`(?<scheme>(?:git\+)?(?:https?|git|ssh)://|//)?` +
    String.raw`(?<userinfo>(?:\$\{\{[^}]*\}\}|[^\s@/"'\x60<>()\[\]])+@)?` +
    String.raw`(?<host>(?:www\.)?github\.com)(?<sep>[/:])` +
    String.raw`(?<owner>${VARIABLE}|[A-Za-z0-9_.-]+)` +
    String.raw`(?<rest>${URL_TAIL})`,
  'gi',
);

const RAW_URL = new RegExp(
  String.raw`(?<![\w.-])(?<scheme>https?://)?raw\.githubusercontent\.com/(?<owner>${VARIABLE}|[A-Za-z0-9_.-]+)(?<rest>${URL_TAIL})`,
  'gi',
);

const REPO_VARIABLE = new RegExp(String.raw`^/(?:${VARIABLE}|:\w+)`);

export function rewriteGithubUrlsInLine(line: string, lineNo: number, rules: RewriteRules, sink: LineSink): string {
  const giteaHostPath = rules.giteaBaseUrl.replace(/^[a-z]+:\/\//, '');
  const giteaScheme = rules.giteaBaseUrl.slice(0, rules.giteaBaseUrl.indexOf('://') + 3);
  const ownerLower = rules.githubOwner.toLowerCase();
  const report = (match: string, rule: string, reason: string): void => {
    sink.findings.push({ line: lineNo, rule, text: clipLine(line), match, reason });
  };

  let out = line;
  if (/raw\.githubusercontent\.com/i.test(out)) {
    out = out.replace(RAW_URL, (match, ...args) => {
      const g = args.at(-1) as Record<string, string | undefined>;
      const owner = g.owner ?? '';
      if (isVariable(owner)) {
        reportVariableOwner(match);
        return match;
      }
      if (owner.toLowerCase() !== ownerLower) return match;
      // raw.githubusercontent.com/<owner>/<repo>/<ref>/<path> is github.com/<owner>/<repo>/raw/<ref>/<path>.
      const m = /^\/([A-Za-z0-9_.-]+)((?:\/[^?#]*)?)([\s\S]*)$/.exec(g.rest ?? '');
      const [, repo = '', refAndFile = '', tail = ''] = m ?? [];
      const mapped = mapRepoSubPath(`/raw${refAndFile}`, tail, rules);
      if (!m || mapped.kind === 'report') {
        report(match, mapped.kind === 'report' ? mapped.rule : 'no-gitea-page', mapped.kind === 'report' ? mapped.reason : 'raw URL without a repo, ref and path: fix it by hand');
        return match;
      }
      const path = mapped.path;
      const { name, renamedFrom } = resolveRepoName(repo, rules);
      const scheme = g.scheme ? giteaScheme : '';
      const after = `${scheme}${giteaHostPath}/${rules.giteaOwner}/${name}${path}${tail}`;
      record(match, after, 'raw-url', renamedFrom, name);
      return after;
    });
  }

  if (/github\.com/i.test(out)) {
    out = out.replace(GITHUB_URL, (match, ...args) => {
      const g = args.at(-1) as Record<string, string | undefined>;
      return rewriteOne(match, g);
    });
  }
  return out;

  function reportVariableOwner(match: string): void {
    report(match, 'variable-owner', 'the owner is a variable: molectl cannot tell whether it names the moved organisation; check the values it takes');
  }

  function record(before: string, after: string, rule: string, renamedFrom: string | undefined, repo: string): void {
    const change: TextChange = { line: lineNo, rule, before, after, target: `${rules.giteaOwner}/${repo}` };
    if (renamedFrom) change.renamedFrom = renamedFrom;
    sink.changes.push(change);
  }

  function rewriteOne(match: string, g: Record<string, string | undefined>): string {
    const scheme = g.scheme ?? '';
    const userinfo = g.userinfo ?? '';
    const scpLike = g.sep === ':';
    if (scpLike && (scheme || !userinfo)) return match; // `github.com:443` or prose like "github.com: ..."
    let owner = g.owner ?? '';
    let rest = g.rest ?? '';
    if (isVariable(owner)) {
      if (scheme || userinfo) reportVariableOwner(match);
      return match;
    }
    // A sentence ending right after the owner: the dot is punctuation, not part of the name.
    const trailingDots = /\.+$/.exec(owner)?.[0] ?? '';
    if (trailingDots) {
      owner = owner.slice(0, -trailingDots.length);
      rest = trailingDots + rest;
    }
    if (owner.toLowerCase() !== ownerLower) return match;

    if (!scheme && !scpLike) {
      reportSchemeLess(match);
      return match;
    }
    const ssh = scpLike || /ssh:\/\/$/i.test(scheme);
    const newScheme = scheme === '//' ? '//' : `${/^git\+/i.test(scheme) ? 'git+' : ''}${giteaScheme}`;
    let newUserinfo = ssh ? '' : userinfo;
    let rule: string | undefined;
    if (newUserinfo) {
      const swapped = swapTokenVariable(newUserinfo, rules);
      if (swapped !== newUserinfo) {
        newUserinfo = swapped;
        sink.tokenSwapped = true;
        rule = 'token-clone-url';
      } else if (hasLiteralPassword(newUserinfo)) {
        report(match, 'literal-credential', 'the URL carries a literal GitHub credential, useless on Gitea; remove it, revoke it, and use a variable');
      }
    }
    const prefix = `${newScheme}${newUserinfo}${giteaHostPath}/${rules.giteaOwner}`;

    const repoMatch = /^\/([A-Za-z0-9_.-]+)/.exec(rest);
    if (!repoMatch) {
      if (REPO_VARIABLE.test(rest)) {
        report(match, 'variable-repo', 'the repo name is a variable: host and owner were rewritten, but renames (e.g. molecule-monorepo → molecule-core) cannot be applied; check the values it takes');
        return finish(`${prefix}${rest}`, rule ?? 'repo-url', undefined, undefined);
      }
      return finish(`${prefix}${rest}`, rule ?? 'owner-url', undefined, undefined);
    }
    let repo = repoMatch[1] ?? '';
    let after = rest.slice(repoMatch[0].length);
    const repoDots = /\.+$/.exec(repo)?.[0] ?? '';
    if (repoDots && !after.startsWith('/')) {
      repo = repo.slice(0, -repoDots.length);
      after = repoDots + after;
    }
    let gitSuffix = '';
    if (/\.git$/i.test(repo) && repo.length > 4) {
      gitSuffix = repo.slice(-4);
      repo = repo.slice(0, -4);
    }
    if (!repo) return match;

    let newAfter = after;
    if (after.startsWith('/') && !gitSuffix) {
      const cut = after.search(/[?#]/);
      let path = cut === -1 ? after : after.slice(0, cut);
      let query = cut === -1 ? '' : after.slice(cut);
      // Sentence punctuation after a link ("fixed in .../pull/12.") is not part of the path.
      const punctuation = query ? '' : (/[.,;:!?]+$/.exec(path)?.[0] ?? '');
      if (punctuation) {
        path = path.slice(0, -punctuation.length);
        query = punctuation;
      }
      const mapped = mapRepoSubPath(path, query, rules);
      if (mapped.kind === 'report') {
        report(match, mapped.rule, mapped.reason);
        return match;
      }
      newAfter = mapped.path + query;
      rule ??= mapped.rule;
    }
    const { name, renamedFrom } = resolveRepoName(repo, rules);
    if (rules.knownRepos.length > 0 && !rules.knownRepos.some((known) => known.toLowerCase() === name.toLowerCase())) {
      report(match, 'unknown-repo', `${name} is not in the known repo list: rewritten, but check it exists on Gitea or add a rename`);
    }
    if (ssh) {
      report(match, 'ssh-url', 'SSH clone URL rewritten to https: clones now need a Gitea token or credential helper (or use Gitea\'s own SSH URL)');
      rule = 'ssh-to-https';
    }
    return finish(`${prefix}/${name}${gitSuffix}${newAfter}`, rule ?? 'repo-url', renamedFrom, name);

    function finish(rewritten: string, ruleName: string, renamed: string | undefined, repoName: string | undefined): string {
      const change: TextChange = { line: lineNo, rule: ruleName, before: match, after: rewritten };
      if (renamed) change.renamedFrom = renamed;
      if (repoName) change.target = `${rules.giteaOwner}/${repoName}`;
      sink.changes.push(change);
      return rewritten;
    }
  }

  function reportSchemeLess(match: string): void {
    if (isGoContext(line)) return; // Go module paths are out of scope
    report(match, 'scheme-less', 'a GitHub path without a scheme: if it is a link, write it as a full Gitea URL; if it is a Go import path, leave it');
  }
}

function isVariable(owner: string): boolean {
  return /^[$%<{]/.test(owner);
}

/** A scheme-less `github.com/<owner>/...` in one of these is a Go module path, not a link. */
export function isGoContext(line: string): boolean {
  return (
    /\bgo\s+(?:get|install|run|mod|build|list|test|doc|work|generate|vet|tool)\b/.test(line) ||
    /\bGO(?:PRIVATE|NOPROXY|NOSUMDB|PROXY|FLAGS|INSECURE)\b/.test(line) ||
    /(?:^|\s)-X[\s=]+["']?(?:www\.)?github\.com\//i.test(line) || // go build -ldflags "-X pkg.Var=..."
    /\bgoimport|\bgo_package\b|\bgomod\b/i.test(line) ||
    /^\s*(?:module|require|replace|import|package)\b/.test(line) ||
    /^\s*(?:[\w.]+\s+)?["\x60](?:www\.)?github\.com\//i.test(line) ||
    /github\.com\/[^\s"'\x60]*@(?:latest|v\d)/i.test(line)
  );
}

function swapTokenVariable(userinfo: string, rules: RewriteRules): string {
  const { from, to } = rules.tokenVariable;
  return userinfo.replace(new RegExp(String.raw`(\$\{?)${from}(?![A-Za-z0-9_])`, 'g'), `$1${to}`);
}

/** `user:password@` where the password is not a variable reference. */
function hasLiteralPassword(userinfo: string): boolean {
  const body = userinfo.slice(0, -1);
  const colon = body.indexOf(':');
  const secret = colon === -1 ? body : body.slice(colon + 1);
  if (/\$/.test(secret) || secret.length === 0) return false;
  // A bare user name (`git@`, `oauth2@`) is not a credential; a token-looking one is.
  return colon !== -1 || /^(?:gh[opsur]_|github_pat_)/.test(secret);
}
