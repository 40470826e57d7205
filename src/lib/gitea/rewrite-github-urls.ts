import { followsGoSite, isGoImportLine } from './go-context.js';
import { mapRepoSubPath } from './map-repo-path.js';
import { isOwnRepo, isPlaceholderOwner, resolveRepoName, type RewriteRules } from './rewrite-rules.js';
import { swapTokenVariable, hasLiteralPassword } from './clone-credentials.js';
import { clipLine, type TextChange, type TextFinding } from './text-rewrite-result.js';

/**
 * Rewrites `github.com/<owner>/...` and `raw.githubusercontent.com/<owner>/...` URLs in one line.
 * Pure. Invariants: only references whose owner equals the configured GitHub owner
 * (case-insensitive, whole path segment), or a placeholder owner in front of one of the
 * organisation's own repos, change; host and owner change together; bytes after the structural
 * part (`.git`, `@ref`, `?query`, `#fragment`, `#egg=`) are kept as they were; a reference written
 * without a scheme stays without one, and one that is a Go module path stays and is reported.
 */

export interface LineSink {
  changes: TextChange[];
  findings: TextFinding[];
  /** Set when a clone URL's token variable was switched, which makes its guards eligible too. */
  tokenSwapped: boolean;
}

/** What the line's surroundings say; asked only when a scheme-less reference needs it. */
export interface LineContext {
  /** The line stands inside a fenced Go sample or a Go `import (` / `require (` block. */
  inGoBlock(): boolean;
  /** The file is Terraform/OpenTofu or Terragrunt HCL (`*.tf`, `*.hcl`), where `source = "..."` is a module source. */
  hclFile?: boolean;
  /** The file is a kustomization (`kustomization.yaml`), whose scheme-less URLs are remote resources. */
  kustomizeFile?: boolean;
}

const NO_CONTEXT: LineContext = { inGoBlock: () => false };

