import { CHECKLIST_VARIABLE_PREFIX, envVarDocs } from '../../config/env.js';

/**
 * What a checklist may send, and where (docs/commands/verify.md, "Threat model"). A checklist
 * file lives in a repository and runs in CI with production credentials in the environment, so
 * whoever can edit it must not be able to send those credentials anywhere:
 *  - interpolation reads only the variables the file declares (`vars:`) and the non-secret
 *    built-ins; a declared variable must be a VERIFY_* one or molectl's own (src/lib/config/env.ts);
 *  - a variable that is secret by its name never appears in a URL, a query, a header or a body;
 *  - a credential travels only as `auth:`, to the origin it belongs to, which the file cannot
 *    choose: `auth: cp-admin` sends the CP admin token to the environment's CP (https, or the
 *    sandbox's loopback http) and nowhere else;
 *  - at run time, a value registered with the redactor (every secret molectl read or holds) in
 *    a URL, a header or a body stops the run before anything is sent, whatever its name.
 * Pure.
 */

export const BUILT_IN_VARIABLES: Record<string, string> = {
  CP_URL: "the environment's CP base URL",
  ENVIRONMENT: 'the environment name',
  COMMIT: 'the --expect-commit value',
};

/** The credentials a request may carry with `auth:`, each bound to an origin the file cannot choose. */
export const AUTH_KINDS = { 'cp-admin': "the CP admin token, as a bearer, to the environment's CP only" } as const;
export type AuthKind = keyof typeof AUTH_KINDS;

export function isAuthKind(value: string): value is AuthKind {
  return value in AUTH_KINDS;
}

/**
 * Secret by name: *_TOKEN, *_SECRET*, *_KEY, *PASSWORD*, *CREDENTIAL*, and the AWS credentials
 * (AWS_ACCESS_KEY_ID is an id, but it is half of a credential and never needed by a check).
 */
export function isSecretShapedName(name: string): boolean {
  return /(?:^|_)TOKEN$|SECRET|(?:^|_)KEY$|PASSW|CREDENTIAL|^AWS_ACCESS_KEY_ID$|^AWS_SESSION_TOKEN$/i.test(name);
}

/** A name a checklist may declare in `vars:`: a VERIFY_* variable or one molectl itself reads. */
export function isDeclarableVariable(name: string): boolean {
  return (
    name in envVarDocs || (name.startsWith(CHECKLIST_VARIABLE_PREFIX) && name.length > CHECKLIST_VARIABLE_PREFIX.length)
  );
}

/** Why a variable reference is refused, or undefined when the file may use it there. */
export function refuseVariable(name: string, declared: ReadonlySet<string>): string | undefined {
  if (name in BUILT_IN_VARIABLES) return undefined;
  if (isSecretShapedName(name)) {
    return `\${${name}} is a secret by its name: a checklist never puts one in a URL, query, header or body (send the CP admin token with auth: cp-admin)`;
  }
  if (!declared.has(name))
    return `\${${name}} is not declared: list it under vars: (built-ins: ${Object.keys(BUILT_IN_VARIABLES).join(', ')})`;
  return undefined;
}

/**
 * `auth: cp-admin` needs a URL whose origin is the CP's by construction: `${CP_URL}` then a
 * path, a query or nothing. `${CP_URL}@evil.example/` would be another host.
 */
export function isCpRelativeUrl(url: string): boolean {
  return /^\$\{CP_URL\}(?:[/?#]|$)/.test(url);
}

/** The origin an `auth:` credential may go to, checked again on the final URL before sending. */
export function credentialOriginAllowed(url: string, cpUrl: string): boolean {
  let target: URL;
  let cp: URL;
  try {
    target = new URL(url);
    cp = new URL(cpUrl);
  } catch {
    return false;
  }
  if (target.origin !== cp.origin || target.username || target.password) return false;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname);
  return target.protocol === 'https:' || (target.protocol === 'http:' && loopback);
}
