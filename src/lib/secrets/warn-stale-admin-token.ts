import { describeCpTokenSource } from '../config/cp-token.js';
import type { Context } from '../context.js';
import { CP_ADMIN_TOKEN_VARIABLE } from './consumer-actions.js';
import type { ManagedSecret } from './managed-secret.js';
import type { RotationResult } from './run-rotation.js';

/**
 * After the CP's admin token moved (a rotation or rollback finished), the token this operator's
 * molectl reads is the old one: every later admin call would be refused with 401. Say so once,
 * with where it comes from and how to refresh it; never the value.
 */
export function warnStaleAdminToken(
  ctx: Pick<Context, 'env' | 'config' | 'out'>,
  secret: ManagedSecret,
  result: Pick<RotationResult, 'status' | 'mode' | 'to'>,
): void {
  const cpService = ctx.config.environment.railway?.service ?? 'controlplane';
  const movesAdminToken = secret.consumers.some(
    (c) => c.kind === 'railway' && c.service === cpService && c.variable === CP_ADMIN_TOKEN_VARIABLE,
  );
  const moved = result.status !== 'failed' && result.mode !== 'abort-pending' && result.to !== null;
  if (!movesAdminToken || !moved) return;
  const source = describeCpTokenSource(ctx.env, ctx.config.environment);
  const where = !source
    ? 'your configured CP admin token'
    : source.kind === 'env'
      ? `your CP admin token (${source.origin})`
      : `your CP admin token (the ${source.kind} ${source.origin})`;
  const refresh = `aws secretsmanager get-secret-value --secret-id ${secret.secretId} --query SecretString --output text`;
  const how =
    source?.kind === 'file'
      ? `write the new value into ${source.origin} (0600): ${refresh} > ${source.origin}`
      : source?.kind === 'command'
        ? `make "${source.origin}" return the new value (it is AWSCURRENT of ${secret.secretId})`
        : `export CP_ADMIN_API_TOKEN="$(${refresh})"`;
  ctx.out.warn(
    `the CP now accepts only the new admin token (${result.to!.fingerprint}): ${where} is stale and admin calls will get 401. Update it: ${how}; CI secrets that mirror it were set by this run only if they are among its consumers`,
  );
}
