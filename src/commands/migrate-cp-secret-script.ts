import type { Command } from 'commander';
import { addExamples, type CommandDefinition } from '../lib/cli/command-definition.js';
import { readTenantScript } from '../lib/cp-secret/tenant-script.js';

export const migrateCpSecretScriptCommand: CommandDefinition = {
  declare(cmd: Command) {
    cmd.description('Print the exact script molectl runs on each tenant (probe, apply, rollback), for review. molectl sends it unchanged, preceded only by `export MOLECTL_*=...` lines that hold ids, a URL and a fingerprint.');
    addExamples(cmd, [
      ['molectl migrate cp-secret script | less', 'read it'],
      ['molectl migrate cp-secret script > tenant-cp-secret.sh && shellcheck tenant-cp-secret.sh', 'lint it'],
    ]);
  },

  async run(ctx) {
    const script = readTenantScript();
    await ctx.out.result({ script }, (data) => data.script.trimEnd());
    return 0;
  },
};