/** A Terraform module source attribute, up to its opening quote. */
const HCL_SOURCE_BEFORE = /(?:^|[\s{;,])source\s*=\s*"$/;
/** `/<repo>[.git]` then the end, a `//subdir`, a `/subdir` or `?ref=`. */
const HCL_SOURCE_REPO = /^\/([A-Za-z0-9_.-]+?)(\.git)?(?=$|[/?])/;

// Characters that end a URL in prose, markup, shell and YAML, and any non-ASCII character: prose in
// other languages puts its own punctuation (「」，。« » „ “) right against a link, and a URL written
// by hand has its non-ASCII percent-encoded. `{}` and `$` stay inside so that `${VAR}` path parts
// remain part of the URL and are kept verbatim. Files arrive latin1-decoded, so a UTF-8 character
// is several chars in \x80-\xff here: all of them end the URL too.
const URL_TAIL = String.raw`(?:\$\{\{[^}]*\}\}|[^\s"'\x60<>()\[\]\\\x80-\uffff])*`;
const VARIABLE = String.raw`\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$[A-Za-z_]\w*|\{\{[^}]*\}\}|\{[\w-]+\}|%[sv]|<[^>\s]*>`;

const GITHUB_URL = new RegExp(
  String.raw`(?<![\w.+-])` +
    String.raw`(?<scheme>(?:git\+)?(?:https?|git|ssh)://|//)?` +
    String.raw`(?<userinfo>(?:\$\{\{[^}]*\}\}|[^\s@/"'\x60<>()\[\]])+@)?` +
    String.raw`(?<host>(?:www\.)?github\.com)(?<port>:\d{1,5}(?=/))?(?<sep>[/:])` +
    String.raw`(?<owner>${VARIABLE}|[A-Za-z0-9_.-]+)` +
    String.raw`(?<rest>${URL_TAIL})`,
  'gi',
);

const RAW_URL = new RegExp(
  String.raw`(?<![\w.-])(?<scheme>https?://)?raw\.githubusercontent\.com/(?<owner>${VARIABLE}|[A-Za-z0-9_.-]+)(?<rest>${URL_TAIL})`,
  'gi',
);

const REPO_VARIABLE = new RegExp(String.raw`^/(?:${VARIABLE}|:\w+)`);

type Groups = Record<string, string | undefined>;

/**
 * A GitHub URL written inside a JSON string with escaped slashes (`https:\/\/github.com\/...`,
 * as PHP and some serialisers write them) or percent-encoded as another URL's parameter
 * (`?url=https%3A%2F%2Fgithub.com%2F...`, shields.io endpoint badges). Each is decoded, rewritten
 * by the same rules as a plain URL, and encoded again the same way.
 */
const JSON_ESCAPED_URL =
  /(?<![\w.+-])(?:(?:https?|git\+https?):)?\\\/\\\/(?:www\.)?(?:github\.com|raw\.githubusercontent\.com)(?:\\\/|[^\s"'\x60<>()[\]\\\x80-\uffff])*/gi;
const PERCENT_ENCODED_URL =
  /(?<![\w.+-])https?%3A%2F%2F(?:www\.)?(?:github\.com|raw\.githubusercontent\.com)(?:%[0-9A-F]{2}|[\w.~-])*/gi;

interface Encoding {
  decode(text: string): string | undefined;
  encode(text: string): string;
}

const JSON_SLASHES: Encoding = {
  decode: (text) => text.replaceAll('\\/', '/'),
  encode: (text) => text.replaceAll('/', '\\/'),
};

const PERCENT: Encoding = {
  decode: (text) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return undefined; // malformed escapes: not a URL molectl can read back faithfully
    }
  },
  encode: (text) => encodeURIComponent(text),
};

export function rewriteGithubUrlsInLine(
  line: string,
  lineNo: number,
  rules: RewriteRules,
  sink: LineSink,
  context: LineContext = NO_CONTEXT,
): string {
  let out = line;
  if (out.includes('\\/')) out = rewriteEncoded(out, JSON_ESCAPED_URL, JSON_SLASHES);
  if (/%2F/i.test(out)) out = rewriteEncoded(out, PERCENT_ENCODED_URL, PERCENT);
  return rewritePlainUrls(out, lineNo, rules, sink, context, line);

  function rewriteEncoded(text: string, pattern: RegExp, encoding: Encoding): string {
    return text.replace(pattern, (match) => {
      const decoded = encoding.decode(match);
      if (decoded === undefined || decoded === match) return match;
      const scratch: LineSink = { changes: [], findings: [], tokenSwapped: false };
      const rewritten = rewritePlainUrls(decoded, lineNo, rules, scratch, context, line);
      // A finding (a pull link, a page with no Gitea route) leaves the URL for a person: the gate
      // sees the encoded form (org-references.ts) and reports it.
      if (rewritten === decoded || scratch.findings.some((f) => f.blocking)) return match;
      const after = encoding.encode(rewritten);
      for (const change of scratch.changes) sink.changes.push({ ...change, before: match, after });
      for (const finding of scratch.findings) sink.findings.push({ ...finding, match });
      return after;
    });
  }
}

function rewritePlainUrls(
  line: string,
  lineNo: number,
  rules: RewriteRules,
  sink: LineSink,
  context: LineContext,
  shownLine: string,
): string {
  const { giteaHostPath, giteaScheme } = splitGiteaBaseUrl(rules.giteaBaseUrl);
  const ownerLower = rules.githubOwner.toLowerCase();
  const report = (match: string, rule: string, reason: string, blocking: boolean): void => {
    sink.findings.push({ line: lineNo, rule, text: clipLine(shownLine), match, reason, blocking });
  };
  /** The owner is ours, a placeholder (in front of which only our repos move), or someone else's. */
  const ownerKind = (owner: string): 'ours' | 'placeholder' | 'other' =>
    owner.toLowerCase() === ownerLower ? 'ours' : isPlaceholderOwner(owner, rules) ? 'placeholder' : 'other';

  let out = line;
  if (/raw\.githubusercontent\.com/i.test(out))
    out = out.replace(RAW_URL, (match, ...args) => rewriteRaw(match, args.at(-1) as Groups));
  if (/github\.com/i.test(out))
    out = out.replace(GITHUB_URL, (match, ...args) => rewriteOne(match, args.at(-1) as Groups, args.at(-3) as number));
  return out;

  function reportVariableOwner(match: string): void {
    report(
      match,
      'variable-owner',
      'the owner is a variable: molectl cannot tell whether it names the moved organisation; check the values it takes',
      true,
    );
  }

  function record(
    before: string,
    after: string,
    rule: string,
    renamedFrom: string | undefined,
    repo: string | undefined,
  ): void {
    const change: TextChange = { line: lineNo, rule, before, after };
    if (renamedFrom) change.renamedFrom = renamedFrom;
    if (repo) change.target = `${rules.giteaOwner}/${repo}`;
    sink.changes.push(change);
  }

  function rewriteRaw(match: string, g: Groups): string {
    const owner = g.owner ?? '';
    const kind = ownerKind(owner);
    if (kind === 'other') {
      if (isVariable(owner)) reportVariableOwner(match);
      return match;
    }
    // raw.githubusercontent.com/<owner>/<repo>/<ref>/<path> is github.com/<owner>/<repo>/raw/<ref>/<path>.
    const m = /^\/([A-Za-z0-9_.-]+)((?:\/[^?#]*)?)([\s\S]*)$/.exec(g.rest ?? '');
    const [, repo = '', refAndFile = '', tail = ''] = m ?? [];
    if (kind === 'placeholder' && !isOwnRepo(repo, rules)) return match;
    const mapped = mapRepoSubPath(`/raw${refAndFile}`, tail, rules);
    if (!m || mapped.kind === 'report') {
      if (kind === 'ours')
        report(
          match,
          mapped.kind === 'report' ? mapped.rule : 'no-gitea-page',
          mapped.kind === 'report' ? mapped.reason : 'raw URL without a repo, ref and path: fix it by hand',
          true,
        );
      return match;
    }
    const { name, renamedFrom } = resolveRepoName(repo, rules);
    const after = `${g.scheme ? giteaScheme : ''}${giteaHostPath}/${rules.giteaOwner}/${name}${mapped.path}${tail}`;
    record(match, after, kind === 'placeholder' ? 'placeholder-owner' : 'raw-url', renamedFrom, name);
    return after;
  }

  function rewriteOne(match: string, g: Groups, offset: number): string {
    const scheme = g.scheme ?? '';
    const userinfo = g.userinfo ?? '';
    const scpLike = g.sep === ':';
    if (scpLike && (scheme || !userinfo)) return match; // prose like "github.com: ..."
    // `https://github.com:443/...` names the same page as without the port, which does not carry
    // over to Gitea; without a scheme, `git@github.com:443/x` is an scp-like path on another owner.
    if (g.port && !scheme) return match;
    let owner = g.owner ?? '';
    let rest = g.rest ?? '';
    if (isVariable(owner) && ownerKind(owner) !== 'placeholder') {
      if (scheme || userinfo) reportVariableOwner(match);
      return match;
    }
    // A sentence ending right after the owner: the dot is punctuation, not part of the name.
    const trailingDots = /\.+$/.exec(owner)?.[0] ?? '';
    if (trailingDots) {
      owner = owner.slice(0, -trailingDots.length);
      rest = trailingDots + rest;
    }
    const kind = ownerKind(owner);
    if (kind === 'other') return match;
    const ours = kind === 'ours';

    const schemeLess = !scheme && !scpLike;
    if (schemeLess) {
      const embedded = offset > 0 && line[offset - 1] === '/';
      if (isGoImportLine(line) || (embedded && followsGoSite(line.slice(0, offset))) || context.inGoBlock()) {
        if (ours)
          report(
            match,
            'go-import-path',
            'a Go module or import path: left as it is (module paths are out of scope); acknowledge it, or change the module path by hand',
            true,
          );
        return match;
      }
      if (embedded) {
        if (ours)
          report(
            match,
            'embedded-path',
            "a GitHub path inside another site's URL: that site names the repository by its GitHub path; check whether it follows the move",
            true,
          );
        return match;
      }
    }
    if ((schemeLess || (scpLike && userinfo)) && context.hclFile && HCL_SOURCE_BEFORE.test(line.slice(0, offset)))
      return rewriteModuleSource();
    const ssh = scpLike || /ssh:\/\/$/i.test(scheme);
    // kustomize reads a scheme-less remote resource only for github.com: elsewhere it needs https.
    const kustomizeRemote = schemeLess && context.kustomizeFile === true;
    const newScheme = schemeLess
      ? kustomizeRemote
        ? giteaScheme
        : ''
      : scheme === '//'
        ? '//'
        : `${/^git\+/i.test(scheme) ? 'git+' : ''}${giteaScheme}`;
    let newUserinfo = ssh ? '' : userinfo;
    let special: string | undefined;
    if (newUserinfo) {
      const swapped = swapTokenVariable(newUserinfo, rules);
      if (swapped !== newUserinfo) {
        newUserinfo = swapped;
        sink.tokenSwapped = true;
        special = 'token-clone-url';
      } else if (hasLiteralPassword(newUserinfo)) {
        report(
          match,
          'literal-credential',
          'the URL carries a literal GitHub credential, useless on Gitea; remove it, revoke it, and use a variable',
          false,
        );
      }
    }
    const prefix = `${newScheme}${newUserinfo}${giteaHostPath}/${rules.giteaOwner}`;
    const ruleFor = (structural: string): string =>
      special ??
      (kustomizeRemote ? 'kustomize-remote' : undefined) ??
      (kind === 'placeholder'
        ? 'placeholder-owner'
        : schemeLess && (structural === 'repo-url' || structural === 'owner-url')
          ? 'scheme-less'
          : structural);

    const repoMatch = /^\/([A-Za-z0-9_.-]+)/.exec(rest);
    if (!repoMatch) {
      if (!ours) return match; // a placeholder owner alone, or with a variable repo: not ours to say
      const variableRepo = REPO_VARIABLE.exec(rest)?.[0];
      if (variableRepo) {
        // What follows the variable is a repository page like any other: /blob/main/x must
        // become /src/branch/main/x here too, or the rewritten link 404s on Gitea.
        const mapped = mapAfter(rest.slice(variableRepo.length), false);
        if (!mapped) return match;
        report(
          match,
          'variable-repo',
          'the repo name is a variable: host and owner were rewritten, but renames (e.g. molecule-monorepo → molecule-core) cannot be applied; check the values it takes',
          false,
        );
        return finish(`${prefix}${variableRepo}${mapped.after}`, ruleFor(mapped.structural), undefined, undefined);
      }
      return finish(`${prefix}${rest}`, ruleFor('owner-url'), undefined, undefined);
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
    if (!ours && !isOwnRepo(repo, rules)) return match;

    const mappedAfter = mapAfter(after, Boolean(gitSuffix));
    if (!mappedAfter) return match;
    const { after: newAfter, structural } = mappedAfter;
    const { name, renamedFrom } = resolveRepoName(repo, rules);
    if (rules.knownRepos.length > 0 && !rules.knownRepos.some((known) => known.toLowerCase() === name.toLowerCase())) {
      report(
        match,
        'unknown-repo',
        `${name} is not in the known repo list: rewritten, but check it exists on Gitea or add a rename`,
        false,
      );
    }
    if (ssh) {
      report(
        match,
        'ssh-url',
        "SSH clone URL rewritten to https: clones now need a Gitea token or credential helper (or use Gitea's own SSH URL)",
        false,
      );
      special = 'ssh-to-https';
    }
    return finish(`${prefix}/${name}${gitSuffix}${newAfter}`, ruleFor(structural), renamedFrom, name);

    /**
     * Terraform reads `github.com/<owner>/<repo>` and `git@github.com:...` module sources as git
     * shorthands that exist for GitHub only: moved as they are, `git.moleculesai.app/...` is read as
     * a registry address and a bare https URL as an archive download. The explicit
     * `git::https://<gitea>/<owner>/<repo>.git//<subdir>?ref=...` form is what Terraform expands them to.
     */
    function rewriteModuleSource(): string {
      const repoPart = HCL_SOURCE_REPO.exec(rest);
      const repo = repoPart?.[1] ?? '';
      if (!repoPart || !repo || (!ours && !isOwnRepo(repo, rules))) return match;
      const { name, renamedFrom } = resolveRepoName(repo, rules);
      let tail = rest.slice(repoPart[0].length);
      if (/^\/[^/]/.test(tail)) tail = `/${tail}`; // github.com/o/r/sub is the subdirectory //sub
      if (scpLike)
        report(
          match,
          'ssh-url',
          'SSH module source rewritten to git::https: terraform init now needs a Gitea token or credential helper',
          false,
        );
      const rewritten = `git::${giteaScheme}${giteaHostPath}/${rules.giteaOwner}/${name}.git${tail}`;
      record(match, rewritten, 'terraform-source', renamedFrom, name);
      return rewritten;
    }

    /**
     * Maps what follows the repository (a page, a file, a query) to Gitea's route; undefined when
     * the page has no safe rewrite (reported when the owner is ours).
     */
    function mapAfter(after: string, gitSuffix: boolean): { after: string; structural: string } | undefined {
      if (!after.startsWith('/') || gitSuffix) return { after, structural: 'repo-url' };
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
        if (ours) report(match, mapped.rule, mapped.reason, true);
        return undefined;
      }
      return { after: mapped.path + query, structural: mapped.rule };
    }

    function finish(
      rewritten: string,
      rule: string,
      renamed: string | undefined,
      repoName: string | undefined,
    ): string {
      record(match, rewritten, rule, renamed, repoName);
      return rewritten;
    }
  }
}

// Split once per base URL, not per line: a large rewrite sees thousands of candidate lines.
const giteaBaseUrlParts = new Map<string, { giteaHostPath: string; giteaScheme: string }>();

function splitGiteaBaseUrl(baseUrl: string): { giteaHostPath: string; giteaScheme: string } {
  let parts = giteaBaseUrlParts.get(baseUrl);
  if (!parts) {
    parts = {
      giteaHostPath: baseUrl.replace(/^[a-z]+:\/\//, ''),
      giteaScheme: baseUrl.slice(0, baseUrl.indexOf('://') + 3),
    };
    giteaBaseUrlParts.set(baseUrl, parts);
  }
  return parts;
}

function isVariable(owner: string): boolean {
  return /^[$%<{]/.test(owner);
}
