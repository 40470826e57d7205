import type { RewriteRules } from './rewrite-rules.js';

/** The user-info part of a clone URL (`user:${TOKEN}@`): what carries over to Gitea and what cannot. Pure. */

/** `${GITHUB_TOKEN}` / `$GITHUB_TOKEN` becomes the Gitea variable; `secrets.GITHUB_TOKEN` and other text stay. */
export function swapTokenVariable(userinfo: string, rules: RewriteRules): string {
  const { from, to } = rules.tokenVariable;
  return userinfo.replace(new RegExp(String.raw`(\$\{?)${from}(?![A-Za-z0-9_])`, 'g'), `$1${to}`);
}

/** `user:password@` where the password is not a variable reference. */
export function hasLiteralPassword(userinfo: string): boolean {
  const body = userinfo.slice(0, -1);
  const colon = body.indexOf(':');
  const secret = colon === -1 ? body : body.slice(colon + 1);
  if (/\$/.test(secret) || secret.length === 0) return false;
  // A bare user name (`git@`, `oauth2@`) is not a credential; a token-looking one is.
  return colon !== -1 || /^(?:gh[opsur]_|github_pat_)/.test(secret);
}
