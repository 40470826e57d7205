import { describe, expect, it } from 'vitest';
import { BUILT_IN_ENVIRONMENTS } from '../../../src/lib/config/environments.js';
import { parseBearerChallenge } from '../../../src/lib/verify/clients/registry-client.js';
import {
  isSameCommit,
  renderImageTag,
  resolveVerifySettings,
} from '../../../src/lib/verify/resolve-verify-settings.js';

describe('resolveVerifySettings', () => {
  it('uses the public defaults for production and leaves unknown ids unset', () => {
    const s = resolveVerifySettings(BUILT_IN_ENVIRONMENTS.production!);
    expect(s.railway).toEqual({
      apiUrl: 'https://backboard.railway.com/graphql/v2',
      serviceName: 'controlplane',
      environmentName: 'production',
    });
    expect(s.vercel).toEqual({ apiUrl: 'https://api.vercel.com' });
    expect(s.registry).toEqual({
      url: 'https://ghcr.io',
      imageName: 'molecule-ai/platform-tenant',
      tagPattern: '{sha}',
    });
    expect(s.tenantHealthUrl('acme')).toBe('https://acme.moleculesai.app/health');
  });

  it('expands {cpUrl} for the sandbox and takes canaries and the commit from the command line', () => {
    const env = { ...BUILT_IN_ENVIRONMENTS.sandbox!, cpUrl: 'http://127.0.0.1:9999/' };
    const s = resolveVerifySettings(env, { canaries: ['acme'], expectCommit: 'ABCDEF1' });
    expect(s.railway.apiUrl).toBe('http://127.0.0.1:9999/_railway/graphql/v2');
    expect(s.registry.url).toBe('http://127.0.0.1:9999');
    expect(s.canaries).toEqual(['acme']);
    expect(s.expectCommit).toBe('abcdef1');
    expect(s.tenantHealthUrl('acme')).toBe('http://127.0.0.1:9999/_tenants/acme/health');
  });

  it('falls back to configured canaries and railway.projectId', () => {
    const env = {
      ...BUILT_IN_ENVIRONMENTS.staging!,
      railway: { projectId: 'p1', environment: 'staging', service: 'controlplane' },
      verify: { canaries: ['beta'] },
    };
    const s = resolveVerifySettings(env);
    expect(s.canaries).toEqual(['beta']);
    expect(s.railway.projectId).toBe('p1');
  });
});

describe('commit helpers', () => {
  it.each([
    ['abcdef1234567890', 'abcdef1', true],
    ['abcdef1', 'abcdef1234567890', true],
    ['ABCDEF1234', 'abcdef1234', true],
    ['abcdef1234', 'abcdef9', false],
    ['abc', 'abc', true],
    [undefined, 'abcdef1', false],
  ])('isSameCommit(%s, %s) = %s', (a, b, same) => {
    expect(isSameCommit(a, b)).toBe(same);
  });

  it('renders image tags', () => {
    const sha = '0123456789abcdef0123456789abcdef01234567';
    expect(renderImageTag('{sha}', sha)).toBe(sha);
    expect(renderImageTag('sha-{sha7}', sha)).toBe('sha-0123456');
    expect(renderImageTag('main-{sha12}', sha)).toBe('main-0123456789ab');
    expect(renderImageTag('latest', undefined)).toBe('latest');
    expect(renderImageTag('{sha}', undefined)).toBeUndefined();
  });
});

describe('parseBearerChallenge', () => {
  it.each([
    [
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull"',
      { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:a/b:pull' },
    ],
    [
      'bearer realm=https://auth.docker.io/token, service=registry.docker.io',
      { realm: 'https://auth.docker.io/token', service: 'registry.docker.io' },
    ],
    ['Basic realm="x"', null],
    ['Bearer service="x"', null],
    [null, null],
  ])('%s', (header, expected) => {
    expect(parseBearerChallenge(header)).toEqual(expected);
  });
});
