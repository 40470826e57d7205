import { describe, expect, it } from 'vitest';
import { resolveConfig, type ConfigFile, type GlobalFlags } from '../../../src/lib/config/load-config.js';
import type { EnvVars } from '../../../src/lib/config/env.js';
import { ExitCode } from '../../../src/lib/errors.js';

const configPath = '/home/op/.config/molectl/config.json';

function resolve(args: { file?: ConfigFile | null; env?: EnvVars; flags?: GlobalFlags }) {
  return resolveConfig({ file: args.file ?? null, configPath, env: args.env ?? {}, flags: args.flags ?? {} });
}

describe('config precedence: defaults < file < MOLECTL_* < flags', () => {
  const file: ConfigFile = {
    defaultEnv: 'staging',
    output: 'json',
    environments: { staging: { cpUrl: 'https://cp.file.example', awsRegion: 'eu-west-1' } },
  };

  it.each([
    {
      name: 'defaults only',
      file: null,
      env: {},
      flags: {},
      envName: ['production', 'default'],
      cpUrl: ['https://api.moleculesai.app', 'default'],
      output: ['text', 'default'],
    },
    {
      name: 'file beats defaults',
      file,
      env: {},
      flags: {},
      envName: ['staging', 'file'],
      cpUrl: ['https://cp.file.example', 'file'],
      output: ['json', 'file'],
    },
    {
      name: 'env beats file',
      file,
      env: { MOLECTL_ENV: 'staging', MOLECTL_CP_URL: 'https://cp.env.example', MOLECTL_OUTPUT: 'text' },
      flags: {},
      envName: ['staging', 'env'],
      cpUrl: ['https://cp.env.example', 'env'],
      output: ['text', 'env'],
    },
    {
      name: 'flags beat env',
      file,
      env: { MOLECTL_ENV: 'staging', MOLECTL_CP_URL: 'https://cp.env.example' },
      flags: { env: 'production', cpUrl: 'https://cp.flag.example', output: 'json' },
      envName: ['production', 'flag'],
      cpUrl: ['https://cp.flag.example', 'flag'],
      output: ['json', 'flag'],
    },
  ] as const)('$name', ({ file: f, env, flags, envName, cpUrl, output }) => {
    const config = resolve({ file: f as ConfigFile | null, env: env as EnvVars, flags: flags as GlobalFlags });
    expect([config.envName.value, config.envName.source]).toEqual(envName);
    expect([config.cpUrl.value, config.cpUrl.source]).toEqual(cpUrl);
    expect([config.output.value, config.output.source]).toEqual(output);
  });

  it.each([
    { name: 'built-in environment region', env: {}, flags: {}, expected: ['us-east-2', 'default'] },
    { name: 'MOLECTL_REGION', env: { MOLECTL_REGION: 'eu-central-1' }, flags: {}, expected: ['eu-central-1', 'env'] },
    {
      name: '--region wins',
      env: { MOLECTL_REGION: 'eu-central-1' },
      flags: { region: 'ap-south-1' },
      expected: ['ap-south-1', 'flag'],
    },
    {
      name: 'AWS_REGION does not override a named environment',
      env: { AWS_REGION: 'us-west-2' },
      flags: {},
      expected: ['us-east-2', 'default'],
    },
  ] as const)('region: $name', ({ env, flags, expected }) => {
    const config = resolve({ env: env as EnvVars, flags: flags as GlobalFlags });
    expect([config.region?.value, config.region?.source]).toEqual(expected);
  });

  it('a user-defined environment without a region takes AWS_REGION, and has no region at all without it', () => {
    const file: ConfigFile = {
      environments: { lab: { cpUrl: 'https://cp.lab.example', tenantUrlTemplate: 'https://{slug}.lab.example' } },
    };
    expect(resolve({ file, flags: { env: 'lab' }, env: { AWS_REGION: 'us-west-2' } }).region).toMatchObject({
      value: 'us-west-2',
      source: 'aws-env',
    });
    expect(resolve({ file, flags: { env: 'lab' } }).region).toBeNull();
  });

  it('a file can override one key of a built-in environment and keep the rest', () => {
    const config = resolve({ file: { environments: { production: { containerName: 'platform' } } } });
    expect(config.environment.containerName).toBe('platform');
    expect(config.environment.cpUrl).toBe('https://api.moleculesai.app');
    expect(config.environmentKeysFromFile).toEqual(['containerName']);
  });

  it('an unknown --env is a usage error naming the known environments', () => {
    expect(() => resolve({ flags: { env: 'prod' } })).toThrowError(
      expect.objectContaining({
        code: ExitCode.usage,
        message: expect.stringContaining('unknown environment "prod"'),
        hint: expect.stringContaining('production, staging, sandbox'),
      }),
    );
  });

  it('an unknown MOLECTL_ENV is a configuration error (exit 3)', () => {
    expect(() => resolve({ env: { MOLECTL_ENV: 'nope' } })).toThrowError(
      expect.objectContaining({ code: ExitCode.credentials }),
    );
  });

  it('--output must be text or json', () => {
    expect(() => resolve({ flags: { output: 'yaml' } })).toThrowError(
      expect.objectContaining({ code: ExitCode.usage, message: expect.stringContaining('is not an output format') }),
    );
  });

  it('a CP URL that is not a URL is refused with the fix', () => {
    expect(() => resolve({ flags: { cpUrl: 'api.moleculesai.app' } })).toThrowError(
      expect.objectContaining({ code: ExitCode.usage, hint: expect.stringContaining('https://') }),
    );
  });
});
