import { describe, expect, it } from 'vitest';
import { translateAwsError, type AwsCallInfo } from '../../../src/lib/aws/translate-aws-error.js';
import { ConfigError, MolectlError } from '../../../src/lib/errors.js';
import { stripRemoteMarks } from '../../../src/lib/output/remote-text.js';

/** An error shaped as SDK v3 throws it: name, message, $fault, $metadata. */
function sdkError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  const error = new Error(message);
  return Object.assign(error, { name, $fault: 'client', $metadata: { httpStatusCode: 400, attempts: 1 }, ...extra });
}

const ssmSend: AwsCallInfo = {
  service: 'ssm',
  action: 'SendCommand',
  region: 'us-east-2',
  profile: 'molecule-ops',
  endpoint: null,
};

interface Row {
  what: string;
  error: unknown;
  call?: Partial<AwsCallInfo>;
  code: number;
  message: string | RegExp;
  hint: RegExp;
}

const rows: Row[] = [
  {
    what: 'access denied names the permission from the message, and who lacks it',
    error: sdkError(
      'AccessDeniedException',
      'User: arn:aws:sts::123456789012:assumed-role/ops/alice is not authorized to perform: ssm:SendCommand on resource: arn:aws:ssm:us-east-2::document/AWS-RunShellScript because no identity-based policy allows the ssm:SendCommand action',
    ),
    code: 3,
    message: 'AWS denied ssm:SendCommand to arn:aws:sts::123456789012:assumed-role/ops/alice (calling ssm:SendCommand)',
    hint: /grant ssm:SendCommand .*docs\/iam\/molectl-operator-policy\.json/,
  },
  {
    what: 'EC2 UnauthorizedOperation without a parsable action names the API being called',
    error: sdkError(
      'UnauthorizedOperation',
      'You are not authorized to perform this operation. Encoded authorization failure message: AbCd',
    ),
    call: { service: 'ec2', action: 'DescribeInstances' },
    code: 3,
    message: 'AWS denied ec2:DescribeInstances (calling ec2:DescribeInstances)',
    hint: /grant ec2:DescribeInstances/,
  },
  {
    what: 'a KMS denial behind GetSecretValue names the KMS permission',
    error: sdkError(
      'AccessDeniedException',
      'User: arn:aws:iam::1:user/x is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-2:1:key/k',
    ),
    call: { service: 'secretsmanager', action: 'GetSecretValue' },
    code: 3,
    message: /^AWS denied kms:Decrypt to arn:aws:iam::1:user\/x/,
    hint: /grant kms:Decrypt/,
  },
  {
    what: 'STS AccessDenied (query protocol) is a credentials problem',
    error: sdkError('AccessDenied', 'Access denied'),
    call: { service: 'sts', action: 'GetCallerIdentity' },
    code: 3,
    message: 'AWS denied sts:GetCallerIdentity (calling sts:GetCallerIdentity)',
    hint: /grant sts:GetCallerIdentity/,
  },
  {
    what: 'ExpiredToken asks for an SSO login with the profile',
    error: sdkError('ExpiredToken', 'The security token included in the request is expired'),
    code: 3,
    message: 'the AWS credentials have expired',
    hint: /run `aws sso login --profile molecule-ops`/,
  },
  {
    what: 'ExpiredTokenException likewise',
    error: sdkError('ExpiredTokenException', 'The security token included in the request is expired'),
    code: 3,
    message: 'the AWS credentials have expired',
    hint: /aws sso login --profile molecule-ops/,
  },
  {
    what: 'an expired SSO session from the credential chain',
    error: Object.assign(
      new Error(
        'The SSO session associated with this profile has expired or is otherwise invalid. To refresh this SSO session run aws sso login with the corresponding profile.',
      ),
      { name: 'CredentialsProviderError' },
    ),
    code: 3,
    message: 'the AWS credentials have expired',
    hint: /aws sso login --profile molecule-ops/,
  },
  {
    what: 'an expired SSO token without a profile asks for one',
    error: Object.assign(new Error('SSO Token refresh failed. Please log in using "aws sso login"'), {
      name: 'TokenProviderError',
    }),
    call: { profile: null },
    code: 3,
    message: 'the AWS credentials have expired',
    hint: /aws sso login --profile <name>` and pass --profile <name>/,
  },
  {
    what: 'no credentials anywhere says how to provide them',
    error: Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    }),
    call: { profile: null },
    code: 3,
    message: 'no AWS credentials found',
    hint: /--profile <name>.*AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.*instance with a role/,
  },
  {
    what: 'a profile that does not exist',
    error: Object.assign(new Error('Profile molecule-ops could not be found or parsed in shared credentials file.'), {
      name: 'CredentialsProviderError',
    }),
    code: 3,
    message: 'AWS profile "molecule-ops" was not found',
    hint: /~\/\.aws\/config/,
  },
  {
    what: 'rejected keys',
    error: sdkError('InvalidClientTokenId', 'The security token included in the request is invalid.'),
    code: 3,
    message: 'AWS rejected the credentials (InvalidClientTokenId calling ssm:SendCommand)',
    hint: /aws sts get-caller-identity --profile molecule-ops/,
  },
  {
    what: 'a missing region',
    error: new Error('Region is missing'),
    code: 3,
    message: 'no AWS region',
    hint: /pass --region, set MOLECTL_REGION or AWS_REGION, or set region in your AWS profile/,
  },
  {
    what: 'throttling after the retries is a failure (exit 1), not a credentials problem',
    error: sdkError('ThrottlingException', 'Rate exceeded', { $metadata: { httpStatusCode: 400, attempts: 5 } }),
    code: 1,
    message: 'AWS throttled ssm:SendCommand (ThrottlingException, gave up after 5 attempts)',
    hint: /wait a minute/,
  },
  {
    what: 'EC2 RequestLimitExceeded is throttling too',
    error: sdkError('RequestLimitExceeded', 'Request limit exceeded.', {
      $fault: 'server',
      $metadata: { httpStatusCode: 503, attempts: 5 },
    }),
    call: { service: 'ec2', action: 'DescribeInstances' },
    code: 1,
    message: 'AWS throttled ec2:DescribeInstances (RequestLimitExceeded, gave up after 5 attempts)',
    hint: /lower the batch size/,
  },
  {
    what: "EC2's RequestExpired (how it refuses an expired session token) names the credentials first",
    error: sdkError('RequestExpired', 'Request has expired.', { $metadata: { httpStatusCode: 400 } }),
    call: { service: 'ec2', action: 'DescribeInstances' },
    code: 3,
    message:
      'AWS refused the request as expired (RequestExpired calling ec2:DescribeInstances): the AWS credentials have most likely expired',
    hint: /aws sso login --profile molecule-ops.*if they are fresh, the clock of this machine is off/,
  },
  {
    what: 'a bare HTTP 429 "Rate exceeded" with no error code (a gateway, another emulator) is throttling',
    error: sdkError('Unknown', 'Rate exceeded', { $fault: 'client', $metadata: { httpStatusCode: 429, attempts: 5 } }),
    code: 1,
    message: 'AWS throttled ssm:SendCommand (HTTP 429, gave up after 5 attempts)',
    hint: /wait a minute/,
  },
  {
    what: 'a missing secret is not found (exit 4) and names it',
    error: sdkError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
    call: { service: 'secretsmanager', action: 'GetSecretValue', target: 'secret molecule/cp/x' },
    code: 4,
    message: 'secret molecule/cp/x was not found in us-east-2 (ResourceNotFoundException)',
    hint: /region and account/,
  },
  {
    what: 'a missing instance',
    error: sdkError('InvalidInstanceID.NotFound', "The instance ID 'i-0abc' does not exist"),
    call: { service: 'ec2', action: 'DescribeInstances', target: 'instance i-0abc' },
    code: 4,
    message: 'instance i-0abc was not found in us-east-2 (InvalidInstanceID.NotFound)',
    hint: /check the name or id/,
  },
  {
    what: 'EC2 names which of the ids asked for are missing',
    error: sdkError('InvalidInstanceID.NotFound', "The instance IDs 'i-0abc12345678, i-0def12345678' do not exist"),
    call: {
      service: 'ec2',
      action: 'DescribeInstances',
      target: 'instance i-0abc12345678, i-0aaa12345678, i-0def12345678',
    },
    code: 4,
    message: 'instance i-0abc12345678, i-0def12345678 was not found in us-east-2 (InvalidInstanceID.NotFound)',
    hint: /check the name or id/,
  },
  {
    what: 'SSM InvalidInstanceId means unreachable by SSM, not missing',
    error: sdkError('InvalidInstanceId', 'Instances [[i-0abc12345678]] not in a valid state for account 1'),
    call: { target: 'i-0abc12345678' },
    code: 1,
    message:
      'SSM cannot run commands on i-0abc12345678: not managed by SSM, agent offline, or not running (InvalidInstanceId)',
    hint: /describe-instance-information/,
  },
  {
    what: 'a missing parameter',
    error: sdkError('ParameterNotFound', ''),
    call: { action: 'GetParameter', target: 'parameter /molectl/x' },
    code: 4,
    message: 'parameter /molectl/x was not found in us-east-2 (ParameterNotFound)',
    hint: /check the name/,
  },
  {
    what: 'a refused connection names the endpoint',
    error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), {
      code: 'ECONNREFUSED',
      $metadata: { attempts: 5 },
    }),
    call: { endpoint: { url: 'http://127.0.0.1:4566', variable: 'AWS_ENDPOINT_URL' } },
    code: 1,
    message: 'cannot reach AWS ssm at http://127.0.0.1:4566 (ECONNREFUSED)',
    hint: /network access.*AWS_ENDPOINT_URL/,
  },
  {
    what: "a refused connection at a service's own endpoint names that service's variable",
    error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4567'), { code: 'ECONNREFUSED' }),
    call: { endpoint: { url: 'http://127.0.0.1:4567', variable: 'AWS_ENDPOINT_URL_SSM' } },
    code: 1,
    message: 'cannot reach AWS ssm at http://127.0.0.1:4567 (ECONNREFUSED)',
    hint: /network access.*AWS_ENDPOINT_URL_SSM, which sends the calls there/,
  },
  {
    what: 'a certificate it does not trust names NODE_EXTRA_CA_CERTS',
    error: Object.assign(new Error('unable to verify the first certificate'), {
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    }),
    call: { endpoint: { url: 'https://127.0.0.1:4566', variable: 'AWS_ENDPOINT_URL' } },
    code: 1,
    message:
      'AWS ssm at https://127.0.0.1:4566 presented a TLS certificate molectl does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
    hint: /NODE_EXTRA_CA_CERTS/,
  },
  {
    what: 'an unresolvable host names the public endpoint of the region',
    error: Object.assign(new Error('getaddrinfo ENOTFOUND ssm.us-east-2.amazonaws.com'), { code: 'ENOTFOUND' }),
    code: 1,
    message: 'cannot reach AWS ssm at https://ssm.us-east-2.amazonaws.com (ENOTFOUND)',
    hint: /VPN, proxy, firewall/,
  },
  {
    what: 'a validation error is bad input (exit 2)',
    error: sdkError(
      'ValidationException',
      "1 validation error detected: Value '3' at 'maxResults' failed to satisfy constraint",
    ),
    code: 2,
    message: /^AWS refused ssm:SendCommand: 1 validation error detected/,
    hint: /nothing was changed/,
  },
  {
    what: 'a server fault after retries',
    error: sdkError('InternalServerError', 'oops', {
      $fault: 'server',
      $metadata: { httpStatusCode: 500, attempts: 5 },
    }),
    code: 1,
    message: 'AWS ssm:SendCommand failed on the AWS side (InternalServerError, after 5 attempts)',
    hint: /try again/,
  },
  {
    what: 'a 503 without an AWS error code (a gateway or maintenance page) names the status, not "Unknown"',
    error: sdkError('Unknown', 'Unknown', { $fault: 'server', $metadata: { httpStatusCode: 503, attempts: 5 } }),
    code: 1,
    message: 'AWS ssm:SendCommand failed on the AWS side (HTTP 503, after 5 attempts)',
    hint: /try again/,
  },
  {
    what: 'an emulator without the API (501 Unknown) is a configuration problem naming AWS_ENDPOINT_URL, not AWS health',
    error: sdkError('Unknown', 'Unknown', { $fault: 'server', $metadata: { httpStatusCode: 501, attempts: 1 } }),
    call: { endpoint: { url: 'http://127.0.0.1:4566', variable: 'AWS_ENDPOINT_URL' } },
    code: 3,
    message: 'the endpoint http://127.0.0.1:4566 (AWS_ENDPOINT_URL) does not serve ssm:SendCommand (HTTP 501)',
    hint: /AWS_ENDPOINT_URL sends every AWS call there: point it at an endpoint that implements ssm/,
  },
  {
    what: "an emulator without the API at a service's own endpoint names that service's variable",
    error: sdkError('Unknown', 'Unknown', { $fault: 'server', $metadata: { httpStatusCode: 501, attempts: 1 } }),
    call: { endpoint: { url: 'http://127.0.0.1:4567', variable: 'AWS_ENDPOINT_URL_SSM' } },
    code: 3,
    message: 'the endpoint http://127.0.0.1:4567 (AWS_ENDPOINT_URL_SSM) does not serve ssm:SendCommand (HTTP 501)',
    hint: /AWS_ENDPOINT_URL_SSM sends ssm's calls there/,
  },
  {
    what: 'an HTML page where AWS JSON was expected, with no endpoint set: something else answered (a proxy)',
    error: Object.assign(
      new SyntaxError('Unexpected token \'<\', "<html>" is not valid JSON\n  Deserialization error'),
      {
        $metadata: { httpStatusCode: 200 },
      },
    ),
    code: 1,
    message: 'something other than AWS answered ssm:SendCommand (HTTP 200, a body that is not an AWS response)',
    hint: /proxy, captive portal or firewall/,
  },
  {
    what: 'anything else keeps the AWS error name and one line of its message',
    error: sdkError('InvalidDocument', 'Document with name X does not exist.\nsecond line'),
    code: 1,
    message: 'AWS ssm:SendCommand failed: InvalidDocument: Document with name X does not exist.',
    hint: /--debug/,
  },
];

describe('translateAwsError', () => {
  it.each(rows)('$what', (row) => {
    const translated = translateAwsError(row.error, { ...ssmSend, ...row.call });
    expect(translated).toBeInstanceOf(MolectlError);
    expect(translated.code).toBe(row.code);
    // AWS's own words are marked as remote text (redacted and escaped when printed).
    const message = stripRemoteMarks(translated.message);
    if (typeof row.message === 'string') expect(message).toBe(row.message);
    else expect(message).toMatch(row.message);
    expect(translated.hint).toMatch(row.hint);
    expect(translated.message).not.toContain('\n');
  });

  it('passes a molectl error through unchanged', () => {
    const original = new ConfigError('no AWS region', 'pass --region');
    expect(translateAwsError(original, ssmSend)).toBe(original);
  });
});
