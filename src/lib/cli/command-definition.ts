import type { Command } from 'commander';
import type { Context } from '../context.js';
import type { ConfirmHow } from './confirm-change.js';

/**
 * What a command file exports. `declare` runs whenever the command is named on the command
 * line (also for its --help); `run` only when it executes. Command files are loaded lazily by
 * src/cli.ts, so what they import never slows `molectl --help`.
 */
export interface CommandDefinition {
  /** Arguments, options, description and examples on the commander command. */
  declare(cmd: Command): void;
  /**
   * Destructive and fleet-wide commands: how this invocation is confirmed, or null when it
   * changes nothing (a dry run). src/cli.ts checks that it can be confirmed before the command
   * runs, so a run that could never be confirmed stops with exit 2 before any remote call.
   */
  confirmation?(input: CommandInput): ConfirmHow | null;
  /** Validates input, does the work through ctx, prints the result; returns the exit code. */
  run(ctx: Context, input: CommandInput): Promise<number>;
}

export interface CommandInput {
  args: string[];
  /** The command's own options, as commander parsed them (validated by the command). */
  options: Record<string, unknown>;
}

/**
 * What a command does to the world. `destructive`: changes or removes what exists, or acts
 * fleet-wide; it must declare `confirmation` (a registry test holds every such command to the
 * confirmation rule). `additive`: creates something new and names it (org create). `local`:
 * changes files or processes on this machine only. `read-only`: changes nothing.
 */
export type CommandSafety = 'read-only' | 'local' | 'additive' | 'destructive';

/** An entry of the registry in src/commands/index.ts: enough for the top-level help, nothing more. */
export interface CommandEntry {
  /** Space-separated path, e.g. 'org create'. */
  name: string;
  summary: string;
  safety: CommandSafety;
  load(): Promise<CommandDefinition>;
}

/** Adds an "Examples:" section to a command's help. Every command has one. */
export function addExamples(cmd: Command, examples: Array<[command: string, explanation: string]>): Command {
  const width = Math.max(...examples.map(([c]) => c.length));
  const lines = examples.map(([c, e]) => `  $ ${c.padEnd(width)}  # ${e}`);
  return cmd.addHelpText('after', `\nExamples:\n${lines.join('\n')}\n`);
}
