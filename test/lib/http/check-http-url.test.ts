import { describe, expect, it } from 'vitest';
import { ConfigError, ExitCode } from '../../../src/lib/errors.js';
import { checkHttpUrl, describeUrl, isLoopbackHost } from '../../../src/lib/http/check-http-url.js';

describe('checkHttpUrl', () => {
  it.each([
    'https://api.moleculesai.app',
    'http://127.0.0.1:8080/health',
    'http://127.9.8.7/',
    'http://localhost:3000',
    'http://[::1]:9000/x',
  ])('accepts %s', (url) => {
    expect(checkHttpUrl(url).href).toBe(new URL(url).href);
  });

  it.each([
    ['http://api.moleculesai.app', /refusing plain http:\/\/ to api\.moleculesai\.app/],
    ['http://128.0.0.1', /refusing plain http:\/\/ to 128\.0\.0\.1/],
    ['http://localhost.evil.example', /refusing plain http/],
    ['ftp://example.com', /unsupported scheme ftp:/],
    ['not a url', /is not a valid URL/],
  ])('refuses %s with a config error (exit 3)', (url, message) => {
    let caught: unknown;
    try {
      checkHttpUrl(url, 'CP URL');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe(ExitCode.credentials);
    expect((caught as ConfigError).message).toMatch(message);
    expect((caught as ConfigError).hint).toBeTruthy();
  });

  it('refuses a URL carrying a password without echoing it', () => {
    expect(() => checkHttpUrl('https://ops:SENTINEL-pw-99@api.moleculesai.app')).toThrow(
      /carries a user name or password/,
    );
    try {
      checkHttpUrl('https://ops:SENTINEL-pw-99@api.moleculesai.app');
    } catch (error) {
      expect(`${(error as ConfigError).message}${(error as ConfigError).hint}`).not.toContain('SENTINEL');
    }
  });

  it('describes a URL without its query string (some APIs take ?token=)', () => {
    expect(describeUrl(new URL('https://git.moleculesai.app/api/v1/repos?token=abc'))).toBe(
      'https://git.moleculesai.app/api/v1/repos',
    );
  });

  it('recognises loopback hosts only', () => {
    expect(['127.0.0.1', '127.255.255.254', 'localhost', 'LOCALHOST', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', '127.0.0.1.nip.io', '127.0.0', '0.0.0.0', '::'].some(isLoopbackHost)).toBe(false);
  });
});
