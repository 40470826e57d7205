import { ORG_SLUG_PATTERN } from '../cp/check-org-slug.js';
import { UsageError } from '../errors.js';
import { findOutputPathProblem } from '../output/check-output-path.js';
import { echoInput } from '../output/remote-text.js';
import { describeDurationMs, parseDurationMs } from '../config/parse-duration.js';

/**
 * One declaration per flag. A command lists its flags once, each with its spelling, its help
 * text, its default and its parser; src/cli.ts turns the list into commander options (so help
 * and defaults come from here) and parses every value once, before the command runs, into the
 * typed options the command receives. No zod here: parsing flags must not cost a command the
 * ~100 ms zod takes to load.
 *
 * Parsing is strict and the same everywhere: an empty value, `0x10` for a count, an unknown
 * choice, a value out of bounds are usage errors (exit 2) naming the flag and the fix.
 */

/** What commander hands over for one option. */
export type RawFlagValue = string | boolean | string[] | undefined;

export interface Flag<T> {
  /** Commander's spelling: `--max-errors <n>`, `--dry-run`, `--no-wait`, `-o, --output <format>`. */
  readonly flags: string;
  readonly description: string;
  /** Shown in help as "(default: ...)", when there is one. */
  readonly defaultText?: string;
  /** Given any number of times (`--report-file a --report-file b`); the values arrive as a list. */
  readonly repeatable?: boolean;
  /** The typed value, or a FlagProblem naming what is wrong (without the flag's name). */
  parse(raw: RawFlagValue): T;
}

/** A positional argument: `<slug>`, `[path...]`. */
export interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
  /** Absent arguments are allowed (default: required). */
  readonly optional?: boolean;
  /** Takes every remaining word. */
  readonly variadic?: boolean;
  /** Throws a FlagProblem for a value it refuses; parseArguments names the argument. */
  check?(value: string): void;
}

/** A value a flag cannot take; parseFlags adds the flag's name and turns it into a UsageError. */
export class FlagProblem extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/**
 * An empty value (`--summary-md ""`). Almost always a shell variable that is unset: said so,
 * because running on would quietly drop what the flag was meant to do (a summary never
 * written, a filter that selects everything, a default environment instead of the one meant).
 */
export class EmptyValueProblem extends FlagProblem {
  constructor() {
    super('is empty');
  }
}

/** The usage error for a flag, argument or global option (`name`) whose value was refused. */
export function valueProblemError(name: string, problem: FlagProblem, fallbackHint: string): UsageError {
  if (problem instanceof EmptyValueProblem) {
    const isArgument = name.startsWith('<');
    const given = isArgument ? '"$VAR"' : `${name} "$VAR"`;
    return new UsageError(
      `${name} is empty`,
      `a shell variable given as its value (${given}) is unset or empty; ${isArgument ? 'set it' : 'set it, or leave the flag out'}`,
    );
  }
  return new UsageError(`${name}: ${problem.message}`, problem.hint ?? fallbackHint);
}

/**
 * Global options that take a value (`--env "$TARGET_ENV"`): an empty one is refused here rather
 * than read as absent, which would quietly fall back to the default environment or region.
 */
export function checkGlobalValues(values: Record<string, unknown>, spellings: Record<string, string>): void {
  for (const [key, spelling] of Object.entries(spellings)) {
    const value = values[key];
    if (typeof value === 'string' && value.trim() === '')
      throw valueProblemError(spelling, new EmptyValueProblem(), 'see --help');
  }
}

export type FlagSpecs = Record<string, Flag<unknown>>;
export type ParsedFlags<S extends FlagSpecs> = { [K in keyof S]: S[K] extends Flag<infer T> ? T : never };

/** The `--long-name` of a flag, for messages. */
export function flagName(flag: Pick<Flag<unknown>, 'flags'>): string {
  return /--[a-z0-9-]+/.exec(flag.flags)?.[0] ?? flag.flags;
}

/** Parses every flag of a command; the first problem is a UsageError naming the flag. */
export function parseFlags<S extends FlagSpecs>(specs: S, raw: Record<string, RawFlagValue>): ParsedFlags<S> {
  const out: Record<string, unknown> = {};
  for (const [key, flag] of Object.entries(specs)) {
    try {
      out[key] = flag.parse(raw[key]);
    } catch (error) {
      if (!(error instanceof FlagProblem)) throw error;
      throw valueProblemError(flagName(flag), error, 'see --help for the accepted values');
    }
  }
  return out as ParsedFlags<S>;
}

