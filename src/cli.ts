import type { Readable } from 'node:stream';
import { commandGroups, commands } from './commands/index.js';
import { watchForClosedOutput } from './cli/closed-output.js';
export { outliveTheTerminal } from './cli/lost-terminal.js';
export { deferExtraCaCertificates } from './lib/http/extra-ca-deferral.js';
import { renderTopLevelHelp } from './lib/cli/top-level-help.js';
import { ExitCode } from './lib/errors.js';
import type { TerminalStream } from './lib/output/output.js';
import { packageVersion } from './lib/package-files.js';

/**
 * Entry point: argv in, exit code out. `molectl --help` and `--version` are answered from the
 * registry alone (top-level-help.ts), before commander or any command is loaded; anything else
 * goes to src/cli/run-command-line.ts, imported only then. This module stays that small: it is
 * all that the top-level help loads.
 */

export interface MainDeps {
  stdout?: TerminalStream;
  stderr?: TerminalStream;
  stdin?: Readable & { isTTY?: boolean };
  /** Process environment; defaults to the real one (read through src/lib/config/env.ts). */
  env?: NodeJS.ProcessEnv;
  /** Aborting it is what Ctrl-C (or SIGTERM, SIGHUP) does. When given, no signal handler is installed. */
  signal?: AbortSignal;
  /** Overrides for the context (tests point clock, exec or fetch at fakes). */
  overrides?: Record<string, unknown>;
}

export async function main(argv: string[], deps: MainDeps = {}): Promise<number> {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const output = watchForClosedOutput(stdout, stderr);
  // The top-level help and the version: nothing to redact, nothing to interrupt.
  const quick = answerWithoutCommander(argv, stdout);
  if (quick !== null) {
    await new Promise<void>((resolve) => stdout.write(quick, () => resolve()));
    return ExitCode.ok;
  }
  const { runCommandLine } = await import('./cli/run-command-line.js');
  return runCommandLine(argv, deps, stdout, stderr, packageVersion(), output);
}

/** `molectl --help` (or `-h`, `help`) and `--version`: answered at once, before commander is loaded. */
export function isQuickAnswer(argv: readonly string[]): boolean {
  return argv.length === 1 && ['--help', '-h', 'help', '--version'].includes(argv[0]!);
}

/**
 * The registry name of the command argv runs ('org list'), '' for none: the first run of words
 * (options and their values aside) that names a command, the longest such. It only picks the
 * compile cache a run uses (bin/compile-cache.js); parsing is commander's, in run-command-line.ts.
 */
export function commandKey(argv: readonly string[]): string {
  const words = argv.filter((arg) => !arg.startsWith('-'));
  for (let start = 0; start < words.length; start++) {
    // Two names that both match from one word on are one a prefix of the other: keep the longer.
    let best = '';
    for (const { name } of commands)
      if (name.length > best.length && name.split(' ').every((part, i) => words[start + i] === part)) best = name;
    if (best) return best;
  }
  return '';
}

/**
 * The text of a quick answer (isQuickAnswer); null for anything else. The help's width follows
 * commander's rule (the terminal's, else 80).
 */
function answerWithoutCommander(argv: string[], stdout: TerminalStream): string | null {
  if (!isQuickAnswer(argv)) return null;
  return quickAnswerText(argv, (stdout.isTTY && stdout.columns ? stdout.columns : undefined) ?? 80);
}

/**
 * The text of a quick answer (isQuickAnswer) at a given width. bin/molectl.js writes it itself
 * when stdout is not a terminal (the width is then 80), without creating process.stdout: the
 * stream and the modules behind it (~3 ms) are most of what `molectl --help` would cost.
 */
export function quickAnswerText(argv: readonly string[], columns: number): string {
  if (argv[0] === '--version') return `${packageVersion()}\n`;
  return renderTopLevelHelp({ commands, commandGroups }, columns);
}
