import { ConfigError } from '../errors.js';

/**
 * The scheme rule every remote client shares: https, or plain http only to this machine.
 * Credentials ride on these calls, so a plain-http URL to another host is refused before
 * anything is sent.
 */
export function checkHttpUrl(input: string | URL, what = 'URL'): URL {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    // The input is not echoed: a mistyped URL can still carry a credential.
    throw new ConfigError(`the ${what} is not a valid URL`, 'write it as https://host[:port][/path]');
  }
  if (url.username || url.password) {
    throw new ConfigError(
      `the ${what} for ${url.hostname} carries a user name or password`,
      'remove the credentials from the URL; molectl sends tokens in headers from the configured token source',
    );
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname)) return url;
    throw new ConfigError(
      `refusing plain http:// to ${url.hostname}: the ${what} must use https`,
      `use https://${url.host}${url.pathname === '/' ? '' : url.pathname}; plain http is allowed only to loopback (127.0.0.1, ::1, localhost)`,
    );
  }
  throw new ConfigError(`the ${what} uses the unsupported scheme ${url.protocol}`, 'use an https:// URL');
}

/** 127.0.0.0/8, ::1 and localhost: the only hosts plain http may reach. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1') return true;
  const octets = host.split('.');
  return octets.length === 4 && octets[0] === '127' && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255);
}

/**
 * A URL as error messages and progress lines show it: origin and path only. The query string
 * and any user info are dropped because some APIs (Gitea's `?token=`) put credentials there.
 */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
