import type { AwsApi, InstanceSummary } from '../aws/aws-types.js';
import { ORG_SLUG_PATTERN } from '../cp/check-org-slug.js';
import type { EnvironmentConfig } from '../config/environments.js';
import { ExitCode, isMolectlError, NotFoundError, UsageError } from '../errors.js';
import { EC2_INSTANCE_ID_PATTERN } from '../aws/ec2-instance-id.js';

/**
 * What `molectl console <target>` and `molectl logs <slug>` point at. A target is named three
 * ways: an org slug (its tenant instance, found by the environment's tenant tag filter plus the
 * org slug tag), an instance id, or a workspace id (its instance found by the WorkspaceID tag;
 * when no instance carries it, the CP's `/cp/admin/workspaces/:id/console` is asked instead).
 */

export type ConsoleTargetKind = 'org' | 'instance' | 'workspace';

export interface ConsoleTargetSpec {
  kind: ConsoleTargetKind;
  value: string;
}

export interface ResolvedConsoleTarget {
  kind: ConsoleTargetKind;
  /** The argument as given. */
  input: string;
  /** Null when only the CP knows the workspace's console. */
  instanceId: string | null;
  orgSlug: string | null;
  workspaceId: string | null;
  /** Where console text comes from. */
  source: 'ec2' | 'cp';
  instanceState: string | null;
  /** Things the responder should know about the choice (several candidates, terminated...). */
  notes: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The ways to name a target, for errors and help. */
export const TARGET_FORMS_HINT =
  'name the target as an org slug (acme), an EC2 instance id (i-0123456789abcdef0) or a workspace id (a UUID); `molectl org list` shows the slugs';

/** Decides from its shape what the argument names (pure). */
export function classifyConsoleTarget(input: string): ConsoleTargetSpec {
  const value = input.trim();
  if (EC2_INSTANCE_ID_PATTERN.test(value)) return { kind: 'instance', value };
  if (UUID.test(value)) return { kind: 'workspace', value: value.toLowerCase() };
  if (ORG_SLUG_PATTERN.test(value) && !value.startsWith('i-')) return { kind: 'org', value };
  throw new UsageError(`"${input}" is not an org slug, an instance id or a workspace id`, TARGET_FORMS_HINT);
}

export interface ResolveTargetDeps {
  aws: Pick<AwsApi, 'listInstances'>;
  environment: Pick<EnvironmentConfig, 'tenantFilter' | 'orgSlugTagKey' | 'workspaceIdTagKey' | 'name'>;
}

export async function resolveConsoleTarget(
  deps: ResolveTargetDeps,
  input: string,
  options: { allowCpFallback: boolean },
): Promise<ResolvedConsoleTarget> {
  const spec = classifyConsoleTarget(input);
  const env = deps.environment;
  const base = { kind: spec.kind, input, orgSlug: null, workspaceId: null, notes: [] as string[] };
  if (spec.kind === 'instance') {
    const [found] = await deps.aws.listInstances({ instanceIds: [spec.value] }).catch((error: unknown) => {
      // EC2 answers an unknown id with InvalidInstanceID.NotFound rather than an empty list.
      if (isInstanceNotFound(error)) return [];
      throw error;
    });
    if (!found) throw createNotFound(`no instance ${spec.value} in ${env.name}`);
    return {
      ...base,
      instanceId: found.instanceId,
      source: 'ec2',
      instanceState: found.state,
      orgSlug: found.tags[env.orgSlugTagKey] ?? null,
      workspaceId: found.tags[env.workspaceIdTagKey] ?? null,
    };
  }
  if (spec.kind === 'workspace') {
    const candidates = await deps.aws.listInstances({ tags: { [env.workspaceIdTagKey]: spec.value } });
    const chosen = chooseInstance(candidates);
    if (chosen) {
      return {
        ...base,
        workspaceId: spec.value,
        instanceId: chosen.instance.instanceId,
        source: 'ec2',
        instanceState: chosen.instance.state,
        notes: chosen.notes,
      };
    }
    if (!options.allowCpFallback)
      throw createNotFound(`no instance is tagged ${env.workspaceIdTagKey}=${spec.value} in ${env.name}`);
    return {
      ...base,
      workspaceId: spec.value,
      instanceId: null,
      source: 'cp',
      instanceState: null,
      notes: [
        `no instance is tagged ${env.workspaceIdTagKey}=${spec.value}; reading the console the CP keeps for the workspace`,
      ],
    };
  }
  const tags = { ...env.tenantFilter.tags, [env.orgSlugTagKey]: spec.value };
  const chosen = chooseInstance(await deps.aws.listInstances({ tags }));
  if (!chosen) {
    const filter = Object.entries(tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    throw createNotFound(`no tenant instance for org "${spec.value}" in ${env.name} (tags ${filter})`);
  }
  return {
    ...base,
    orgSlug: spec.value,
    instanceId: chosen.instance.instanceId,
    source: 'ec2',
    instanceState: chosen.instance.state,
    notes: chosen.notes,
  };
}

/**
 * Of several instances carrying the same tags (a re-provisioned tenant leaves a terminated one
 * behind for a while), the live one, newest first; a terminated one only when nothing else is left.
 */
export function chooseInstance(candidates: InstanceSummary[]): { instance: InstanceSummary; notes: string[] } | null {
  if (candidates.length === 0) return null;
  const byNewest = [...candidates].sort((a, b) => (b.launchTime?.getTime() ?? 0) - (a.launchTime?.getTime() ?? 0));
  const live = byNewest.filter((i) => i.state !== 'terminated' && i.state !== 'shutting-down');
  const instance = live[0] ?? byNewest[0]!;
  const notes: string[] = [];
  if (live.length > 1)
    notes.push(
      `${live.length} live instances carry these tags (${live.map((i) => i.instanceId).join(', ')}); showing the newest`,
    );
  if (live.length === 0) notes.push(`the instance is ${instance.state}; its console may be incomplete`);
  return { instance, notes };
}

function isInstanceNotFound(error: unknown): boolean {
  if (isMolectlError(error) && error.code === ExitCode.notFound) return true;
  return (
    error instanceof Error &&
    /InvalidInstanceID\.(?:NotFound|Malformed)/.test(
      `${error.name} ${error.message} ${(error as { awsCode?: string }).awsCode ?? ''}`,
    )
  );
}

function createNotFound(message: string): NotFoundError {
  return new NotFoundError(message, TARGET_FORMS_HINT);
}
