import { describe, expect, it } from 'vitest';
import { configuredEndpoints } from '../../../src/lib/aws/aws-endpoints.js';

describe('where each AWS service is sent, as the SDK decides it', () => {
  it("a service's own variable first, then AWS_ENDPOINT_URL, then AWS itself", () => {
    expect(configuredEndpoints({ AWS_ENDPOINT_URL: 'http://all', AWS_ENDPOINT_URL_SSM: 'http://ssm' })).toEqual({
      ec2: { url: 'http://all', variable: 'AWS_ENDPOINT_URL' },
      ssm: { url: 'http://ssm', variable: 'AWS_ENDPOINT_URL_SSM' },
      secretsmanager: { url: 'http://all', variable: 'AWS_ENDPOINT_URL' },
      sts: { url: 'http://all', variable: 'AWS_ENDPOINT_URL' },
    });
    expect(configuredEndpoints({ AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://sm' })).toEqual({
      ec2: null,
      ssm: null,
      secretsmanager: { url: 'http://sm', variable: 'AWS_ENDPOINT_URL_SECRETS_MANAGER' },
      sts: null,
    });
  });

  it('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true sends every call to AWS', () => {
    for (const value of ['true', 'TRUE', ' true '])
      expect(
        configuredEndpoints({
          AWS_ENDPOINT_URL: 'http://all',
          AWS_ENDPOINT_URL_SSM: 'http://ssm',
          AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: value,
        }),
      ).toEqual({ ec2: null, ssm: null, secretsmanager: null, sts: null });
    expect(
      configuredEndpoints({ AWS_ENDPOINT_URL: 'http://all', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'false' }).ec2,
    ).toEqual({ url: 'http://all', variable: 'AWS_ENDPOINT_URL' });
  });
});