/** Checks the positional arguments; the first problem is a UsageError naming the argument. */
export function parseArguments(specs: readonly ArgumentSpec[], values: readonly unknown[]): string[] {
  const out: string[] = [];
  specs.forEach((spec, i) => {
    const given = spec.variadic ? values.slice(i).flat() : [values[i]];
    for (const value of given) {
      if (value === undefined) continue;
      const text = String(value);
      try {
        if (text.trim() === '') throw new EmptyValueProblem();
        spec.check?.(text);
      } catch (error) {
        if (!(error instanceof FlagProblem)) throw error;
        throw valueProblemError(`<${spec.name}>`, error, 'see --help for what it accepts');
      }
      out.push(text);
    }
  });
  return out;
}

export function argument(
  name: string,
  description: string,
  options: Omit<ArgumentSpec, 'name' | 'description'> = {},
): ArgumentSpec {
  return { name, description, ...options };
}

interface Common<T> {
  /** Applied when the flag is absent (and shown in help). */
  default?: T;
}

/** The value of a flag that takes one, or the problem with it: absent, repeated or empty. */
function single(raw: RawFlagValue): string | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) return single(raw.at(-1));
  if (typeof raw !== 'string') throw new FlagProblem('needs a value');
  if (raw.trim() === '') throw new EmptyValueProblem();
  return raw;
}

function make<T>(
  flags: string,
  description: string,
  parse: (raw: RawFlagValue) => T,
  defaultText?: string,
  repeatable = false,
): Flag<T> {
  return {
    flags,
    description,
    parse,
    ...(defaultText === undefined ? {} : { defaultText }),
    ...(repeatable ? { repeatable } : {}),
  };
}

/** The problem with a required flag that is absent. */
function missing(): never {
  throw new FlagProblem('this flag is required', 'see --help for what it takes');
}

interface TextOptions {
  pattern?: RegExp;
  /** What a value must look like, for the message when `pattern` refuses one. */
  what?: string;
  maxLength?: number;
}

/** A text value, optionally held to a pattern. */
export function textFlag(
  flags: string,
  description: string,
  options: TextOptions & ({ default: string } | { required: true }),
): Flag<string>;
export function textFlag(flags: string, description: string, options?: TextOptions): Flag<string | undefined>;
export function textFlag(
  flags: string,
  description: string,
  options: TextOptions & { default?: string; required?: boolean } = {},
): Flag<string | undefined> {
  const maxLength = options.maxLength ?? 1000;
  return make(
    flags,
    description,
    (raw) => {
      const value = single(raw);
      if (value === undefined) return options.required ? missing() : options.default;
      if (value.length > maxLength) throw new FlagProblem(`is ${value.length} characters long; at most ${maxLength}`);
      if (options.pattern && !options.pattern.test(value))
        throw new FlagProblem(`"${echoInput(value)}" is not ${options.what ?? 'an accepted value'}`);
      return value;
    },
    options.default,
  );
}

/** A whole number within bounds: plain decimal digits only (`0x10`, `1e3`, `2.0` are refused). */
export function countFlag(
  flags: string,
  description: string,
  bounds: { min: number; max: number; why?: string; default: number },
): Flag<number>;
export function countFlag(
  flags: string,
  description: string,
  bounds: { min: number; max: number; why?: string },
): Flag<number | undefined>;
export function countFlag(
  flags: string,
  description: string,
  bounds: { min: number; max: number; why?: string } & Common<number>,
): Flag<number | undefined> {
  return make(
    flags,
    description,
    (raw) => {
      const value = single(raw);
      if (value === undefined) return bounds.default;
      const text = value.trim();
      if (!/^\d{1,12}$/.test(text))
        throw new FlagProblem(`"${echoInput(value)}" is not a whole number (digits only, like ${bounds.min})`);
      const n = Number(text);
      if (n < bounds.min || n > bounds.max)
        throw new FlagProblem(`must be between ${bounds.min} and ${bounds.max}${bounds.why ? ` (${bounds.why})` : ''}`);
      return n;
    },
    bounds.default === undefined ? undefined : String(bounds.default),
  );
}

