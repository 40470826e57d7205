import { timingSafeEqual } from 'node:crypto';
import { isAwsApiError } from '../aws/aws-api-error.js';
import { deleteParameter, getParameter, putParameter, type ParameterType } from '../aws/parameter-store.js';
import { getSecretValue } from '../aws/secrets-store.js';
import type { SandboxState, SimInstance } from '../state.js';
import { getHostApiToken } from './materialise-host.js';

/**
 * The sandbox's private host API (`POST /_sandbox/host-api/aws`), which the hosts' `aws` shim
 * calls with its argument vector. It answers the few AWS CLI calls on-instance scripts make,
 * as the instance's role, the way aws-cli v2 prints them. Not recorded in state.requests:
 * those record what molectl sent, and these requests come from simulated hosts.
 *
 * Status tells the shim how to exit: 200 stdout, 400 service error (exit 254), 422 usage (252).
 */

export interface HostApiRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface HostApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const HOST_API_PREFIX = '/_sandbox/host-api/';

export function handleHostApiRequest(state: SandboxState, req: HostApiRequest): HostApiResponse {
  const instance = authenticateHost(state, req.headers);
  if (!instance) return text(401, 'host API: unknown host or bad credential\n');
  if (req.method !== 'POST' || req.path !== `${HOST_API_PREFIX}aws`) return text(404, 'host API: no such route\n');
  let argv: unknown;
  try {
    argv = JSON.parse(req.body);
  } catch {
    return text(422, 'aws: error: the sandbox could not read the argument vector\n');
  }
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string'))
    return text(422, 'aws: error: bad argument vector\n');
  return runAwsCli(state, instance, argv as string[]);
}

function authenticateHost(state: SandboxState, headers: Record<string, string>): SimInstance | null {
  const id = headers['x-sandbox-instance'] ?? '';
  const instance = state.instances.get(id);
  if (!instance || instance.state !== 'running') return null;
  const given = Buffer.from((headers['authorization'] ?? '').replace(/^Bearer\s+/i, ''));
  const expected = Buffer.from(getHostApiToken(state, id));
  return given.length === expected.length && timingSafeEqual(given, expected) ? instance : null;
}

interface ParsedCli {
  service: string;
  operation: string;
  options: Map<string, string | true>;
}

function parseCli(argv: string[]): ParsedCli | string {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) {
        options.set(arg.slice(2, eq), arg.slice(eq + 1));
        continue;
      }
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        options.set(arg.slice(2), next);
        i++;
      } else {
        options.set(arg.slice(2), true);
      }
    } else {
      positional.push(arg);
    }
  }
  if (positional.length < 2) return 'aws: error: the following arguments are required: command, operation';
  return { service: positional[0] ?? '', operation: positional[1] ?? '', options };
}

function runAwsCli(state: SandboxState, instance: SimInstance, argv: string[]): HostApiResponse {
  const parsed = parseCli(argv);
  if (typeof parsed === 'string') return text(422, `${parsed}\n`);
  const { service, operation, options } = parsed;
  const str = (name: string): string | undefined => {
    const v = options.get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const opName = operation
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  try {
    const denied = state.faults.flags['hostSecretsDenied'];
    if (
      denied === true ||
      (typeof denied === 'string' &&
        denied.split('|').some((k) => k === instance.instanceId || instanceSlug(instance) === k))
    ) {
      if (service === 'secretsmanager' || (service === 'ssm' && operation.endsWith('parameter'))) {
        return text(
          400,
          `\nAn error occurred (AccessDeniedException) when calling the ${opName} operation: User: arn:aws:sts::${state.accountId}:assumed-role/${instance.role}/${instance.instanceId} is not authorized to perform: ${service}:${opName} because no identity-based policy allows the ${service}:${opName} action\n`,
        );
      }
    }
    let result: Record<string, unknown>;
    const key = `${service} ${operation}`;
    switch (key) {
      case 'secretsmanager get-secret-value': {
        const id = str('secret-id');
        if (!id) return usage('the following arguments are required: --secret-id');
        const v = getSecretValue(state, id, { versionId: str('version-id'), stage: str('version-stage') });
        result = {
          ARN: v.arn,
          Name: v.name,
          VersionId: v.versionId,
          SecretString: v.value,
          VersionStages: v.stages,
          CreatedDate: v.createdAt.toISOString(),
        };
        break;
      }
      case 'ssm get-parameter': {
        const name = str('name');
        if (!name) return usage('the following arguments are required: --name');
        const p = getParameter(state, name, { withDecryption: options.has('with-decryption') });
        result = {
          Parameter: {
            Name: p.name,
            Type: p.type,
            Value: p.value,
            Version: p.version,
            LastModifiedDate: p.lastModified.toISOString(),
            ARN: p.arn,
            DataType: 'text',
          },
        };
        break;
      }
      case 'ssm put-parameter': {
        const name = str('name');
        const value = str('value');
        if (!name || value === undefined) return usage('the following arguments are required: --name, --value');
        result = {
          ...putParameter(state, {
            name,
            value,
            type: str('type') as ParameterType | undefined,
            overwrite: options.has('overwrite'),
          }),
        };
        result = { Version: result['version'], Tier: 'Standard' };
        break;
      }
      case 'ssm delete-parameter': {
        const name = str('name');
        if (!name) return usage('the following arguments are required: --name');
        deleteParameter(state, name);
        return text(200, '');
      }
      case 'sts get-caller-identity':
        result = {
          UserId: `AROASANDBOX${instance.role
            .toUpperCase()
            .replace(/[^A-Z0-9]/g, '')
            .slice(0, 9)}:${instance.instanceId}`,
          Account: state.accountId,
          Arn: `arn:aws:sts::${state.accountId}:assumed-role/${instance.role}/${instance.instanceId}`,
        };
        break;
      default:
        return usage(
          `the sandbox's aws shim does not support "${key}" (supported: secretsmanager get-secret-value, ssm get-parameter|put-parameter|delete-parameter, sts get-caller-identity)`,
        );
    }
    return text(200, renderCliOutput(result, str('query'), str('output') ?? 'json'));
  } catch (error) {
    if (isAwsApiError(error)) {
      return text(400, `\nAn error occurred (${error.code}) when calling the ${opName} operation: ${error.message}\n`);
    }
    throw error;
  }
}

/** `--query` supports dotted paths (SecretString, Parameter.Value), the forms scripts use. */
function renderCliOutput(result: Record<string, unknown>, query: string | undefined, output: string): string {
  let value: unknown = result;
  if (query) {
    for (const part of query.split('.')) {
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    }
    if (value === undefined) value = null;
  }
  if (output === 'text') {
    if (value === null) return 'None\n';
    if (typeof value === 'object')
      return `${Object.values(value as object)
        .map(String)
        .join('\t')}\n`;
    return `${String(value)}\n`;
  }
  return `${JSON.stringify(value, null, 4)}\n`;
}

function instanceSlug(instance: SimInstance): string | undefined {
  return instance.tags.find((t) => t.Key === 'OrgSlug')?.Value;
}

function usage(message: string): HostApiResponse {
  return text(
    422,
    `\nusage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\naws: error: ${message}\n`,
  );
}

function text(status: number, body: string): HostApiResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}
