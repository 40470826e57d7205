import type { RecordedRequest, SandboxState } from '../state.js';
import { AwsApiError, isAwsApiError } from './aws-api-error.js';
import { takeApiToken } from './api-rate-limits.js';
import {
  createExpiredTokenError,
  createThrottleError,
  renderAwsError,
  type AwsProtocol,
  type AwsResponse,
} from './aws-wire.js';
import { handleEc2Action } from './ec2-api.js';
import type { HostRunner } from './host-runner.js';
import { parseQueryParams } from './query-params.js';
import { handleSecretsManagerAction } from './secrets-manager-api.js';
import { generateUuid, getStateRandom } from './seeded-random.js';
import { handleSsmAction } from './ssm-api.js';
import { handleStsAction } from './sts-api.js';

export type { AwsResponse } from './aws-wire.js';
export type { HostRunner } from './host-runner.js';

export interface AwsRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

const CREDENTIAL_SCOPE = /^AWS4-HMAC-SHA256\s+Credential=[^/\s,]+\/\d{8}\/[^/\s,]+\/([^/\s,]+)\/aws4_request/;

const PROTOCOL_OF: Record<string, AwsProtocol> = { ec2: 'ec2', sts: 'query', ssm: 'json', secretsmanager: 'json' };

/**
 * Answers one AWS API request against the sandbox state. Returns null when the request is not
 * an AWS API request (no SigV4 Authorization header), so the server routes it to the CP.
 *
 * Every AWS request is recorded in `state.requests` at arrival (arrival order is the invariant
 * tests rely on); its status is filled in when the answer is known. Faults apply before the
 * action runs, so a throttled request never changes state, as with the real services.
 */
export async function handleAwsRequest(
  state: SandboxState,
  hosts: HostRunner,
  req: AwsRequest,
): Promise<AwsResponse | null> {
  const headers = lowerCaseKeys(req.headers);
  const scope = CREDENTIAL_SCOPE.exec(headers['authorization'] ?? '');
  if (!scope) return null;
  const service = scope[1] ?? '';
  const protocol = PROTOCOL_OF[service] ?? 'json';
  const requestId = generateUuid(state, 'requests');
  const params = protocol === 'json' ? null : parseQueryParams(req.body);
  const action =
    protocol === 'json' ? ((headers['x-amz-target'] ?? '').split('.').pop() ?? '') : (params?.get('Action') ?? '');

  const record: RecordedRequest = { at: new Date(), service, action, headers, body: req.body, status: 0 };
  state.requests.push(record);

  const response = await answerRequest();
  record.status = response.status;
  return response;

  async function answerRequest(): Promise<AwsResponse> {
    try {
      if (state.faults.awsLatencyMs > 0) await sleep(state.faults.awsLatencyMs);
      if (state.faults.awsCredentials === 'expired')
        return renderAwsError(protocol, requestId, createExpiredTokenError(protocol));
      if (
        !takeApiToken(state, action) ||
        (state.faults.awsThrottleRate > 0 && getStateRandom(state, 'throttle')() < state.faults.awsThrottleRate)
      ) {
        return renderAwsError(protocol, requestId, createThrottleError(protocol, state.faults.throttleAnswer));
      }
      switch (service) {
        case 'ec2':
          return handleEc2Action(state, requestId, action, params ?? new Map());
        case 'sts':
          return handleStsAction(state, requestId, action, headers);
        case 'ssm':
          return await handleSsmAction(state, hosts, requestId, action, parseJsonBody(req.body));
        case 'secretsmanager':
          return handleSecretsManagerAction(state, requestId, action, parseJsonBody(req.body));
        default:
          return renderAwsError(protocol, requestId, {
            code: 'UnrecognizedClientException',
            message: `The sandbox does not simulate the ${service} service.`,
            status: 400,
          });
      }
    } catch (error) {
      if (isAwsApiError(error)) return renderAwsError(protocol, requestId, error);
      return renderAwsError(protocol, requestId, {
        code: protocol === 'ec2' ? 'InternalError' : 'InternalFailure',
        message: 'The sandbox failed to process the request.',
        status: 500,
      });
    }
  }
}

function parseJsonBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below, as the real services answer a body they cannot read
  }
  throw new AwsApiError('SerializationException', 'Start of structure or map found where not expected.');
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
