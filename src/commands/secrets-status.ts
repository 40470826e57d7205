import { defineCommand } from '../lib/cli/command-definition.js';
import { argument } from '../lib/cli/flag-declaration.js';
import { switchFlag } from '../lib/cli/flags.js';
import { countUnknownDrift, describeUnknownDrift, readConsumerDrift } from '../lib/secrets/consumer-drift.js';
import { findManagedSecret } from '../lib/secrets/managed-secret.js';
import { describeUnreadVersions, readSecretVersions } from '../lib/secrets/read-secret-versions.js';
import { renderSecretStatus } from '../lib/secrets/render-secret-status.js';
import { ExitCode, NotFoundError } from '../lib/errors.js';

export const secretsStatusCommand = defineCommand({
  description:
    "Show a secret's versions (stages, fingerprints, never values) and which version each consumer holds; tenants are probed read-only over SSM and shown as a histogram. " +
    'Exit 5 when what a consumer (or a tenant) holds could not be observed (unknown).',
  args: [argument('name', 'secret name from `molectl secrets list` (e.g. cp-shared-secret)')],
  flags: {
    probe: switchFlag('--no-probe', 'do not probe the tenants (their consumer shows as unknown)'),
  },
  examples: [
    ['molectl secrets status cp-shared-secret', "versions, the CP's variable and the tenant histogram"],
    ['molectl secrets status cp-admin-api-token --no-probe -o json', 'as JSON, without SSM'],
  ],

  async run(ctx, { args, options }) {
    const secret = findManagedSecret(ctx, args[0]!);
    const versions = await readSecretVersions(ctx, secret.secretId);
    if (!versions.exists)
      throw new NotFoundError(
        `secret ${secret.secretId} (${secret.name}) does not exist in Secrets Manager`,
        `create it with: molectl secrets put ${secret.name} --value-file <file>`,
      );
    // Said before the consumers are read: without these, what they hold cannot be compared.
    for (const reason of describeUnreadVersions(versions, secret.secretId)) ctx.out.warn(reason);
    const drift = await readConsumerDrift(ctx, secret, versions, { probeTenants: options.probe !== false });
    // Unknown is never folded into a clean answer (design.md, "Verdicts"): counted, and exit 5.
    const unknown = countUnknownDrift(drift);
    await ctx.out.result(
      {
        name: secret.name,
        secretId: secret.secretId,
        arn: versions.arn,
        lastChangedAt: versions.lastChangedAt,
        versions: versions.versions,
        consumers: drift,
        unknown,
      },
      (_d, style) => renderSecretStatus(secret, versions, drift, style),
    );
    if (unknown.consumers === 0) return ExitCode.ok;
    ctx.out.warn(`${describeUnknownDrift(unknown, drift.length)}: what they hold could not be observed (exit 5)`);
    return ExitCode.partial;
  },
});
