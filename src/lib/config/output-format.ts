import { ConfigError, UsageError } from '../errors.js';
import { echoInput } from '../output/remote-text.js';
import type { Sourced } from './sourced.js';

/**
 * The output format, decided in one place for the whole run with the layering every setting
 * has: --output > MOLECTL_OUTPUT > the config file's `output` > text. src/cli.ts calls this
 * before the command runs and again (errorsAsJson) when it must print an error before the run
 * could be set up, so a usage error comes out as JSON exactly when the run's output would.
 */

export const OUTPUT_FORMATS = ['text', 'json', 'junit', 'markdown'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** What every command prints; verify and fleet audit also render junit and markdown. */
export const DEFAULT_FORMATS: readonly OutputFormat[] = ['text', 'json'];

/**
 * The defaults that apply to every command (MOLECTL_OUTPUT, the config file) may say text or
 * json only: a default of junit would make every other command fail.
 */
const DEFAULT_LAYER_FORMATS: readonly OutputFormat[] = DEFAULT_FORMATS;

export interface FormatLayers {
  flag?: string | undefined;
  env?: string | undefined;
  file?: string | undefined;
  configPath: string;
}

/** The run's format. An unknown or unaccepted --output is exit 2; a bad default is exit 3. */
export function resolveOutputFormat(
  layers: FormatLayers,
  accepted: readonly OutputFormat[] = DEFAULT_FORMATS,
  commandName?: string,
): Sourced<OutputFormat> {
  if (layers.flag !== undefined) {
    if (!accepted.includes(layers.flag as OutputFormat)) {
      const who = commandName ? `molectl ${commandName}` : 'this command';
      const known = (OUTPUT_FORMATS as readonly string[]).includes(layers.flag);
      throw new UsageError(
        known
          ? `--output ${layers.flag}: ${who} does not print ${layers.flag}`
          : `--output: "${echoInput(layers.flag)}" is not an output format`,
        `use ${accepted.map((f) => `--output ${f}`).join(' or ')}`,
      );
    }
    return { value: layers.flag as OutputFormat, source: 'flag', origin: '--output' };
  }
  const fromDefault: Array<[string | undefined, Sourced<OutputFormat>['source'], string]> = [
    [layers.env, 'env', 'MOLECTL_OUTPUT'],
    [layers.file, 'file', `${layers.configPath}: output`],
  ];
  for (const [value, source, origin] of fromDefault) {
    if (value === undefined || value === '') continue;
    if (!DEFAULT_LAYER_FORMATS.includes(value as OutputFormat)) {
      throw new ConfigError(
        `output format "${echoInput(value)}" (from ${origin}) is not one of ${DEFAULT_LAYER_FORMATS.join(', ')}`,
        'set it to text or json',
      );
    }
    return { value: value as OutputFormat, source, origin };
  }
  return { value: 'text', source: 'default', origin: 'built-in' };
}

/**
 * Whether an error is printed as JSON: the same layering, without judging the values. The
 * highest layer that is set decides; an error about a format that is not json prints as text.
 */
export function errorsAsJson(layers: Omit<FormatLayers, 'configPath'>): boolean {
  for (const value of [layers.flag, layers.env, layers.file]) {
    if (value !== undefined && value !== '') return value === 'json';
  }
  return false;
}
