import { UsageError } from '../errors.js';
import { echoInput } from '../output/remote-text.js';

/**
 * One declaration per flag. A command lists its flags once, each with its spelling, its help
 * text, its default and its parser; src/cli turns the list into commander options (so help
 * and defaults come from here) and parses every value once, before the command runs, into the
 * typed options the command receives. No zod here: parsing flags must not cost a command the
 * ~100 ms zod takes to load.
 *
 * Parsing is strict and the same everywhere: an empty value, `0x10` for a count, an unknown
 * choice, a value out of bounds are usage errors (exit 2) naming the flag and the fix. The kinds
 * of flag are in flags.ts (one value) and list-flags.ts (several values, org slugs).
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

export interface Common<T> {
  /** Applied when the flag is absent (and shown in help). */
  default?: T;
}

/** The value of a flag that takes one, or the problem with it: absent, repeated or empty. */
export function single(raw: RawFlagValue): string | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) return single(raw.at(-1));
  if (typeof raw !== 'string') throw new FlagProblem('needs a value');
  if (raw.trim() === '') throw new EmptyValueProblem();
  return raw;
}

export function makeFlag<T>(
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
export function missing(): never {
  throw new FlagProblem('this flag is required', 'see --help for what it takes');
}

/** Refuses a word that does not match `pattern`, quoting it (shortened, controls escaped). */
export function checkWord(value: string, pattern: RegExp, problem: string): void {
  if (!pattern.test(value)) throw new FlagProblem(`"${echoInput(value)}" ${problem}`);
}
