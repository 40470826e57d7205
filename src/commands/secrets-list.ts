import { defineCommand } from '../lib/cli/command-definition.js';
import { listManagedSecrets } from '../lib/secrets/managed-secret.js';
import { renderSecretList, type SecretListRow } from '../lib/secrets/render-secret-status.js';

export const secretsListCommand = defineCommand({
  description:
    'List the secrets molectl knows for the environment: Secrets Manager id, versions and stages, last change, consumers. Never values. Read-only.',
  flags: {},
  examples: [
    ['molectl secrets list', 'the configured secrets of the current environment'],
    ['molectl --env staging secrets list -o json', 'the same for staging, as JSON'],
  ],

  async run(ctx) {
    const rows: SecretListRow[] = [];
    for (const secret of listManagedSecrets(ctx)) {
      const description = await ctx.aws.describeSecret(secret.secretId);
      rows.push({
        name: secret.name,
        secretId: secret.secretId,
        exists: description !== null,
        versions: description?.versions.map((v) => ({ versionId: v.versionId, stages: v.stages })) ?? [],
        lastChangedAt: description?.lastChangedAt?.toISOString() ?? null,
        scheduledForDeletion: description?.deletedAt?.toISOString() ?? null,
        consumers: secret.consumers.map((c) => c.ref),
      });
    }
    await ctx.out.result({ environment: ctx.config.environment.name, secrets: rows }, (data, style) =>
      renderSecretList(data.secrets, style),
    );
    return 0;
  },
});
