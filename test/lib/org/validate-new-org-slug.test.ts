import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../../src/lib/errors.js';
import { findSlugProblem, validateNewOrgSlug } from '../../../src/lib/org/validate-new-org-slug.js';

describe('validateNewOrgSlug', () => {
  it.each(['acme', 'abc', 'acme-prod', 'e2e-1234', 'a1b2c3', 'a'.repeat(32), 'x-y-z'])('accepts %s', (slug) => {
    expect(validateNewOrgSlug(slug)).toBe(slug);
  });

  it.each([
    ['', /too short/],
    ['ab', /too short/],
    ['a'.repeat(33), /too long/],
    ['Acme', /uppercase/],
    ['1acme', /start with a lowercase letter/],
    ['-acme', /start with a lowercase letter/],
    ['acme_prod', /other than lowercase/],
    ['acme.prod', /other than lowercase/],
    ['acme prod', /other than lowercase/],
    ['acmé', /other than lowercase/],
    ['acme--prod', /consecutive hyphens/],
    ['acme-', /ends with a hyphen/],
    ['api', /reserved/],
    ['www', /reserved/],
    ['admin', /reserved/],
    ['staging', /reserved/],
    ['staging-api', /reserved/],
    ['status', /reserved/],
    ['doc', /reserved/],
    ['send', /reserved/],
    ['app', /reserved/],
  ])('refuses %j (%s) with a usage error and a hint', (slug, problem) => {
    expect(findSlugProblem(slug)).toMatch(problem);
    let error: unknown;
    try {
      validateNewOrgSlug(slug);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe(ExitCode.usage);
    expect((error as UsageError).hint).toMatch(/3 to 32 characters/);
  });

  it('keeps control characters out of the message', () => {
    expect(() => validateNewOrgSlug('ab\u001b[31mc')).toThrow(/ab\?\[31mc/);
  });
});
