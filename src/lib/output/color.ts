import type { EnvVars } from '../config/env.js';

export type ColorLevel = 0 | 1 | 2 | 3;

/**
 * Decides colour once per run. chalk alone only looks at the TTY and FORCE_COLOR, so NO_COLOR
 * (https://no-color.org) and --no-color are applied here. Precedence: --no-color > NO_COLOR >
 * FORCE_COLOR > whether the stream is a terminal. JSON output never has colour.
 */
export function resolveColorLevel(args: {
  noColorFlag: boolean;
  json: boolean;
  env: EnvVars;
  isTTY: boolean;
}): ColorLevel {
  if (args.noColorFlag || args.json) return 0;
  if (args.env.NO_COLOR !== undefined && args.env.NO_COLOR !== '') return 0;
  const forced = args.env.FORCE_COLOR;
  if (forced !== undefined) {
    if (forced === '0' || forced === 'false') return 0;
    const level = Number.parseInt(forced, 10);
    return (level >= 1 && level <= 3 ? level : 1) as ColorLevel;
  }
  if (!args.isTTY || args.env.TERM === 'dumb') return 0;
  return 2;
}
