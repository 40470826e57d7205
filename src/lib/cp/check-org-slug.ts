import { UsageError } from '../errors.js';

// Identifiers go into URL paths: restricting them keeps "../" and "?" out of every CP route.
/** The one rule for a slug naming an existing org (looser than a new org's, validate-new-org-slug.ts). */
export const ORG_SLUG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** An org slug as CP routes take it; a UsageError (exit 2) before anything is sent otherwise. */
export function checkOrgSlug(slug: string): string {
  if (!ORG_SLUG_PATTERN.test(slug))
    throw new UsageError(
      `"${slug}" is not a valid org slug`,
      'an org slug is letters, digits, "-" and "_", e.g. acme-prod',
    );
  return slug;
}

/** A workspace id (UUID) or EC2 instance id. */
export function checkResourceId(id: string, what: string): string {
  if (!ID_PATTERN.test(id))
    throw new UsageError(`"${id}" is not a valid ${what}`, `pass the ${what} as the CP or EC2 shows it`);
  return id;
}
