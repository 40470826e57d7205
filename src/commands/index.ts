import type { CommandEntry } from '../lib/cli/command-definition.js';

/**
 * The registry: every command, in the order `molectl --help` lists them. Entries hold only a
 * name, a one-line summary and a loader, so the top-level help loads no command module.
 */
export const commands: CommandEntry[] = [
  { name: 'config show', summary: 'Show the effective configuration and where each value came from', load: async () => (await import('./config-show.js')).configShowCommand },
  { name: 'runs list', summary: 'List the ledgers of mutating runs, newest first', load: async () => (await import('./runs-list.js')).runsListCommand },
  { name: 'runs show', summary: 'Show one run: environment, per-target states and remote ids, events', load: async () => (await import('./runs-show.js')).runsShowCommand },
  { name: 'gitea rewrite', summary: 'Rewrite GitHub URLs to Gitea across a repository (dry run, --write, --check for CI)', load: async () => (await import('./gitea-rewrite.js')).giteaRewriteCommand },
  { name: 'gitea remotes', summary: 'Rewrite the git remote URLs of local clones from GitHub to Gitea', load: async () => (await import('./gitea-remotes.js')).giteaRemotesCommand },
];

/** One-line descriptions of the command groups (`molectl org --help`). */
export const commandGroups: Record<string, string> = {
  config: 'Inspect molectl\'s configuration',
  runs: 'List and inspect the ledgers of mutating runs',
  org: 'Create, list, inspect and delete customer orgs through the CP',
  fleet: 'Look across the tenant fleet',
  migrate: 'Fleet migrations over SSM',
  'migrate cp-secret': 'Put the CP shared secret into pre-cutover tenants',
  secrets: 'Inspect, set and rotate the fleet\'s shared secrets',
  gitea: 'Move GitHub URLs and remotes to Gitea',
  sandbox: 'Run a simulated Molecule platform on loopback',
};
