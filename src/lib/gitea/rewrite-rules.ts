import { UsageError } from '../errors.js';
import { isLoopbackHost } from '../http/check-http-url.js';

/**
 * What a GitHub → Gitea rewrite needs to know. Defaults describe Molecule AI's move
 * (../shared/platform.md, "GitHub → Gitea"); every field can be overridden by flags or a rules
 * file (rules-file.ts) so the same engine serves any organisation leaving GitHub for Gitea.
 * No zod here: this module is on the path of every `gitea rewrite`, whose whole budget is a few
 * hundred milliseconds; the rules file, which needs a schema, loads it only when one is given.
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
  /**
   * Owners that docs write in place of the real one (`github.com/your-org/<repo>`). In front of
   * one of the organisation's own repos (ownsRepo) they are rewritten to the Gitea owner; in
   * front of anything else they stay. Matched case-insensitively. Empty: the rule is off.
   */
  placeholderOwners: string[];
  /** Name prefixes that mark a repo as the organisation's own (besides knownRepos and renames). */
  ownRepoPrefixes: string[];
}

export const DEFAULT_PLACEHOLDER_OWNERS: readonly string[] = Object.freeze([
  'your-org',
  'YOUR_ORG',
  'YOUR-ORG',
  'your-organization',
  'your-org-name',
  '<org>',
  '<your-org>',
  '<organization>',
  '{org}',
  'ORG_NAME',
]);

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
  placeholderOwners: [...DEFAULT_PLACEHOLDER_OWNERS],
  ownRepoPrefixes: ['molecule-ai-'],
});

export const OWNER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const REPO_PATTERN = /^[A-Za-z0-9_.-]+$/;
export const REGISTRY_PATTERN = /^[a-z0-9.-]+(?::\d+)?(?:\/[a-z0-9._-]+)*$/;
/** A placeholder is free text people type in docs, but never whitespace, `/` or a URL delimiter. */
export const PLACEHOLDER_PATTERN = /^[^\s/"'`()[\]\\@:]+$/;

export type RulesLayer = Partial<RewriteRules>;

/**
 * Layers overrides over the defaults and checks the result. Renames merge with the defaults'
 * (a rules file adds to the known map); everything else replaces.
 */
export function buildRewriteRules(...layers: Array<RulesLayer | undefined>): RewriteRules {
  const rules: RewriteRules = {
    ...DEFAULT_REWRITE_RULES,
    renames: { ...DEFAULT_REWRITE_RULES.renames },
    knownRepos: [...DEFAULT_REWRITE_RULES.knownRepos],
    tokenVariable: { ...DEFAULT_REWRITE_RULES.tokenVariable },
    placeholderOwners: [...DEFAULT_REWRITE_RULES.placeholderOwners],
    ownRepoPrefixes: [...DEFAULT_REWRITE_RULES.ownRepoPrefixes],
  };
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      if (key === 'renames') Object.assign(rules.renames, value);
      else (rules as unknown as Record<string, unknown>)[key] = value;
    }
  }
  rules.giteaBaseUrl = checkGiteaBaseUrl(rules.giteaBaseUrl, 'the Gitea base URL');
  rules.giteaOwner = rules.giteaOwner.toLowerCase();
  rules.imageRegistry = rules.imageRegistry?.replace(/\/+$/, '');
  return rules;
}

/**
 * The Gitea base URL, normalised (no trailing slash). https only, plain http only to loopback,
 * as for the CP URL: it is written into files and git remotes, and --verify-remote sends
 * GITEA_TOKEN to it. `where` names the source (a flag or a rules file field) in the error.
 */
export function checkGiteaBaseUrl(input: string, where: string): string {
  const fix = 'write it as https://git.example.com (plain http only to loopback: 127.0.0.1, ::1, localhost)';
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new UsageError(`${where} ${JSON.stringify(input)} is not a URL`, fix);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(`${where} must be https, not ${url.protocol}`, fix);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new UsageError(
      `${where}: refusing plain http:// to ${url.hostname}; it would be written into files and remotes, and GITEA_TOKEN sent to it`,
      `use https://${url.host}${url.pathname === '/' ? '' : url.pathname}`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new UsageError(`${where} must not carry credentials, a query or a fragment`, fix);
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

/** Whether a repo name is the organisation's own: known, renamed (either name), or carrying its prefix. */
export function isOwnRepo(repo: string, rules: RewriteRules): boolean {
  const lower = repo
    .toLowerCase()
    .replace(/\.git$/, '')
    .replace(/\.wiki$/, '');
  if (!lower) return false;
  if (rules.knownRepos.some((known) => known.toLowerCase() === lower)) return true;
  for (const [from, to] of Object.entries(rules.renames))
    if (from.toLowerCase() === lower || to.toLowerCase() === lower) return true;
  return rules.ownRepoPrefixes.some(
    (prefix) => prefix.length > 0 && lower.startsWith(prefix.toLowerCase()) && lower.length > prefix.length,
  );
}

/** Whether an owner as written in a URL is one of the placeholder owners (case-insensitive). */
export function isPlaceholderOwner(owner: string, rules: RewriteRules): boolean {
  if (rules.placeholderOwners.length === 0) return false;
  const lower = owner.toLowerCase();
  return rules.placeholderOwners.some((p) => p.toLowerCase() === lower);
}
