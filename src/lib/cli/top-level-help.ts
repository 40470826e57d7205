import type { CommandEntry } from './command-definition.js';
import { formatHelpItem, wrapText } from './help-layout.js';

/**
 * The program's own words (description, global options, the text after the help), shared by
 * src/cli.ts, which gives them to commander, and by renderTopLevelHelp, which prints
 * `molectl --help` without loading commander at all: commander alone costs about a quarter of
 * node's own start-up, against a budget of 1.3x `node -e 0` for the top-level help (issue 16).
 * test/lib/cli/top-level-help.test.ts holds the two renderings equal, at several widths.
 */

export const PROGRAM_DESCRIPTION =
  'Operate the Molecule AI tenant fleet: orgs, secrets, migrations, consoles, verification.';

export const VERSION_OPTION = { flags: '--version', description: 'print the version and exit' } as const;

export const GLOBAL_OPTIONS: ReadonlyArray<{ flags: string; description: string }> = [
  {
    flags: '--env <name>',
    description: 'target environment: production, staging, sandbox, or one from the config file',
  },
  { flags: '--cp-url <url>', description: "control plane URL, overriding the environment's" },
  { flags: '--profile <name>', description: 'AWS profile' },
  { flags: '--region <region>', description: 'AWS region' },
  { flags: '-o, --output <format>', description: 'output format: text or json' },
  { flags: '--no-color', description: 'disable colour (NO_COLOR is honoured too)' },
  { flags: '-q, --quiet', description: 'print results only: no progress, no hints' },
  { flags: '-v, --verbose', description: 'print more detail about each step' },
  { flags: '--debug', description: 'print debugging detail and stack traces' },
  { flags: '-y, --yes', description: 'answer yes to confirmations for targets named on the command line' },
];

export const PROGRAM_HELP_AFTER =
  '\nRun `molectl <command> --help` for a command\'s options and examples.\nTry it without AWS: eval "$(molectl sandbox up --detach)" and then any command.\nExit codes: 0 ok, 1 failed, 2 usage, 3 credentials/config, 4 not found, 5 partial, 8 changes found, 130 interrupted.\n';

/** Commander's built-in help option and help command, as it words them. */
const HELP_OPTION = { flags: '-h, --help', description: 'display help for command' };
const HELP_COMMAND = { term: 'help [command]', description: 'display help for command' };
/** `molectl --help` exactly as commander formats it (configured with help-layout.ts), for a terminal `width` columns wide. */
export function renderTopLevelHelp(
  registry: { commands: CommandEntry[]; commandGroups: Record<string, string> },
  width = 80,
): string {
  const { commands, commandGroups } = registry;
  const options = [VERSION_OPTION, ...GLOBAL_OPTIONS, HELP_OPTION].map((o) => ({
    term: o.flags,
    description: o.description,
  }));
  const words: Array<{ term: string; description: string }> = [];
  for (const entry of commands) {
    const word = entry.name.split(' ')[0]!;
    if (words.some((w) => w.term === word)) continue;
    words.push({ term: word, description: entry.name === word ? entry.summary : (commandGroups[word] ?? '') });
  }
  words.push(HELP_COMMAND);
  const termWidth = Math.max(...[...options, ...words].map((i) => i.term.length));
  const item = (i: { term: string; description: string }): string =>
    formatHelpItem(i.term, termWidth, i.description, width);
  const lines = [
    'Usage: molectl [options] [command]',
    '',
    wrapText(PROGRAM_DESCRIPTION, width),
    '',
    'Options:',
    ...options.map(item),
    '',
    'Commands:',
    ...words.map(item),
    '',
  ];
  return `${lines.join('\n')}${wrapText(PROGRAM_HELP_AFTER, width)}\n`;
}
