import type { RewriteRules } from './rewrite-rules.js';

/**
 * Maps what follows `github.com/<owner>/<repo>` to Gitea's route for the same thing
 * (Gitea 1.22 route table). Pure. Anything after the first `?` or `#` is kept byte for byte.
 */

export type RefKind = 'branch' | 'commit' | 'tag';

export type PathMapping =
  { kind: 'rewrite'; path: string; rule: string } | { kind: 'report'; rule: string; reason: string };

/**
 * GitHub URLs do not say whether a ref is a branch, a tag or a commit; Gitea's do. A hex string
 * of 7-40 characters with a digit is taken as a commit id, `v1.2`-like names as tags, the rest
 * as branches (Gitea resolves branch names containing `/` itself).
 */
export function classifyRef(ref: string): RefKind {
  if (/^[0-9a-f]{7,40}$/i.test(ref) && /\d/.test(ref)) return 'commit';
  if (/^v?\d+(?:\.\d+)+(?:[-+][0-9A-Za-z.-]+)?$/.test(ref)) return 'tag';
  return 'branch';
}

const KEPT_PAGES = new Set([
  'compare',
  'tags',
  // Gitea serves these feeds at the same paths.
  'releases.atom',
  'releases.rss',
  'tags.atom',
  'tags.rss',
  'wiki',
  'milestones',
  'releases',
  'pulls',
  'issues',
  'src',
  'info',
  'git-upload-pack',
  'git-receive-pack',
]);

