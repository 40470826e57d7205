import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { parseOptions } from '../cli/parse-options.js';
import { UsageError } from '../errors.js';
import { buildRewriteRules, parseRulesFile, type RewriteRules } from './rewrite-rules.js';

/**
 * The flags both `gitea rewrite` and `gitea remotes` take to describe the move, and their
 * resolution: defaults < --rules file < flags.
 */

export function collectValues(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function declareRuleFlags(cmd: Command): Command {
  return cmd
    .option('--rules <file>', 'YAML or JSON rules file (githubOwner, giteaBaseUrl, giteaOwner, renames, knownRepos, imageRegistry, ...)')
    .option('--github-owner <name>', 'GitHub owner whose URLs move (default Molecule-AI)')
    .option('--gitea-url <url>', 'Gitea base URL (default https://git.moleculesai.app)')
    .option('--gitea-owner <name>', 'owner on Gitea, written lowercase (default molecule-ai)')
    .option('--rename <old=new>', 'repo renamed on the way (repeatable; adds to the default molecule-monorepo=molecule-core)', collectValues)
    .option('--image-registry <prefix>', 'registry prefix replacing ghcr.io/<owner> (without it, ghcr images are reported)')
    .option('--rewrite-issue-links', 'also rewrite /pull/<n> and /issues/<n> links (numbering restarted on Gitea: off by default)')
    .option('--verify-remote', 'check through the Gitea API that every target repository exists (GITEA_TOKEN optional)');
}

const ruleFlagsSchema = z.object({
  rules: z.string().min(1).optional(),
  githubOwner: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'an owner is letters, digits, "-", "_" or "."').optional(),
  giteaUrl: z.string().min(1).optional(),
  giteaOwner: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'an owner is letters, digits, "-", "_" or "."').optional(),
  rename: z.array(z.string().regex(/^[A-Za-z0-9_.-]+=[A-Za-z0-9_.-]+$/, 'write a rename as old=new')).optional(),
  imageRegistry: z.string().regex(/^[a-z0-9.-]+(?::\d+)?(?:\/[a-z0-9._-]+)*$/, 'a registry prefix looks like host[:port]/path').optional(),
  rewriteIssueLinks: z.boolean().optional(),
  verifyRemote: z.boolean().optional(),
});

export type RuleFlags = z.infer<typeof ruleFlagsSchema>;

export async function resolveRewriteRules(options: Record<string, unknown>, cwd: string, extra: Partial<RewriteRules> = {}): Promise<{ rules: RewriteRules; flags: RuleFlags }> {
  const flags = parseOptions(ruleFlagsSchema, pickRuleFlags(options));
  const fromFile = flags.rules ? parseRulesFile(await readRulesFile(flags.rules, cwd), flags.rules) : undefined;
  const fromFlags: Partial<RewriteRules> = { ...extra };
  if (flags.githubOwner) fromFlags.githubOwner = flags.githubOwner;
  if (flags.giteaUrl) fromFlags.giteaBaseUrl = flags.giteaUrl;
  if (flags.giteaOwner) fromFlags.giteaOwner = flags.giteaOwner;
  if (flags.imageRegistry) fromFlags.imageRegistry = flags.imageRegistry;
  if (flags.rewriteIssueLinks) fromFlags.rewriteIssueLinks = true;
  if (flags.rename?.length) fromFlags.renames = Object.fromEntries(flags.rename.map((pair) => pair.split('=') as [string, string]));
  return { rules: buildRewriteRules(fromFile, fromFlags), flags };
}

function pickRuleFlags(options: Record<string, unknown>): Record<string, unknown> {
  const keys = ['rules', 'githubOwner', 'giteaUrl', 'giteaOwner', 'rename', 'imageRegistry', 'rewriteIssueLinks', 'verifyRemote'];
  return Object.fromEntries(keys.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
}

async function readRulesFile(path: string, cwd: string): Promise<unknown> {
  const { resolve } = await import('node:path');
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch {
    throw new UsageError(`cannot read the rules file ${path}`, 'check the path given to --rules');
  }
  const { parse } = await import('yaml');
  try {
    return parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : '';
    throw new UsageError(`the rules file ${path} is not valid YAML or JSON: ${detail}`, 'fix the syntax; see docs/commands/gitea.md for an example');
  }
}

/** "2MiB", "512k", "1.5MB", "4096": bytes. */
export function parseByteSize(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(text.trim());
  if (!match) return null;
  const unit = (match[2] ?? 'b').toLowerCase()[0] ?? 'b';
  const factor = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit] ?? 1;
  return Math.round(Number(match[1]) * factor);
}
