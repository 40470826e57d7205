import { describeDurationMs, parseDurationMs } from '../config/parse-duration.js';
import { findOutputPathProblem } from '../output/check-output-path.js';
import { echoInput } from '../output/remote-text.js';
import { FlagProblem, makeFlag, missing, single, type Common, type Flag } from './flag-declaration.js';

/** The kinds of flag that take one value (or none: switches), for commands to declare with. */

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
  return makeFlag(
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
  return makeFlag(
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
  return makeFlag(
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
  return makeFlag(
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
  return makeFlag(
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
  return makeFlag(flags, description, (raw) => {
    if (raw === undefined) return negated;
    if (typeof raw !== 'boolean') throw new FlagProblem('takes no value');
    return raw;
  });
}

/** A file molectl writes: checked writable when the flags are read, before anything remote. */
export function outputFileFlag(flags: string, description: string): Flag<string | undefined> {
  return makeFlag(flags, description, (raw) => {
    const value = single(raw);
    if (value === undefined) return undefined;
    const problem = findOutputPathProblem(value);
    if (problem) throw new FlagProblem(problem, 'give a file in an existing, writable directory');
    return value;
  });
}

/** A regular expression from the user (`--grep`): bounded in length, compiled now so a bad one is exit 2. */
export function regexFlag(
  flags: string,
  description: string,
  options: { ignoreCaseFrom?: () => boolean } = {},
): Flag<string | undefined> {
  return makeFlag(flags, description, (raw) => {
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
