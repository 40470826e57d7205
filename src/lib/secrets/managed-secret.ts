import type { SecretConfig } from '../config/environments.js';
import type { Context } from '../context.js';
import { NotFoundError } from '../errors.js';
import { parseConsumer, type SecretConsumer } from './secret-consumer.js';

/** A secret molectl knows from the environment's config: its name, Secrets Manager id and consumers. */
export interface ManagedSecret {
  name: string;
  secretId: string;
  description: string | null;
  generate: { kind: 'hex'; bytes: number };
  consumers: SecretConsumer[];
}

export function listManagedSecrets(ctx: Pick<Context, 'config'>): ManagedSecret[] {
  return Object.entries(ctx.config.environment.secrets).map(([name, config]) => toManagedSecret(name, config));
}

export function findManagedSecret(ctx: Pick<Context, 'config'>, name: string): ManagedSecret {
  // Own properties only: `__proto__` or `constructor` name no secret (they used to crash here).
  const config = Object.hasOwn(ctx.config.environment.secrets, name) ? ctx.config.environment.secrets[name] : undefined;
  if (!config) {
    const known = Object.keys(ctx.config.environment.secrets).join(', ') || 'none';
    throw new NotFoundError(
      `environment "${ctx.config.environment.name}" has no secret named "${name}" (known: ${known})`,
      'see `molectl secrets list`, or add it under secrets in the config file',
    );
  }
  return toManagedSecret(name, config);
}

function toManagedSecret(name: string, config: SecretConfig): ManagedSecret {
  return {
    name,
    secretId: config.secretId,
    description: config.description ?? null,
    generate: config.generate ?? { kind: 'hex', bytes: 32 },
    consumers: config.consumers.map(parseConsumer),
  };
}
