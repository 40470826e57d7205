import { z } from 'zod';
import { UsageError } from '../errors.js';

/**
 * What a GitHub → Gitea rewrite needs to know. Defaults describe Molecule AI's move
 * (../shared/platform.md, "GitHub → Gitea"); every field can be overridden by flags or a rules
 * file so the same engine serves any organisation leaving GitHub for Gitea.
 */
export interface RewriteRules {
  /** The GitHub owner whose URLs move; matched case-insensitively on a path-segment boundary. */
  githubOwner: string;
  /** Gitea base URL without a trailing slash, e.g. https://git.moleculesai.app. */
  giteaBaseUrl: string;
  /** Gitea owner, always written lowercase. */
  giteaOwner: string;
  /** Old repo name (case-insensitive) → new name. Gitea has no rename redirects. */
  renames: Record<string, string>;
  /** Repos known to exist on Gitea (after renames); when non-empty, others are reported. */
  knownRepos: string[];
  /** Registry prefix replacing `ghcr.io/<owner>` (e.g. registry.example.com/molecule-ai); reported when absent. */
  imageRegistry: string | undefined;
  /** Rewrite `/pull/<n>` and `/issues/<n>` links even though numbering restarted on Gitea. */
  rewriteIssueLinks: boolean;
  /** Variable authenticating clone URLs on GitHub, and the one that replaces it. */
  tokenVariable: { from: string; to: string };
  /** Also rewrite `*.go`, go.mod and go.sum (off: their github.com paths are Go module paths). */
  rewriteGoFiles: boolean;
}

export const DEFAULT_REWRITE_RULES: Readonly<RewriteRules> = Object.freeze({
  githubOwner: 'Molecule-AI',
  giteaBaseUrl: 'https://git.moleculesai.app',
  giteaOwner: 'molecule-ai',
  renames: { 'molecule-monorepo': 'molecule-core' },
  knownRepos: [],
  imageRegistry: undefined,
  rewriteIssueLinks: false,
  tokenVariable: { from: 'GITHUB_TOKEN', to: 'GITEA_TOKEN' },
  rewriteGoFiles: false,
});

const ownerName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'an owner is letters, digits, "-", "_" or "."');
const repoName = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a repo name is letters, digits, "-", "_" or "."');
const variableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name is letters, digits and "_"');

/** The rules file (YAML or JSON): every field optional, unknown fields refused so typos surface. */
export const rulesFileSchema = z
  .object({
    githubOwner: ownerName.optional(),
    giteaBaseUrl: z.string().optional(),
    giteaOwner: ownerName.optional(),
    renames: z.record(repoName, repoName).optional(),
    knownRepos: z.array(repoName).optional(),
    imageRegistry: z.string().regex(/^[a-z0-9.-]+(?::\d+)?(?:\/[a-z0-9._-]+)*$/, 'a registry prefix looks like host[:port]/path').optional(),
    rewriteIssueLinks: z.boolean().optional(),
    tokenVariable: z.object({ from: variableName, to: variableName }).strict().optional(),
    rewriteGoFiles: z.boolean().optional(),
  })
  .strict();

export type RulesFileContent = z.infer<typeof rulesFileSchema>;

/**
 * Layers overrides over the defaults and checks the result. Renames merge with the defaults'
 * (a rules file adds to the known map); everything else replaces.
 */
export function buildRewriteRules(...layers: Array<Partial<RewriteRules> | RulesFileContent | undefined>): RewriteRules {
  const rules: RewriteRules = {
    ...DEFAULT_REWRITE_RULES,
    renames: { ...DEFAULT_REWRITE_RULES.renames },
    knownRepos: [...DEFAULT_REWRITE_RULES.knownRepos],
    tokenVariable: { ...DEFAULT_REWRITE_RULES.tokenVariable },
  };
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      if (key === 'renames') Object.assign(rules.renames, value);
      else (rules as unknown as Record<string, unknown>)[key] = value;
    }
  }
  rules.giteaBaseUrl = normaliseBaseUrl(rules.giteaBaseUrl);
  rules.giteaOwner = rules.giteaOwner.toLowerCase();
  rules.imageRegistry = rules.imageRegistry?.replace(/\/+$/, '');
  return rules;
}

/** Parses a rules file's already-decoded content (YAML/JSON); throws UsageError naming the field. */
export function parseRulesFile(content: unknown, fileName: string): RulesFileContent {
  const parsed = rulesFileSchema.safeParse(content ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(top level)';
    throw new UsageError(
      `rules file ${fileName}: ${where}: ${issue?.message ?? 'invalid'}`,
      'see docs/commands/gitea.md for the rules file fields (githubOwner, giteaBaseUrl, giteaOwner, renames, knownRepos, imageRegistry, rewriteIssueLinks, tokenVariable, rewriteGoFiles)',
    );
  }
  return parsed.data;
}

function normaliseBaseUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new UsageError(`the Gitea base URL ${JSON.stringify(input)} is not a URL`, 'write it as https://git.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`the Gitea base URL must be http(s), not ${url.protocol}`, 'write it as https://git.example.com');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new UsageError('the Gitea base URL must not carry credentials, a query or a fragment', 'write it as https://git.example.com');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The name a repo has on Gitea: renamed when the map knows it (case-insensitive), else as written. */
export function resolveRepoName(repo: string, rules: RewriteRules): { name: string; renamedFrom?: string } {
  const wiki = repo.toLowerCase().endsWith('.wiki') ? repo.slice(-5) : '';
  const base = wiki ? repo.slice(0, -5) : repo;
  const lower = base.toLowerCase();
  for (const [from, to] of Object.entries(rules.renames)) {
    if (from.toLowerCase() === lower) return { name: `${to}${wiki}`, renamedFrom: repo };
  }
  return { name: repo };
}