/** `path` starts with `/`; `query` is the rest from the first `?` or `#` (maybe empty). */
export function mapRepoSubPath(path: string, query: string, rules: RewriteRules): PathMapping {
  const segments = path.split('/').slice(1);
  const [page = '', ...rest] = segments;
  if (page === '') return { kind: 'rewrite', path, rule: 'repo-url' };
  switch (page) {
    case 'blob':
    case 'tree':
      return mapRefPage(page, rest, query, 'src', page === 'blob' ? 'blob-to-src' : 'tree-to-src');
    case 'raw':
      return mapRefPage(page, rest, query, 'raw', 'raw-path');
    case 'blame':
      return mapRefPage(page, rest, query, 'blame', 'blame');
    case 'commits': {
      if (rest.length === 0 || rest[0] === '') {
        return {
          kind: 'report',
          rule: 'no-gitea-page',
          reason:
            'Gitea lists commits per ref (/commits/branch/<b>): the default branch is not known; write the branch',
        };
      }
      // The commit feed (/commits/<b>.atom) is /atom/branch/<b> on Gitea: a branch named `<b>.atom` does not exist.
      if (/\.(?:atom|rss)$/.test(rest.at(-1) ?? ''))
        return {
          kind: 'report',
          rule: 'no-gitea-page',
          reason: "GitHub's commit feed has no route under /commits on Gitea: link /atom/branch/<b> or /rss/branch/<b>",
        };
      return mapRefPage(page, rest, query, 'commits', 'commits');
    }
    case 'branches':
      // Gitea has one branch list; GitHub's /branches/all is the same list, /active and /stale are not.
      if (rest.length === 0 || rest[0] === '') return { kind: 'rewrite', path, rule: 'repo-url' };
      if (rest.length === 1 && rest[0] === 'all') return { kind: 'rewrite', path: '/branches', rule: 'repo-url' };
      return {
        kind: 'report',
        rule: 'no-gitea-page',
        reason: `GitHub page /branches/${rest.join('/')} has no Gitea equivalent: link /branches by hand`,
      };
    case 'archive':
      return {
        kind: 'rewrite',
        path: `/archive/${rest.join('/').replace(/^refs\/(?:heads|tags)\//, '')}`,
        rule: 'archive',
      };
    case 'tarball':
    case 'zipball': {
      // GitHub's /tarball/<ref> and /zipball/<ref> are Gitea's /archive/<ref>.tar.gz and .zip.
      const ref = rest.join('/').replace(/^refs\/(?:heads|tags)\//, '');
      if (ref === '' || ref === 'HEAD')
        return {
          kind: 'report',
          rule: 'no-gitea-page',
          reason: `/${page} without a ref has no Gitea equivalent: name the ref (/archive/<ref>${page === 'tarball' ? '.tar.gz' : '.zip'})`,
        };
      return { kind: 'rewrite', path: `/archive/${ref}${page === 'tarball' ? '.tar.gz' : '.zip'}`, rule: 'archive' };
    }
    case 'releases':
      if (rest[0] === 'latest' && rest[1] === 'download') {
        return {
          kind: 'report',
          rule: 'release-latest-download',
          reason: 'Gitea has no /releases/latest/download/: name the release tag (/releases/download/<tag>/<file>)',
        };
      }
      return { kind: 'rewrite', path, rule: 'releases' };
    case 'pull':
    case 'issues':
      return mapNumberedLink(page, rest, path, rules);
    case 'actions':
      return mapActionsPage(rest, path, query);
    case 'labels':
      // Gitea lists labels at /labels but has no page per label name (it filters issues by label id).
      if (rest.length > 0 && rest[0] !== '')
        return {
          kind: 'report',
          rule: 'no-gitea-page',
          reason: 'Gitea has no page per label (/labels/<name>): link /labels or an issue search by hand',
        };
      return { kind: 'rewrite', path, rule: 'repo-url' };
    case 'commit':
      // Gitea routes /commit/ only for a hex commit id (optionally .patch or .diff); GitHub also
      // accepts a branch or tag name there.
      if (!/^[0-9a-f]{7,64}(?:\.(?:patch|diff))?$/.test(rest[0] ?? '') || rest.length > 1)
        return {
          kind: 'report',
          rule: 'no-gitea-page',
          reason: 'Gitea serves /commit/ only for a commit id: write the full commit id, or /commits/branch/<b>',
        };
      return { kind: 'rewrite', path, rule: 'repo-url' };
    default:
      if (KEPT_PAGES.has(page)) return { kind: 'rewrite', path, rule: 'repo-url' };
      return {
        kind: 'report',
        rule: 'no-gitea-page',
        reason: `GitHub page /${page} has no known Gitea equivalent: fix the link by hand`,
      };
  }
}

/**
 * Gitea 1.22 serves /actions, /actions/runs/<run>... and /actions/workflows/<file>/badge.svg;
 * GitHub's page for one workflow, /actions/workflows/<file>, is /actions?workflow=<file> there.
 */
function mapActionsPage(rest: string[], path: string, query: string): PathMapping {
  const [section = '', name = '', ...more] = rest;
  if (section === '') return { kind: 'rewrite', path, rule: 'repo-url' };
  if (section === 'runs' && name !== '')
    return {
      kind: 'report',
      rule: 'actions-run-link',
      reason: 'workflow run ids were not carried over to Gitea: link the run on Gitea by hand',
    };
  if (section === 'workflows' && /\.ya?ml$/i.test(name)) {
    if (more.length === 1 && more[0] === 'badge.svg') return { kind: 'rewrite', path, rule: 'repo-url' };
    // A query of its own (?query=branch:main) does not combine with Gitea's ?workflow=.
    if (more.length === 0 && query === '')
      return { kind: 'rewrite', path: `/actions?workflow=${name}`, rule: 'actions-workflow' };
  }
  return {
    kind: 'report',
    rule: 'no-gitea-page',
    reason: `GitHub page /actions/${rest.join('/')} has no Gitea equivalent (Gitea: /actions, /actions?workflow=<file>, /actions/workflows/<file>/badge.svg): fix the link by hand`,
  };
}

function mapRefPage(page: string, rest: string[], query: string, target: string, rule: string): PathMapping {
  let [ref = '', ...file] = rest;
  let kind: RefKind | undefined;
  if (page !== 'commits' && ref === 'refs' && (file[0] === 'heads' || file[0] === 'tags')) {
    kind = file[0] === 'tags' ? 'tag' : 'branch';
    ref = file[1] ?? '';
    file = file.slice(2);
  }
  if (ref === '')
    return { kind: 'report', rule: 'no-gitea-page', reason: `/${page}/ without a ref has no Gitea equivalent` };
  if (ref === 'HEAD') {
    return {
      kind: 'report',
      rule: 'head-ref',
      reason: `GitHub's HEAD alias has no Gitea route: write the branch name (/${target}/branch/<b>/...)`,
    };
  }
  // A blob viewed with ?raw=true is a raw download; Gitea ignores the query, so use its raw route.
  const effectiveTarget = page === 'blob' && /(?:^\?|&)raw=true\b/.test(query) ? 'raw' : target;
  const tail = file.length ? `/${file.join('/')}` : '';
  return {
    kind: 'rewrite',
    path: `/${effectiveTarget}/${kind ?? classifyRef(ref)}/${ref}${tail}`,
    rule: effectiveTarget === target ? rule : 'blob-raw',
  };
}

function mapNumberedLink(page: 'pull' | 'issues', rest: string[], path: string, rules: RewriteRules): PathMapping {
  const numbered = /^\d+$/.test(rest[0] ?? '');
  if (!numbered) {
    if (page === 'issues') return { kind: 'rewrite', path, rule: 'repo-url' };
    return {
      kind: 'report',
      rule: 'no-gitea-page',
      reason: 'this pull request page has no known Gitea equivalent: fix the link by hand',
    };
  }
  const rule = page === 'pull' ? 'pull-link' : 'issue-link';
  if (!rules.rewriteIssueLinks) {
    return {
      kind: 'report',
      rule,
      reason: `${page === 'pull' ? 'pull request' : 'issue'} numbers restarted on Gitea: this link would point at another item (use --rewrite-issue-links to rewrite anyway)`,
    };
  }
  return { kind: 'rewrite', path: page === 'pull' ? `/pulls/${rest.join('/')}` : path, rule };
}
