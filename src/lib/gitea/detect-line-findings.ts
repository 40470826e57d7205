import type { RewriteRules } from './rewrite-rules.js';
import type { LineSink } from './rewrite-github-urls.js';
import { clipLine } from './text-rewrite-result.js';

/**
 * The forms with no safe mechanical rewrite (../shared/platform.md): reported with their line,
 * never changed. Plus `ghcr.io/<owner>` images, rewritten only when a registry mapping is given.
 * Pure.
 */

const GH_SUBCOMMANDS =
  'api|pr|issue|repo|release|run|workflow|auth|secret|variable|label|gist|search|browse|cache|extension|project|ruleset|org|status|codespace|attestation';
const GH_COMMAND = new RegExp(String.raw`(?:^|[\s;&|(\x60]|\$\()(gh\s+(?:${GH_SUBCOMMANDS}))\b`);
const API_GITHUB = /(?<![\w.-])(?:https?:\/\/)?api\.github\.com(?<path>[^\s"'`<>()[\]\\]*)/gi;
const WORKFLOW_PATH = /\.github\/workflows\b/;
/**
 * What every form below contains (case-insensitively, a superset of each): a line without any of
 * them, as most candidate lines are once their links are rewritten, needs one search instead of
 * ten (a fresh run executes these searches mostly from unoptimised code, ~1 µs each).
 */
const ANY_FORM =
  /api\.github\.com|codeload\.github\.com|github\.com\/orgs\/|github:|shields\.io\/github\/|\.github\.io|gh\s|\.github\/workflows|uses:|ghcr\.io|brew\s/i;

interface OwnerPatterns {
  segment: RegExp;
  uses: RegExp;
  ghcr: RegExp;
  githubOnly: RegExp;
  npmShorthand: RegExp;
  shieldsBadge: RegExp;
  pages: RegExp;
  brewTap: RegExp;
}

// Compiled once per owner, not per line: a large rewrite sees thousands of candidate lines.
const ownerPatternCache = new Map<string, OwnerPatterns>();

function compileOwnerPatterns(githubOwner: string): OwnerPatterns {
  let patterns = ownerPatternCache.get(githubOwner);
  if (!patterns) {
    const owner = escapeRegExp(githubOwner);
    patterns = {
      segment: new RegExp(String.raw`/${owner}(?![A-Za-z0-9_.-])`, 'i'),
      uses: new RegExp(String.raw`\buses:\s*["']?(${owner}/[^\s"'@]*)`, 'i'),
      ghcr: new RegExp(String.raw`(?<![\w.-])ghcr\.io/(${owner})(?![A-Za-z0-9_.-])`, 'gi'),
      githubOnly: new RegExp(
        String.raw`(?<![\w.-])(?:https?://)?(?:codeload\.github\.com|(?:www\.)?github\.com/orgs)/${owner}(?![A-Za-z0-9_.-])[^\s"'\x60<>()\[\]]*`,
        'i',
      ),
      npmShorthand: new RegExp(String.raw`(?<![\w.-])github:${owner}/[A-Za-z0-9_.-]+(?:#[^\s"']*)?`, 'i'),
      shieldsBadge: new RegExp(
        String.raw`(?:https?://)?img\.shields\.io/github/[^\s"'()\[\]]*?/${owner}/[^\s"'()\[\]]*`,
        'i',
      ),
      pages: new RegExp(
        String.raw`(?<![\w.-])(?:https?://)?${owner}\.github\.io\b[^\s"'\x60<>()\[\]\x80-\uffff]*`,
        'i',
      ),
      // `brew tap <owner>/<tap>` and `brew install <owner>/<tap>/<formula>` clone github.com/<owner>/homebrew-<tap>,
      // unless the tap is given its URL.
      brewTap: new RegExp(
        String.raw`\bbrew\s+(?:tap|install|reinstall|upgrade)\s+(?:--?[\w-]+\s+)*(${owner}/[\w.-]+(?:/[\w.@+-]+)?)(?![\w./@+-]*\s+https?:)`,
        'i',
      ),
    };
    ownerPatternCache.set(githubOwner, patterns);
  }
  return patterns;
}

export function detectLineFindings(line: string, lineNo: number, rules: RewriteRules, sink: LineSink): string {
  if (!ANY_FORM.test(line)) return line;
  // Blocking: the line still names the moved organisation (or may: a variable owner), so
  // `--check` fails until a person fixes or acknowledges it. Notes concern lines that never did.
  const report = (match: string, rule: string, reason: string, blocking: boolean): void => {
    sink.findings.push({ line: lineNo, rule, text: clipLine(line), match, reason, blocking });
  };
  const patterns = compileOwnerPatterns(rules.githubOwner);
  const ownerSegment = patterns.segment;

  if (/api\.github\.com/i.test(line)) {
    for (const m of line.matchAll(API_GITHUB)) {
      const path = m.groups?.path ?? '';
      // Other organisations' API calls keep working; calls about the moved owner, owner-less
      // endpoints (GraphQL, the API root) and variable owners may not.
      const aboutOwner = ownerSegment.test(path) || /^\/(?:repos|orgs)\/[$%{<]/i.test(path);
      if (aboutOwner || /^\/graphql\b/i.test(path) || path === '' || path === '/') {
        report(
          m[0],
          'api-github',
          "a GitHub API call: Gitea's API is /api/v1 with different routes and no GraphQL; port it by hand",
          aboutOwner,
        );
      }
    }
  }
  if (/codeload\.github\.com|github\.com\/orgs\//i.test(line)) {
    const other = patterns.githubOnly.exec(line);
    if (other)
      report(
        other[0],
        'no-gitea-page',
        'a GitHub-only URL of the moved owner (codeload archive or organisation page): fix it by hand (archives: /<owner>/<repo>/archive/<ref>.tar.gz)',
        true,
      );
  }
  const shorthand = patterns.npmShorthand.exec(line);
  if (shorthand) {
    report(
      shorthand[0],
      'npm-shorthand',
      'the npm/yarn `github:` shorthand resolves on github.com: write git+https://<gitea>/<owner>/<repo>.git#<ref>',
      true,
    );
  }
  const badge = /shields\.io\/github\//i.test(line) ? patterns.shieldsBadge.exec(line) : null;
  if (badge) {
    report(
      badge[0],
      'github-badge',
      "a shields.io GitHub badge: it asks GitHub, which no longer has the repo; use a shields.io gitea/ endpoint or Gitea's own badge",
      true,
    );
  }
  const pages = /\.github\.io/i.test(line) ? patterns.pages.exec(line) : null;
  if (pages) {
    report(
      pages[0],
      'github-pages',
      'the GitHub Pages site of the moved organisation: it went with the suspended organisation; link where the pages are served now',
      true,
    );
  }
  const brew = /brew\s/i.test(line) ? patterns.brewTap.exec(line) : null;
  if (brew) {
    report(
      brew[1] ?? '',
      'brew-tap',
      'a Homebrew tap of the moved owner: brew looks for it on github.com; tap it with its Gitea URL (brew tap <owner>/<tap> https://<gitea>/<owner>/homebrew-<tap>)',
      true,
    );
  }
  const gh = GH_COMMAND.exec(line);
  if (gh)
    report(
      gh[1] ?? 'gh',
      'gh-command',
      'a gh (GitHub CLI) command: it talks to github.com; use the Gitea API or tea instead',
      false,
    );

  if (WORKFLOW_PATH.test(line)) {
    report(
      '.github/workflows',
      'workflow-path',
      'a .github/workflows reference: Gitea Actions reads .gitea/workflows first, and reusable workflows and paths may differ; check it',
      false,
    );
  }
  const uses = patterns.uses.exec(line);
  if (uses) {
    report(
      uses[1] ?? '',
      'org-action',
      'an action from the moved owner: Gitea Actions resolves bare `uses:` on github.com; write the full Gitea URL (uses: https://<gitea>/<owner>/<repo>@<ref>)',
      true,
    );
  }

  if (!/ghcr\.io/i.test(line)) return line;
  return line.replace(patterns.ghcr, (match) => {
    if (!rules.imageRegistry) {
      report(
        match,
        'ghcr-image',
        'a ghcr.io image of the moved owner: images moved to another registry; give --image-registry to rewrite, or fix by hand',
        true,
      );
      return match;
    }
    sink.changes.push({ line: lineNo, rule: 'ghcr-image', before: match, after: rules.imageRegistry });
    return rules.imageRegistry;
  });
}

const bareShorthandCache = new Map<string, RegExp>();

/**
 * In package.json, a dependency written `"<owner>/<repo>"` or `"<owner>/<repo>#<ref>"` is npm's
 * GitHub shorthand, as `github:<owner>/<repo>` is: it still installs from github.com. Only a whole
 * string value counts, and only in package.json, where npm reads it so.
 */
export function detectBareNpmShorthand(line: string, lineNo: number, rules: RewriteRules, sink: LineSink): void {
  let pattern = bareShorthandCache.get(rules.githubOwner);
  if (!pattern) {
    pattern = new RegExp(String.raw`:\s*"(${escapeRegExp(rules.githubOwner)}/[A-Za-z0-9_.-]+(?:#[^"\s]*)?)"`, 'i');
    bareShorthandCache.set(rules.githubOwner, pattern);
  }
  const m = pattern.exec(line);
  if (!m) return;
  sink.findings.push({
    line: lineNo,
    rule: 'npm-shorthand',
    text: clipLine(line),
    match: m[1] ?? '',
    reason:
      'npm reads "<owner>/<repo>" in package.json as a github.com repository: write git+https://<gitea>/<owner>/<repo>.git#<ref>',
    blocking: true,
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
