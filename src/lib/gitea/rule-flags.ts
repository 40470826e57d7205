import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { buildRewriteRules, checkGiteaBaseUrl, OWNER_PATTERN, PLACEHOLDER_PATTERN, REGISTRY_PATTERN, type RewriteRules, type RulesLayer } from './rewrite-rules.js';

/**
 * The flags both `gitea rewrite` and `gitea remotes` take to describe the move, and their
 * resolution: defaults < --rules file < flags. Checked by hand rather than with zod: zod costs
 * ~70 ms to load, a quarter of what a whole `gitea rewrite` of a large repository may take; the
 * errors keep the shape every command uses (`--flag: problem`, exit 2).
 */

export function collectValues(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function declareRuleFlags(cmd: Command): Command {
  return cmd
    .option('--rules <file>', 'YAML or JSON rules file (githubOwner, giteaBaseUrl, giteaOwner, renames, knownRepos, placeholderOwners, ...)')
    .option('--github-owner <name>', 'GitHub owner whose URLs move (default Molecule-AI)')
    .option('--gitea-url <url>', 'Gitea base URL, https (plain http only to loopback; default https://git.moleculesai.app)')
    .option('--gitea-owner <name>', 'owner on Gitea, written lowercase (default molecule-ai)')
    .option('--rename <old=new>', 'repo renamed on the way (repeatable; adds to the default molecule-monorepo=molecule-core)', collectValues)
    .option('--image-registry <prefix>', 'registry prefix replacing ghcr.io/<owner> (without it, ghcr images are reported)')
    .option('--rewrite-issue-links', 'also rewrite /pull/<n> and /issues/<n> links (numbering restarted on Gitea: off by default)')
    .option('--placeholder-owner <name>', 'one more placeholder owner (repeatable; adds to your-org, YOUR_ORG, <org>, ...)', collectValues)
    .option('--no-placeholder-owners', 'leave github.com/<placeholder>/<repo> alone even for the organisation\'s own repos')
    .option('--verify-remote', 'check through the Gitea API that every target repository exists (GITEA_TOKEN optional)');
}

export interface RuleFlags {
  verifyRemote: boolean;
}

export async function resolveRewriteRules(options: Record<string, unknown>, cwd: string, extra: RulesLayer = {}): Promise<{ rules: RewriteRules; flags: RuleFlags }> {
  const fromFlags: RulesLayer = { ...extra };
  const owner = matching(options, 'githubOwner', OWNER_PATTERN, 'an owner is letters, digits, "-", "_" or "."');
  if (owner) fromFlags.githubOwner = owner;
  const giteaOwner = matching(options, 'giteaOwner', OWNER_PATTERN, 'an owner is letters, digits, "-", "_" or "."');
  if (giteaOwner) fromFlags.giteaOwner = giteaOwner;
  const giteaUrl = matching(options, 'giteaUrl', /./, 'give a URL');
  if (giteaUrl) fromFlags.giteaBaseUrl = checkGiteaBaseUrl(giteaUrl, '--gitea-url');
  const registry = matching(options, 'imageRegistry', REGISTRY_PATTERN, 'a registry prefix looks like host[:port]/path');
  if (registry) fromFlags.imageRegistry = registry;
  if (options.rewriteIssueLinks === true) fromFlags.rewriteIssueLinks = true;
  const renames = list(options, 'rename', /^[A-Za-z0-9_.-]+=[A-Za-z0-9_.-]+$/, 'write a rename as old=new');
  if (renames.length) fromFlags.renames = Object.fromEntries(renames.map((pair) => pair.split('=') as [string, string]));
  const placeholders = list(options, 'placeholderOwner', PLACEHOLDER_PATTERN, 'a placeholder owner has no spaces, "/", quotes, brackets, "@" or ":"');

  const rulesPath = matching(options, 'rules', /./, 'name a file');
  // zod and yaml are loaded only here, when a rules file is actually given.
  const fromFile = rulesPath ? await (await import('./rules-file.js')).readRulesFile(rulesPath, cwd) : undefined;
  const rules = buildRewriteRules(fromFile, fromFlags);
  if (placeholders.length) rules.placeholderOwners = [...rules.placeholderOwners, ...placeholders];
  if (options.placeholderOwners === false) rules.placeholderOwners = [];
  return { rules, flags: { verifyRemote: options.verifyRemote === true } };
}

/** An optional string flag that must match `pattern`; the error names the flag. */
export function matching(options: Record<string, unknown>, key: string, pattern: RegExp, problem: string): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || !pattern.test(value)) throw new UsageError(`${flagName(key)}: ${problem}`, 'see --help for the accepted values');
  return value;
}

function list(options: Record<string, unknown>, key: string, pattern: RegExp, problem: string): string[] {
  const values = options[key];
  if (values === undefined) return [];
  const items = Array.isArray(values) ? values : [values];
  for (const item of items) if (typeof item !== 'string' || !pattern.test(item)) throw new UsageError(`${flagName(key)}: ${problem}`, 'see --help for the accepted values');
  return items as string[];
}

function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** "2MiB", "512k", "1.5MB", "4096": bytes. */
export function parseByteSize(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(text.trim());
  if (!match) return null;
  const unit = (match[2] ?? 'b').toLowerCase()[0] ?? 'b';
  const factor = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit] ?? 1;
  return Math.round(Number(match[1]) * factor);
}
