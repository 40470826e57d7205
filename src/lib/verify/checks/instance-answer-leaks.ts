import type { Redactor } from '../../output/redactor.js';

/**
 * What in the CP's public `/cp/orgs/<slug>/instance` answer must not be there: a field named like
 * a secret, or a value of a known token shape. Shared by verify's cp-instance-no-secret and fleet
 * audit's admin-token-exposed. Every offending value is registered with the redactor before it is
 * described, so no report built from the answer can print it. Returns one phrase per leak
 * (`admin_token field`, `token-shaped value in ip`), never a value.
 */
export function findInstanceAnswerLeaks(body: unknown, redactor: Redactor): string[] {
  const leaks: string[] = [];
  for (const [path, value] of walkStrings(body, '')) {
    if (/token|secret|passw|credential|api_?key/i.test(path)) {
      redactor.register(value, 'leaked-secret');
      leaks.push(`${path} field`);
    } else if (redactor.redact(value) !== value) {
      redactor.register(value, 'leaked-secret');
      leaks.push(`token-shaped value in ${path}`);
    }
  }
  // An admin_token that is not a string (null, a number, an object) is still a field that must not be there.
  if (
    body !== null &&
    typeof body === 'object' &&
    'admin_token' in body &&
    !leaks.some((l) => l.startsWith('admin_token'))
  )
    leaks.unshift('admin_token field');
  return leaks;
}

function* walkStrings(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === 'string') yield [path || '(body)', value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* walkStrings(v, `${path}[${i}]`);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) yield* walkStrings(v, path ? `${path}.${k}` : k);
}
