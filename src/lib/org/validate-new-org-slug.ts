import { UsageError } from '../errors.js';

/**
 * The rules for a NEW org slug, checked locally before anything is sent: the slug becomes a
 * DNS label under the platform's domain (`<slug>.moleculesai.app`), so it must be a short,
 * lowercase label that cannot shadow one of the platform's own hostnames. (The CP client's
 * checkOrgSlug is looser on purpose: it must still reach orgs created before these rules.)
 */

export const ORG_SLUG_MIN_LENGTH = 3;
export const ORG_SLUG_MAX_LENGTH = 32;

/** Hostnames the platform uses or may use under its domain; an org named so would shadow them. */
export const RESERVED_ORG_SLUGS: ReadonlySet<string> = new Set([
  'api',
  'app',
  'www',
  'admin',
  'staging',
  'staging-api',
  'status',
  'doc',
  'docs',
  'send',
  'mail',
  'git',
  'auth',
  'login',
  'help',
  'support',
  'dashboard',
  'console',
  'canvas',
]);

const HINT =
  'an org slug is 3 to 32 characters: a lowercase letter, then lowercase letters, digits and single hyphens, not ending in a hyphen (e.g. acme-prod)';

/** Returns the slug unchanged, or throws a UsageError (exit 2) naming the first rule it breaks. */
export function validateNewOrgSlug(slug: string): string {
  const problem = findSlugProblem(slug);
  if (problem) throw new UsageError(`org slug "${printable(slug)}" ${problem}`, HINT);
  return slug;
}

/** The first rule the slug breaks, as a phrase, or null when it is valid. Pure. */
export function findSlugProblem(slug: string): string | null {
  if (slug.length < ORG_SLUG_MIN_LENGTH)
    return `is too short (${slug.length} characters, at least ${ORG_SLUG_MIN_LENGTH})`;
  if (slug.length > ORG_SLUG_MAX_LENGTH)
    return `is too long (${slug.length} characters, at most ${ORG_SLUG_MAX_LENGTH})`;
  if (/[A-Z]/.test(slug)) return 'has uppercase letters';
  if (!/^[a-z]/.test(slug)) return 'must start with a lowercase letter';
  if (/[^a-z0-9-]/.test(slug)) return 'has characters other than lowercase letters, digits and hyphens';
  if (slug.includes('--')) return 'has consecutive hyphens';
  if (slug.endsWith('-')) return 'ends with a hyphen';
  if (RESERVED_ORG_SLUGS.has(slug)) return 'is reserved for the platform';
  return null;
}

/** Slugs come from argv: keep control characters out of the terminal when echoing one back. */
function printable(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  return shown.replace(/[\u0000-\u001f\u007f]/g, '?');
}
