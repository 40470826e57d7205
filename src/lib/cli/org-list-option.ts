import { z } from 'zod';

/** `--orgs a,b,c`: a comma-separated list of org slugs, each well-formed, no duplicates kept. */
export const orgListSchema = z
  .string()
  .transform((text) => [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))])
  .pipe(z.array(z.string().regex(/^[a-z][a-z0-9-]{1,31}$/, 'each org must be a slug such as acme-corp')).min(1, 'name at least one org'));
