import type { CommandEntry } from '../lib/cli/command-definition.js';

/**
 * The registry: every command, in the order `molectl --help` lists them. Entries hold only a
 * name, a one-line summary and a loader, so the top-level help loads no command module.
 */
export const commands: CommandEntry[] = [
  {
    name: 'doctor',
    safety: 'read-only',
    summary: 'Check configuration, CP health and token, AWS identity and SSM access',
    load: async () => (await import('./doctor.js')).doctorCommand,
  },
  {
    name: 'verify',
    safety: 'read-only',
    summary: 'Run the post-deploy checklist (CP, deploys, image, canaries); text, JSON, JUnit or Markdown',
    load: async () => (await import('./verify.js')).verifyCommand,
  },
  {
    name: 'config show',
    safety: 'read-only',
    summary: 'Show the effective configuration and where each value came from',
    load: async () => (await import('./config-show.js')).configShowCommand,
  },
  {
    name: 'runs list',
    safety: 'read-only',
    summary: 'List the ledgers of mutating runs, newest first',
    load: async () => (await import('./runs-list.js')).runsListCommand,
  },
  {
    name: 'runs show',
    safety: 'read-only',
    summary: 'Show one run: environment, per-target states and remote ids, events',
    load: async () => (await import('./runs-show.js')).runsShowCommand,
  },
  {
    name: 'org create',
    safety: 'additive',
    summary: 'Create an org through the CP and wait until it runs and its tenant is healthy',
    load: async () => (await import('./org-create.js')).orgCreateCommand,
  },
  {
    name: 'org list',
    safety: 'read-only',
    summary: 'List orgs with instance_status and age (filter by status, age, prefix)',
    load: async () => (await import('./org-list.js')).orgListCommand,
  },
  {
    name: 'org show',
    safety: 'read-only',
    summary: 'Show an org: CP row, tagged instances, edge answer, admin token secret (never its value)',
    load: async () => (await import('./org-show.js')).orgShowCommand,
  },
  {
    name: 'org delete',
    safety: 'destructive',
    summary: 'Delete an org through the CP cascade after a typed confirmation, then verify it is gone',
    load: async () => (await import('./org-delete.js')).orgDeleteCommand,
  },
  {
    name: 'org gc',
    safety: 'destructive',
    summary: 'Bulk-delete stale test orgs by prefix and age (dry run unless --execute)',
    load: async () => (await import('./org-gc.js')).orgGcCommand,
  },
  {
    name: 'fleet orphans',
    safety: 'read-only',
    summary: 'Find CP-managed instances whose org is gone from the CP (report only)',
    load: async () => (await import('./fleet-orphans.js')).fleetOrphansCommand,
  },
  {
    name: 'fleet audit',
    safety: 'read-only',
    summary:
      'Read-only security and drift audit of the fleet: secrets, tokens, consoles, ports, IMDS, orphans, images, agents; text, JSON, JUnit or Markdown',
    load: async () => (await import('./fleet-audit.js')).fleetAuditCommand,
  },
  {
    name: 'console',
    safety: 'read-only',
    summary: "Show an instance's serial console (org slug, instance id or workspace id), redacted, with likely causes",
    load: async () => (await import('./console.js')).consoleCommand,
  },
  {
    name: 'logs',
    safety: 'read-only',
    summary: "Show a tenant's container logs through SSM, whole (past SSM's output cap), redacted, with likely causes",
    load: async () => (await import('./logs.js')).logsCommand,
  },
  {
    name: 'secrets list',
    safety: 'read-only',
    summary: 'List the configured secrets: Secrets Manager id, versions and stages, last change, consumers',
    load: async () => (await import('./secrets-list.js')).secretsListCommand,
  },
  {
    name: 'secrets status',
    safety: 'read-only',
    summary: "Show a secret's versions (fingerprints, never values) and which version each consumer holds",
    load: async () => (await import('./secrets-status.js')).secretsStatusCommand,
  },
  {
    name: 'secrets put',
    safety: 'destructive',
    summary: 'Store a secret value from a file or stdin (never a flag), read it back and compare fingerprints',
    load: async () => (await import('./secrets-put.js')).secretsPutCommand,
  },
  {
    name: 'secrets rotate',
    safety: 'destructive',
    summary:
      'Rotate a secret: AWSPENDING, consumers set and tested in order, finish; put back on failure; --resume, --abort-pending',
    load: async () => (await import('./secrets-rotate.js')).secretsRotateCommand,
  },
  {
    name: 'secrets rollback',
    safety: 'destructive',
    summary: 'Move a secret and its consumers back to AWSPREVIOUS',
    load: async () => (await import('./secrets-rollback.js')).secretsRollbackCommand,
  },
  {
    name: 'gitea rewrite',
    safety: 'local',
    summary: 'Rewrite GitHub URLs to Gitea across a repository (dry run, --write, --check for CI)',
    load: async () => (await import('./gitea-rewrite.js')).giteaRewriteCommand,
  },
  {
    name: 'gitea remotes',
    safety: 'local',
    summary: 'Rewrite the git remote URLs of local clones from GitHub to Gitea',
    load: async () => (await import('./gitea-remotes.js')).giteaRemotesCommand,
  },
  {
    name: 'migrate cp-secret plan',
    safety: 'read-only',
    summary: 'Read-only: classify which tenants need the CP shared secret',
    load: async () => (await import('./migrate-cp-secret-plan.js')).migrateCpSecretPlanCommand,
  },
  {
    name: 'migrate cp-secret apply',
    safety: 'destructive',
    summary: 'Put the CP shared secret into tenants: canary, soak, waves, verified, durable',
    load: async () => (await import('./migrate-cp-secret-apply.js')).migrateCpSecretApplyCommand,
  },
  {
    name: 'migrate cp-secret status',
    safety: 'read-only',
    summary: 'Per-tenant state of an apply or rollback run',
    load: async () => (await import('./migrate-cp-secret-status.js')).migrateCpSecretStatusCommand,
  },
  {
    name: 'migrate cp-secret resume',
    safety: 'destructive',
    summary: 'Continue an interrupted, killed or aborted apply run',
    load: async () => (await import('./migrate-cp-secret-resume.js')).migrateCpSecretResumeCommand,
  },
  {
    name: 'migrate cp-secret rollback',
    safety: 'destructive',
    summary: 'Undo an apply run on the tenants it migrated',
    load: async () => (await import('./migrate-cp-secret-rollback.js')).migrateCpSecretRollbackCommand,
  },
  {
    name: 'migrate cp-secret script',
    safety: 'read-only',
    summary: 'Print the on-tenant script for review',
    load: async () => (await import('./migrate-cp-secret-script.js')).migrateCpSecretScriptCommand,
  },
  {
    name: 'sandbox up',
    safety: 'local',
    summary: 'Start the simulated platform on loopback and print the environment that targets it',
    load: async () => (await import('./sandbox-up.js')).sandboxUpCommand,
  },
  {
    name: 'sandbox status',
    safety: 'read-only',
    summary: 'Show whether a sandbox is running, where, and with which faults',
    load: async () => (await import('./sandbox-status.js')).sandboxStatusCommand,
  },
  {
    name: 'sandbox down',
    safety: 'local',
    summary: 'Stop the background sandbox',
    load: async () => (await import('./sandbox-down.js')).sandboxDownCommand,
  },
];

/** One-line descriptions of the command groups (`molectl org --help`). */
export const commandGroups: Record<string, string> = {
  config: "Inspect molectl's configuration",
  runs: 'List and inspect the ledgers of mutating runs',
  org: 'Create, list, inspect and delete customer orgs through the CP',
  fleet: 'Look across the tenant fleet',
  migrate: 'Fleet migrations over SSM',
  'migrate cp-secret': 'Put the CP shared secret into pre-cutover tenants',
  secrets: "Inspect, set and rotate the fleet's shared secrets",
  gitea: 'Move GitHub URLs and remotes to Gitea',
  sandbox: 'Run a simulated Molecule platform on loopback',
};
