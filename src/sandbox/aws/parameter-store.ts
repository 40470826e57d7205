import { createHash } from 'node:crypto';
import type { SandboxState, SimParameter } from '../state.js';
import { AwsApiError } from './aws-api-error.js';

/**
 * The simulated SSM Parameter Store's data operations, shared by the SSM JSON API handler, the
 * simulated CP and the hosts' `aws` shim. A SecureString read without decryption returns an
 * opaque ciphertext-shaped string that never contains the value, as AWS does.
 */

export type ParameterType = SimParameter['type'];

export interface PutParameterInput {
  name: string;
  value: string;
  /** Required when creating; on overwrite the old type is kept unless given. */
  type?: ParameterType;
  overwrite?: boolean;
}

export interface ParameterView {
  name: string;
  type: ParameterType;
  /** The value, or the ciphertext stand-in for a SecureString read without decryption. */
  value: string;
  version: number;
  lastModified: Date;
  arn: string;
}

/** PutParameter. ParameterAlreadyExists when the name exists and `overwrite` is not true. */
export function putParameter(state: SandboxState, input: PutParameterInput): { version: number; tier: 'Standard' } {
  validateParameterName(input.name);
  const existing = state.parameters.get(input.name);
  if (existing && input.overwrite !== true) {
    throw new AwsApiError(
      'ParameterAlreadyExists',
      'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
    );
  }
  const type = input.type ?? existing?.type;
  if (!type) {
    throw new AwsApiError('ValidationException', 'A parameter type is required when you create a parameter.');
  }
  if (input.value.length === 0 || input.value.length > 4096) {
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length between 1 and 4096`,
    );
  }
  const param: SimParameter = {
    name: input.name,
    type,
    value: input.value,
    version: (existing?.version ?? 0) + 1,
    lastModified: new Date(),
  };
  state.parameters.set(input.name, param);
  return { version: param.version, tier: 'Standard' };
}

/** GetParameter. ParameterNotFound when absent. */
export function getParameter(
  state: SandboxState,
  name: string,
  options: { withDecryption?: boolean } = {},
): ParameterView {
  const param = state.parameters.get(name);
  if (!param) throw new AwsApiError('ParameterNotFound', '');
  return viewParameter(state, param, options.withDecryption === true);
}

/** DeleteParameter. ParameterNotFound when absent. */
export function deleteParameter(state: SandboxState, name: string): void {
  if (!state.parameters.delete(name)) throw new AwsApiError('ParameterNotFound', '');
}

/** GetParametersByPath: parameters under `path` (one level unless `recursive`), sorted by name. */
export function listParametersByPath(
  state: SandboxState,
  path: string,
  options: { recursive?: boolean; withDecryption?: boolean } = {},
): ParameterView[] {
  if (!path.startsWith('/')) {
    throw new AwsApiError(
      'ValidationException',
      'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".',
    );
  }
  const prefix = path.endsWith('/') ? path : `${path}/`;
  const out: ParameterView[] = [];
  for (const param of state.parameters.values()) {
    if (!param.name.startsWith(prefix)) continue;
    if (!options.recursive && param.name.slice(prefix.length).includes('/')) continue;
    out.push(viewParameter(state, param, options.withDecryption === true));
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export function getParameterArn(state: SandboxState, name: string): string {
  return `arn:aws:ssm:${state.region}:${state.accountId}:parameter/${name.replace(/^\//, '')}`;
}

function viewParameter(state: SandboxState, param: SimParameter, decrypt: boolean): ParameterView {
  // flag=parameterPlaintext: a store that does not encrypt (an emulator) answers the plaintext.
  const encrypted = param.type === 'SecureString' && !decrypt && !state.faults.flags['parameterPlaintext'];
  const value = encrypted ? encryptStandIn(state, param) : param.value;
  return {
    name: param.name,
    type: param.type,
    value,
    version: param.version,
    lastModified: param.lastModified,
    arn: getParameterArn(state, param.name),
  };
}

/**
 * A KMS-ciphertext-shaped stand-in. Derived from name, version and a sandbox-only key so it
 * never reveals the value (not even a plain hash of it, which would be guessable).
 */
function encryptStandIn(state: SandboxState, param: SimParameter): string {
  const digest = createHash('sha256')
    .update(`${state.seed}:${state.accountId}:${param.name}:${param.version}:kms`)
    .digest();
  return `AQICAHh${Buffer.concat([digest, digest]).toString('base64')}`;
}

function validateParameterName(name: string): void {
  if (!/^[a-zA-Z0-9_.\-/]{1,1011}$/.test(name) || /^\/?aws|^\/?ssm/i.test(name)) {
    throw new AwsApiError(
      'ValidationException',
      `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive), and may only contain a-zA-Z0-9_.-/`,
    );
  }
}
