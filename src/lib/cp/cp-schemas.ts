import * as z from 'zod/mini';
import '../zod-settings.js';

/** Builds a schema on first use: a run needs two or three of these, and each costs ~1 ms to build. */
function once<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}

/*
 * Response shapes of the CP routes in ../shared/platform.md. Objects are loose (extra fields
 * pass through) because the CP is private and grows fields; only what molectl relies on is
 * required. zod is imported here and in nothing `molectl --help` loads: load the CP client
 * with `await import(...)`.
 */

export const cpHealthSchema = once(() =>
  z.looseObject({
    service: z.optional(z.string()),
    status: z.string(),
  }),
);
export type CpHealth = z.infer<ReturnType<typeof cpHealthSchema>>;

/** The create answer's fields molectl can use; each may be absent (any 2xx means created). */
export const createdOrgSchema = once(() =>
  z.looseObject({
    id: z.catch(z.optional(z.string().check(z.minLength(1))), undefined),
    created_at: z.catch(z.optional(z.string()), undefined),
  }),
);
export interface CreatedOrg {
  httpStatus: number;
  id: string | null;
  createdAt: string | null;
  /** When the CP answered, by its own clock (the HTTP Date header); null when it sent none. */
  answeredAt: Date | null;
}

/**
 * One org row. Rows are validated one by one (see CpClient.listOrgs): a row the CP sends with a
 * null or missing field is reported as unreadable instead of failing the whole list. An
 * unreadable `created_at` (null, absent, or not a string: an epoch number's unit would be a guess,
 * and org gc deletes by age) only makes the org's age unknown, so it does not make the row unreadable.
 */
export const orgRowSchema = once(() =>
  z.looseObject({
    id: z.string().check(z.minLength(1)),
    slug: z.string().check(z.minLength(1)),
    // provisioning -> running | failed; kept a string so a new state does not break listing.
    instance_status: z.string().check(z.minLength(1)),
    created_at: z.pipe(
      z.catch(z.nullish(z.string()), null),
      z.transform((value: string | null | undefined) => value ?? null),
    ),
  }),
);
export type OrgRow = z.infer<ReturnType<typeof orgRowSchema>>;
export const orgListSchema = once(() => z.looseObject({ orgs: z.array(z.unknown()) }));

export const adminTokenSchema = once(() => z.looseObject({ admin_token: z.string().check(z.minLength(1)) }));

export const redeployResultSchema = once(() =>
  z.looseObject({
    slug: z.string(),
    phase: z.nullish(z.string()),
    ssm_status: z.nullish(z.string()),
    ssm_exit_code: z.nullish(z.number()),
    healthz_ok: z.nullish(z.boolean()),
    error: z.nullish(z.string()),
  }),
);
export type RedeployResult = z.infer<ReturnType<typeof redeployResultSchema>>;
export const redeployFleetSchema = once(() =>
  z.looseObject({
    ok: z.boolean(),
    results: z._default(z.array(redeployResultSchema()), []),
  }),
);
export type RedeployFleetResponse = z.infer<ReturnType<typeof redeployFleetSchema>>;

export const workspaceConsoleSchema = once(() => z.looseObject({ output: z.string() }));

export const orgInstanceSchema = once(() =>
  z.looseObject({
    slug: z.optional(z.string()),
    status: z.string(),
    ip: z.nullish(z.string()),
    region: z.nullish(z.string()),
  }),
);
export type OrgInstance = z.infer<ReturnType<typeof orgInstanceSchema>>;

export const workspaceStatusSchema = once(() => z.looseObject({ state: z.string() }));
export type WorkspaceStatus = z.infer<ReturnType<typeof workspaceStatusSchema>>;

export const tenantConfigSchema = once(() =>
  z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
);
export type TenantConfig = z.infer<ReturnType<typeof tenantConfigSchema>>;