/** A duration (`90s`, `15m`, `2h`, `1d`, or seconds) within bounds, as milliseconds. */
export function durationFlag(
  flags: string,
  description: string,
  bounds: { minMs: number; maxMs: number } & ({ default: string } | { required: true }),
): Flag<number>;
export function durationFlag(
  flags: string,
  description: string,
  bounds: { minMs: number; maxMs: number },
): Flag<number | undefined>;
export function durationFlag(
  flags: string,
  description: string,
  bounds: { minMs: number; maxMs: number; default?: string; required?: boolean },
): Flag<number | undefined> {
  const parse = (value: string): number => {
    const ms = parseDurationMs(value);
    if (ms === null) throw new FlagProblem(`"${echoInput(value)}" is not a duration; write it like 90s, 15m, 2h or 1d`);
    if (ms < bounds.minMs) throw new FlagProblem(`must be at least ${describeDurationMs(bounds.minMs)}`);
    if (ms > bounds.maxMs) throw new FlagProblem(`must be at most ${describeDurationMs(bounds.maxMs)}`);
    return ms;
  };
  return make(
    flags,
    description,
    (raw) => {
      const value = single(raw);
      if (value !== undefined) return parse(value);
      if (bounds.required) missing();
      return bounds.default === undefined ? undefined : parse(bounds.default);
    },
    bounds.default,
  );
}

/** One of a fixed set of words. */
export function choiceFlag<const C extends string>(
  flags: string,
  description: string,
  choices: readonly C[],
  options: { default: C },
): Flag<C>;
export function choiceFlag<const C extends string>(
  flags: string,
  description: string,
  choices: readonly C[],
): Flag<C | undefined>;
export function choiceFlag<const C extends string>(
  flags: string,
  description: string,
  choices: readonly C[],
  options: Common<C> = {},
): Flag<C | undefined> {
  return make(
    flags,
    description,
    (raw) => {
      const value = single(raw);
      if (value === undefined) return options.default;
      if (!(choices as readonly string[]).includes(value))
        throw new FlagProblem(`"${echoInput(value)}" is not one of ${choices.join(', ')}`);
      return value as C;
    },
    options.default,
  );
}

/**
 * A flag whose value only its command can judge (a byte size, `all` or a count): `parse` gets
 * the value, never empty, and throws a FlagProblem for one it refuses. Absent: the default,
 * parsed the same way, or undefined.
 */
export function customFlag<T>(
  flags: string,
  description: string,
  parse: (value: string) => T,
  options: { default: string },
): Flag<T>;
export function customFlag<T>(flags: string, description: string, parse: (value: string) => T): Flag<T | undefined>;
export function customFlag<T>(
  flags: string,
  description: string,
  parse: (value: string) => T,
  options: { default?: string } = {},
): Flag<T | undefined> {
  return make(
    flags,
    description,
    (raw) => {
      const value = single(raw) ?? options.default;
      return value === undefined ? undefined : parse(value);
    },
    options.default,
  );
}

/** A switch: `--dry-run` (false unless given) or `--no-wait` (true unless negated). */
export function switchFlag(flags: string, description: string): Flag<boolean> {
  const negated = /^--no-/.test(flags.trim());
  return make(flags, description, (raw) => {
    if (raw === undefined) return negated;
    if (typeof raw !== 'boolean') throw new FlagProblem('takes no value');
    return raw;
  });
}

export function orgSlugFlag(flags: string, description: string): Flag<string | undefined> {
  return make(flags, description, (raw) => {
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

function checkWord(value: string, pattern: RegExp, problem: string): void {
  if (!pattern.test(value)) throw new FlagProblem(`"${echoInput(value)}" ${problem}`);
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
  return make(flags, description, (raw) => {
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

/** A file molectl writes: checked writable when the flags are read, before anything remote. */
export function outputFileFlag(flags: string, description: string): Flag<string | undefined> {
  return make(flags, description, (raw) => {
    const value = single(raw);
    if (value === undefined) return undefined;
    const problem = findOutputPathProblem(value);
    if (problem) throw new FlagProblem(problem, 'give a file in an existing, writable directory');
    return value;
  });
}

/** A flag given any number of times (`--include a --include b`); empty values refused, each held to `pattern` when given. */
export function repeatableFlag(
  flags: string,
  description: string,
  options: { pattern?: RegExp; problem?: string } = {},
): Flag<string[]> {
  return make(
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

/** A regular expression from the user (`--grep`): bounded in length, compiled now so a bad one is exit 2. */
export function regexFlag(
  flags: string,
  description: string,
  options: { ignoreCaseFrom?: () => boolean } = {},
): Flag<string | undefined> {
  return make(flags, description, (raw) => {
    const value = single(raw);
    if (value === undefined) return undefined;
    if (value.length > 500) throw new FlagProblem(`is ${value.length} characters long; a pattern may have at most 500`);
    try {
      new RegExp(value, options.ignoreCaseFrom?.() ? 'i' : '');
    } catch (error) {
      throw new FlagProblem(
        `is not a valid regular expression (${(error as Error).message.replace(/^Invalid regular expression: /, '')})`,
      );
    }
    return value;
  });
}
