import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as z from 'zod/mini';
import '../zod-settings.js';
import { UsageError } from '../errors.js';
import {
  checkGiteaBaseUrl,
  OWNER_PATTERN,
  PLACEHOLDER_PATTERN,
  REGISTRY_PATTERN,
  REPO_PATTERN,
  type RulesLayer,
} from './rewrite-rules.js';

/**
 * The `--rules` file (YAML or JSON). Loaded only when the flag is given (rule-flags.ts imports
 * it lazily), so zod and yaml stay off the path of a plain `gitea rewrite`.
 */

const ownerName = z.string().check(z.regex(OWNER_PATTERN, 'an owner is letters, digits, "-", "_" or "."'));
const repoName = z.string().check(z.regex(REPO_PATTERN, 'a repo name is letters, digits, "-", "_" or "."'));
const variableName = z
  .string()
  .check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name is letters, digits and "_"'));

/** Every field optional, unknown fields refused so typos surface. */
export const rulesFileSchema = z.strictObject({
  githubOwner: z.optional(ownerName),
  giteaBaseUrl: z.optional(z.string()),
  giteaOwner: z.optional(ownerName),
  renames: z.optional(z.record(repoName, repoName)),
  knownRepos: z.optional(z.array(repoName)),
  imageRegistry: z.optional(
    z.string().check(z.regex(REGISTRY_PATTERN, 'a registry prefix looks like host[:port]/path')),
  ),
  rewriteIssueLinks: z.optional(z.boolean()),
  tokenVariable: z.optional(z.strictObject({ from: variableName, to: variableName })),
  rewriteGoFiles: z.optional(z.boolean()),
  placeholderOwners: z.optional(
    z.array(
      z
        .string()
        .check(z.regex(PLACEHOLDER_PATTERN, 'a placeholder owner has no spaces, "/", quotes, brackets, "@" or ":"')),
    ),
  ),
  ownRepoPrefixes: z.optional(
    z.array(z.string().check(z.regex(/^[A-Za-z0-9_.-]+$/, 'a repo prefix is letters, digits, "-", "_" or "."'))),
  ),
});

export type RulesFileContent = z.infer<typeof rulesFileSchema>;

const FIELDS =
  'githubOwner, giteaBaseUrl, giteaOwner, renames, knownRepos, imageRegistry, rewriteIssueLinks, tokenVariable, rewriteGoFiles, placeholderOwners, ownRepoPrefixes';

/** Parses a rules file's already-decoded content (YAML/JSON); throws UsageError naming the field. */
export function parseRulesFile(content: unknown, fileName: string): RulesLayer {
  const parsed = rulesFileSchema.safeParse(content ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(top level)';
    throw new UsageError(
      `rules file ${fileName}: ${where}: ${issue?.message ?? 'invalid'}`,
      `see docs/commands/gitea.md for the rules file fields (${FIELDS})`,
    );
  }
  const layer: RulesLayer = { ...parsed.data };
  if (parsed.data.giteaBaseUrl !== undefined)
    layer.giteaBaseUrl = checkGiteaBaseUrl(parsed.data.giteaBaseUrl, `rules file ${fileName}: giteaBaseUrl`);
  return layer;
}

export async function readRulesFile(path: string, cwd: string): Promise<RulesLayer> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch {
    throw new UsageError(`cannot read the rules file ${path}`, 'check the path given to --rules');
  }
  const { parse } = await import('yaml');
  let content: unknown;
  try {
    content = parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : '';
    throw new UsageError(
      `the rules file ${path} is not valid YAML or JSON: ${detail}`,
      'fix the syntax; see docs/commands/gitea.md for an example',
    );
  }
  return parseRulesFile(content, path);
}
