import { ORG_SLUG_PATTERN } from '../cp/check-org-slug.js';
import {
  argument,
  checkWord,
  EmptyValueProblem,
  FlagProblem,
  makeFlag,
  single,
  type ArgumentSpec,
  type Flag,
} from './flag-declaration.js';

/** The kinds of flag that take several values, and the org-slug rule every flag and argument shares. */

export function orgSlugFlag(flags: string, description: string): Flag<string | undefined> {
  return makeFlag(flags, description, (raw) => {
    const value = single(raw);
    if (value !== undefined) checkWord(value, ORG_SLUG_PATTERN, NOT_A_SLUG);
    return value;
  });
}

/** The message for a word that is not an org slug. */
const NOT_A_SLUG = 'is not an org slug (letters, digits, "-" and "_", like acme-prod)';

/** An argument naming an existing org. */
export function orgSlugArgument(description: string, options: Pick<ArgumentSpec, 'optional'> = {}): ArgumentSpec {
  return argument('slug', description, {
    ...options,
    check: (value) => checkWord(value, ORG_SLUG_PATTERN, NOT_A_SLUG),
  });
}

/**
 * A list of words, comma-separated (`--orgs a,b`), spread over a variadic flag (`--canary a b`)
 * or both; duplicates dropped; each held to `pattern` when given. Absent: undefined; given but
 * naming nothing (`--orgs ,`): a problem.
 */
export function listFlag(
  flags: string,
  description: string,
  options: { pattern?: RegExp; problem?: string; example?: string } = {},
): Flag<string[] | undefined> {
  return makeFlag(flags, description, (raw) => {
    if (raw === undefined) return undefined;
    const given = Array.isArray(raw) ? raw : [raw];
    if (given.some((v) => typeof v !== 'string')) throw new FlagProblem('needs a value');
    if (given.every((v) => String(v).trim() === '')) throw new EmptyValueProblem();
    const words = [
      ...new Set(
        given
          .flatMap((v) => String(v).split(','))
          .map((w) => w.trim())
          .filter(Boolean),
      ),
    ];
    if (words.length === 0)
      throw new FlagProblem(
        'names nothing',
        `give comma-separated values, like ${options.example ?? 'a,b'}; if you passed a shell variable, it is unset or empty`,
      );
    for (const word of words)
      if (options.pattern) checkWord(word, options.pattern, options.problem ?? 'is not accepted');
    return words;
  });
}

/** `--orgs a,b,c`: org slugs, comma-separated, duplicates dropped, at least one. */
export function orgSlugsFlag(flags: string, description: string): Flag<string[] | undefined> {
  return listFlag(flags, description, { pattern: ORG_SLUG_PATTERN, problem: NOT_A_SLUG, example: 'acme,beta' });
}

/** A flag given any number of times (`--include a --include b`); empty values refused, each held to `pattern` when given. */
export function repeatableFlag(
  flags: string,
  description: string,
  options: { pattern?: RegExp; problem?: string } = {},
): Flag<string[]> {
  return makeFlag(
    flags,
    description,
    (raw) => {
      if (raw === undefined) return [];
      const values = Array.isArray(raw) ? raw : [raw];
      return values.map((v) => {
        const value = single(v);
        if (value === undefined) throw new FlagProblem('needs a value');
        if (options.pattern) checkWord(value, options.pattern, options.problem ?? 'is not accepted');
        return value;
      });
    },
    undefined,
    true,
  );
}
