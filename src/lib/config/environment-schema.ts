import { z } from 'zod';
import type { Environment } from './run-environment.js';

/**
 * How an environment is read back from a document molectl wrote (a ledger, a plan). Unknown
 * values may be absent (ledgers omit them; ledgers of older molectl have no tenantCpUrl).
 */
export const environmentSchema = z.looseObject({
  name: z.string(),
  cpUrl: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  tenantCpUrl: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  awsAccount: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  awsRegion: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
}) satisfies z.ZodType<Environment>;
