import { type ParsedFlags } from '../cli/flag-declaration.js';
import { switchFlag, textFlag } from '../cli/flags.js';
import { repeatableFlag } from '../cli/list-flags.js';
import {
  buildRewriteRules,
  checkGiteaBaseUrl,
  OWNER_PATTERN,
  PLACEHOLDER_PATTERN,
  REGISTRY_PATTERN,
  type RewriteRules,
  type RulesLayer,
} from './rewrite-rules.js';

/**
 * The flags both `gitea rewrite` and `gitea remotes` take to describe the move, and their
 * resolution: defaults < --rules file < flags. No zod on this path: zod costs ~70 ms to load, a
 * quarter of what a whole `gitea rewrite` of a large repository may take.
 */
const OWNER = { pattern: OWNER_PATTERN, what: 'an owner (letters, digits, "-", "_" or ".")' };

export const ruleFlags = {
  rules: textFlag(
    '--rules <file>',
    'YAML or JSON rules file (githubOwner, giteaBaseUrl, giteaOwner, renames, knownRepos, placeholderOwners, ...)',
  ),
  githubOwner: textFlag('--github-owner <name>', 'GitHub owner whose URLs move (default Molecule-AI)', OWNER),
  giteaUrl: textFlag(
    '--gitea-url <url>',
    'Gitea base URL, https (plain http only to loopback; default https://git.moleculesai.app)',
  ),
  giteaOwner: textFlag('--gitea-owner <name>', 'owner on Gitea, written lowercase (default molecule-ai)', OWNER),
  rename: repeatableFlag(
    '--rename <old=new>',
    'repo renamed on the way (repeatable; adds to the default molecule-monorepo=molecule-core)',
    {
      pattern: /^[A-Za-z0-9_.-]+=[A-Za-z0-9_.-]+$/,
      problem: 'is not a rename; write it as old=new',
    },
  ),
  imageRegistry: textFlag(
    '--image-registry <prefix>',
    'registry prefix replacing ghcr.io/<owner> (without it, ghcr images are reported)',
    {
      pattern: REGISTRY_PATTERN,
      what: 'a registry prefix (host[:port]/path)',
    },
  ),
  rewriteIssueLinks: switchFlag(
    '--rewrite-issue-links',
    'also rewrite /pull/<n> and /issues/<n> links (numbering restarted on Gitea: off by default)',
  ),
  placeholderOwner: repeatableFlag(
    '--placeholder-owner <name>',
    'one more placeholder owner (repeatable; adds to your-org, YOUR_ORG, <org>, ...)',
    {
      pattern: PLACEHOLDER_PATTERN,
      problem: 'is not a placeholder owner (no spaces, "/", quotes, brackets, "@" or ":")',
    },
  ),
  placeholderOwners: switchFlag(
    '--no-placeholder-owners',
    "leave github.com/<placeholder>/<repo> alone even for the organisation's own repos",
  ),
  verifyRemote: switchFlag(
    '--verify-remote',
    'check through the Gitea API that every target repository exists (GITEA_TOKEN optional)',
  ),
};

export type RuleFlagValues = ParsedFlags<typeof ruleFlags>;

export async function resolveRewriteRules(
  options: RuleFlagValues,
  cwd: string,
  extra: RulesLayer = {},
): Promise<RewriteRules> {
  const fromFlags: RulesLayer = { ...extra };
  if (options.githubOwner) fromFlags.githubOwner = options.githubOwner;
  if (options.giteaOwner) fromFlags.giteaOwner = options.giteaOwner;
  if (options.giteaUrl) fromFlags.giteaBaseUrl = checkGiteaBaseUrl(options.giteaUrl, '--gitea-url');
  if (options.imageRegistry) fromFlags.imageRegistry = options.imageRegistry;
  if (options.rewriteIssueLinks) fromFlags.rewriteIssueLinks = true;
  if (options.rename.length)
    fromFlags.renames = Object.fromEntries(options.rename.map((pair) => pair.split('=') as [string, string]));
  // zod and yaml are loaded only here, when a rules file is actually given.
  const fromFile = options.rules
    ? await (await import('./rules-file.js')).readRulesFile(options.rules, cwd)
    : undefined;
  const rules = buildRewriteRules(fromFile, fromFlags);
  if (options.placeholderOwner.length)
    rules.placeholderOwners = [...rules.placeholderOwners, ...options.placeholderOwner];
  if (!options.placeholderOwners) rules.placeholderOwners = [];
  return rules;
}

/** "2MiB", "512k", "1.5MB", "4096": bytes. */
export function parseByteSize(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(text.trim());
  if (!match) return null;
  const unit = (match[2] ?? 'b').toLowerCase()[0] ?? 'b';
  const factor = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit] ?? 1;
  return Math.round(Number(match[1]) * factor);
}
