/**
 * The observation `--check` rests on: after the rules have run, does a line still name the moved
 * organisation on GitHub? Independent of the rules on purpose, so that a form no rule knows (or a
 * rule's gap) still fails the gate instead of passing silently. Pure.
 */

export interface OrgReferenceMatcher {
  /** Every reference to the owner on GitHub's hosts in the line, as written. */
  find(line: string): string[];
}

const cache = new Map<string, OrgReferenceMatcher>();

export function compileOrgReferences(githubOwner: string): OrgReferenceMatcher {
  const cached = cache.get(githubOwner);
  if (cached) return cached;
  const owner = githubOwner.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // The owner as a whole path segment: `Molecule-AI-labs` is another organisation, but a
  // sentence may end right after it (`github.com/Molecule-AI.`).
  const end = String.raw`(?![A-Za-z0-9_-])(?!\.[A-Za-z0-9])`;
  // A slash as written in a URL, in a JSON string (`\/`) or percent-encoded in another URL's query
  // (`?url=https%3A%2F%2Fgithub.com%2FMolecule-AI%2Fx`): no rule rewrites the last two, so the
  // gate must still see them.
  const slash = String.raw`(?:/|\\/|%2F)`;
  const patterns = [
    // github.com, www., api., codeload., raw.githubusercontent.com, ghcr.io, with a port
    // (`github.com:443/`); gists are per user, not per org.
    new RegExp(
      String.raw`(?:(?<![\w.-])|(?<=%2F))(?:(?!gist\.)[\w-]+\.)*(?:github\.com|githubusercontent\.com|ghcr\.io)(?::\d{1,5}(?=${slash}))?(?:${slash}|:)(?:(?:orgs|repos|users)${slash})?${owner}${end}`,
      'gi',
    ),
    new RegExp(String.raw`(?<![\w.-])${owner}\.github\.io\b`, 'gi'), // the organisation's GitHub Pages
    new RegExp(String.raw`(?<![\w.-])github:${owner}/`, 'gi'), // npm/yarn shorthand
    new RegExp(String.raw`\buses:\s*["']?${owner}/`, 'gi'), // actions resolved on github.com
    new RegExp(String.raw`shields\.io/github/[^\s"'()[\]]*?/${owner}/`, 'gi'),
    // Services that name a repository by its GitHub path (codecov.io/gh/<owner>,
    // coveralls.io/repos/github/<owner>, app.codacy.com/gh/<owner>): they follow GitHub, not Gitea.
    new RegExp(String.raw`(?<=/)(?:gh|github)/${owner}(?=/)`, 'gi'),
  ];
  const matcher: OrgReferenceMatcher = {
    find(line) {
      // Every form below mentions github, ghcr or /gh/: most rewritten lines no longer do.
      if (!/github|ghcr|\/gh\//i.test(line)) return [];
      const found: string[] = [];
      for (const pattern of patterns) {
        pattern.lastIndex = 0;
        for (const m of line.matchAll(pattern)) found.push(m[0]);
      }
      return found;
    },
  };
  cache.set(githubOwner, matcher);
  return matcher;
}
