import { UsageError } from '../errors.js';

/**
 * A secret's consumer, parsed from its config string. Pure.
 *   tenants-env:<VAR>                          <VAR> in every tenant container (the migrate engine)
 *   railway:<service>/<environment>/<VAR>      a Railway service variable, then a redeploy
 *   gitea-actions-secret:<owner>/<repo>/<NAME> a Gitea Actions secret (a CI mirror; write-only)
 */

export type SecretConsumer =
  | { kind: 'tenants-env'; ref: string; variable: string }
  | { kind: 'railway'; ref: string; service: string; environment: string; variable: string }
  | { kind: 'gitea-actions-secret'; ref: string; owner: string; repo: string; name: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SEGMENT = /^[A-Za-z0-9_.-]+$/;

export function parseConsumer(ref: string): SecretConsumer {
  const colon = ref.indexOf(':');
  const kind = ref.slice(0, colon);
  const parts = ref.slice(colon + 1).split('/');
  const bad = (shape: string): UsageError =>
    new UsageError(`consumer "${ref}" is not of the form ${shape}`, "fix the secret's consumers in the config file");
  if (kind === 'tenants-env') {
    if (parts.length !== 1 || !NAME.test(parts[0]!)) throw bad('tenants-env:<VAR>');
    return { kind, ref, variable: parts[0]! };
  }
  if (kind === 'railway') {
    if (parts.length !== 3 || !SEGMENT.test(parts[0]!) || !SEGMENT.test(parts[1]!) || !NAME.test(parts[2]!))
      throw bad('railway:<service>/<environment>/<VAR>');
    return { kind, ref, service: parts[0]!, environment: parts[1]!, variable: parts[2]! };
  }
  if (kind === 'gitea-actions-secret') {
    if (parts.length !== 3 || !SEGMENT.test(parts[0]!) || !SEGMENT.test(parts[1]!) || !NAME.test(parts[2]!))
      throw bad('gitea-actions-secret:<owner>/<repo>/<NAME>');
    return { kind, ref, owner: parts[0]!, repo: parts[1]!, name: parts[2]! };
  }
  throw bad('tenants-env:, railway: or gitea-actions-secret:');
}

/**
 * Whether a consumer can hold the old and the new value at once. None of the built-in kinds can:
 * a variable or a secret has one value. So every consumer between the CP and the tenants is an
 * impact window (see the rotation plan), and `--overlap` only matters for consumers that could.
 */
export function acceptsTwoValues(_consumer: SecretConsumer): boolean {
  return false;
}
