import * as z from 'zod/mini';
import { CONTAINER_NAME_PATTERN } from '../config/environments.js';
import { FINGERPRINT_PATTERN } from '../output/fingerprint.js';
import type { RunLedgerDocument } from '../runs/run-ledger-schema.js';
import { UnreadableLedgerError } from '../runs/unreadable-ledger-error.js';
import '../zod-settings.js';
import { TENANT_CLASSES, type PinnedSecret } from './migration-plan.js';

/**
 * What an apply run keeps in its ledger beyond what every ledger has (run-ledger-schema.ts):
 * its settings (`inputs`), the pinned secret (`pinned`) and per tenant what the plan said
 * (`detail`). `resume` rebuilds the plan and settings from it and `rollback` finds the tenants
 * and the container name in it, so it is validated when read, like a plan file: a hand-edited
 * or damaged ledger stops the command (UnreadableLedgerError, exit 1) before anything changes,
 * naming the field, instead of sending a host `NaN` or `undefined`.
 *
 * The ledger's own schemaVersion (checked when the ledger is loaded) versions these too: a
 * field may be added freely; renaming or removing one means bumping LEDGER_SCHEMA_VERSION.
 */

const applyInputsSchema = z.looseObject({
  canary: z.optional(z.nullable(z.string())),
  waves: z.string().check(z.minLength(1)),
  maxErrors: z.int().check(z.nonnegative()),
  soakMs: z.int().check(z.nonnegative()),
  delivery: z.enum(['secrets-manager', 'parameter']),
  maxConcurrency: z.int().check(z.positive()),
  healthTimeoutSeconds: z.int().check(z.positive()),
  hostTimeoutSeconds: z.int().check(z.positive()),
  containerName: z.string().check(z.regex(CONTAINER_NAME_PATTERN, 'expected a docker container name')),
  /** Ledgers written before the environment block carried it. */
  tenantCpUrl: z.optional(z.string()),
  scriptSha256: z.optional(z.string()),
});

const pinnedSecretSchema = z.looseObject({
  secretId: z.string().check(z.minLength(1)),
  arn: z.string(),
  versionId: z.string().check(z.minLength(1)),
  fingerprint: z.string().check(z.regex(FINGERPRINT_PATTERN, 'expected sha256:<12 hex>')),
  length: z.int().check(z.positive()),
}) satisfies z.ZodMiniType<PinnedSecret>;

const applyTargetDetailSchema = z.looseObject({
  instanceId: z.string().check(z.minLength(1)),
  orgId: z.string(),
  class: z.enum(TENANT_CLASSES),
  reason: z.string(),
  previousFingerprint: z.optional(z.nullable(z.string())),
});

export type ApplyInputs = z.infer<typeof applyInputsSchema>;
export type ApplyTargetDetail = z.infer<typeof applyTargetDetailSchema>;

export interface ApplyPayload {
  inputs: ApplyInputs;
  pinned: PinnedSecret;
  /** What the plan said about each tenant, by target key (the org slug). */
  details: Map<string, ApplyTargetDetail>;
}

/** The apply run's payload, validated; UnreadableLedgerError (exit 1) naming the first bad field. */
export function readApplyPayload(doc: Readonly<RunLedgerDocument>): ApplyPayload {
  const inputs = parse(doc, applyInputsSchema, doc.inputs, 'inputs');
  const pinned = parse(doc, pinnedSecretSchema, doc.pinned, 'pinned');
  const details = new Map(
    Object.values(doc.targets).map(
      (t) => [t.key, parse(doc, applyTargetDetailSchema, t.detail, `targets.${t.key}.detail`)] as const,
    ),
  );
  return { inputs, pinned, details };
}

function parse<T>(doc: Readonly<RunLedgerDocument>, schema: z.ZodMiniType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = [where, ...issue.path.map(String)].join('.');
  throw new UnreadableLedgerError(
    `of run ${doc.id}`,
    `field "${field}" ${issue.message.replace(/\s+/g, ' ')} (not what \`${doc.command}\` writes)`,
  );
}
