import * as z from 'zod/mini';
import '../zod-settings.js';
import type { Environment } from './run-environment.js';

/**
 * How an environment is read back from a document molectl wrote (a ledger, a plan). Unknown
 * values may be absent (ledgers omit them; ledgers of older molectl have no tenantCpUrl).
 */
const orEmpty = () =>
  z.pipe(
    z.nullish(z.string()),
    z.transform((v: string | null | undefined) => v ?? ''),
  );
const orNull = () =>
  z.pipe(
    z.nullish(z.string()),
    z.transform((v: string | null | undefined) => v ?? null),
  );

export const environmentSchema = z.looseObject({
  name: z.string(),
  cpUrl: orEmpty(),
  tenantCpUrl: orEmpty(),
  awsAccount: orNull(),
  awsRegion: orNull(),
}) satisfies z.ZodMiniType<Environment>;
