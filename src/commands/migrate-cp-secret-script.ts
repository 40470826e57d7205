import { defineCommand } from '../lib/cli/command-definition.js';
import { readTenantScript, tenantScriptSha256 } from '../lib/tenant-secret-delivery/tenant-script.js';

export const migrateCpSecretScriptCommand = defineCommand({
  description:
    'Print the exact script molectl runs on each tenant (probe, apply, rollback), for review: the bytes apply sends, unchanged, with their sha256 on stderr ' +
    '(each run records the sha256 of the script it sent; `molectl runs show` prints it). molectl sends it preceded only by `export MOLECTL_*=...` lines that hold ids, a URL and a fingerprint.',
  flags: {},
  examples: [
    ['molectl migrate cp-secret script | less', 'read it'],
    ['molectl migrate cp-secret script > tenant-cp-secret.sh && shellcheck tenant-cp-secret.sh', 'lint it'],
    ['molectl migrate cp-secret script | sha256sum', 'the same hash as on stderr and in `runs show`'],
  ],

  async run(ctx) {
    const script = readTenantScript();
    const sha256 = tenantScriptSha256(script);
    if (ctx.out.format === 'json') {
      await ctx.out.result({ script, sha256, bytes: Buffer.byteLength(script) }, () => '');
      return 0;
    }
    // Byte for byte what apply sends: molectl's own text, so no token-shape rule touches it.
    await ctx.out.stream(script);
    ctx.out.info(
      `${sha256}  ${Buffer.byteLength(script)} bytes: the script migrate cp-secret apply, resume and rollback send`,
    );
    return 0;
  },
});
