import type { Command } from 'commander';
import type { Context } from '../context.js';

/**
 * What a command file exports. `declare` runs whenever the command is named on the command
 * line (also for its --help); `run` only when it executes. Command files are loaded lazily by
 * src/cli.ts, so what they import never slows `molectl --help`.
 */
export interface CommandDefinition {
  /** Arguments, options, description and examples on the commander command. */
  declare(cmd: Command): void;
  /** Validates input, does the work through ctx, prints the result; returns the exit code. */
  run(ctx: Context, input: CommandInput): Promise<number>;
}

export interface CommandInput {
  args: string[];
  /** The command's own options, as commander parsed them (validated by the command). */
  options: Record<string, unknown>;
}

/** An entry of the registry in src/commands/index.ts: enough for the top-level help, nothing more. */
export interface CommandEntry {
  /** Space-separated path, e.g. 'org create'. */
  name: string;
  summary: string;
  load(): Promise<CommandDefinition>;
}

/** Adds an "Examples:" section to a command's help. Every command has one. */
export function addExamples(cmd: Command, examples: Array<[command: string, explanation: string]>): Command {
  const width = Math.max(...examples.map(([c]) => c.length));
  const lines = examples.map(([c, e]) => `  $ ${c.padEnd(width)}  # ${e}`);
  return cmd.addHelpText('after', `\nExamples:\n${lines.join('\n')}\n`);
}
