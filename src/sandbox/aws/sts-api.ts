import type { SandboxState } from '../state.js';
import { AwsApiError } from './aws-api-error.js';
import { escapeXml, renderXml, type AwsResponse } from './aws-wire.js';

const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** STS (classic query protocol). Only GetCallerIdentity: molectl shows the account before acting. */
export function handleStsAction(
  state: SandboxState,
  requestId: string,
  action: string,
  headers: Record<string, string>,
): AwsResponse {
  if (action !== 'GetCallerIdentity') {
    throw new AwsApiError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
  }
  const accessKeyId = /Credential=([^/\s,]+)\//.exec(headers['authorization'] ?? '')?.[1] ?? 'AKIDSANDBOX';
  const userId = `AIDA${accessKeyId
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, 16)
    .padEnd(16, 'X')}`;
  const arn = `arn:aws:iam::${state.accountId}:user/molectl-sandbox`;
  return renderXml(
    requestId,
    `<GetCallerIdentityResponse xmlns="${STS_XMLNS}"><GetCallerIdentityResult><Arn>${escapeXml(arn)}</Arn><UserId>${userId}</UserId><Account>${state.accountId}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
  );
}
