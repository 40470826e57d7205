import type { ResponseSchema } from '../http/validate-response.js';
import type { OrgRow } from './cp-schemas.js';

/**
 * What the org routes' answers say, read leniently where the contract promises little: the rows of
 * a list page one by one (an odd row is reported, never fatal), and the created org's fields,
 * wherever a create answer puts them. Pure: CpClient makes the calls and hands the bodies here.
 */

export interface UnreadableOrgRow {
  /** Position in the CP's answer. */
  index: number;
  /** The row's slug when that field at least was readable. */
  slug: string | null;
  /** Which fields were wrong (names and expectations, never values). */
  problem: string;
}

export interface OrgPage {
  rows: OrgRow[];
  unreadable: UnreadableOrgRow[];
  /** The `limit` asked for. */
  limit: number;
  /**
   * Null, or what in the CP's answer says it holds more orgs than this page (a cursor field, a
   * `has_more`, a larger `total`, a `Link: rel="next"` header), named by field, never by value.
   * molectl reads one page: the contract names no cursor parameter to follow it with.
   */
  more: string | null;
  /** Null, or the larger `limit` the CP refused (400/422) before it answered this page's. */
  limitRefused: { limit: number; answer: string } | null;
}

/**
 * The rows of a list page, each validated alone: the readable ones, and for the others their
 * position, their slug when at least that is readable, and what was wrong (never a value).
 */
export function readOrgRows(
  rowSchema: ResponseSchema<OrgRow>,
  rows: readonly unknown[],
): Pick<OrgPage, 'rows' | 'unreadable'> {
  const page: Pick<OrgPage, 'rows' | 'unreadable'> = { rows: [], unreadable: [] };
  rows.forEach((raw, index) => {
    const parsed = rowSchema.safeParse(raw);
    if (parsed.success) page.rows.push(parsed.data);
    else page.unreadable.push({ index, slug: readSlugField(raw), problem: describeIssues(parsed.error.issues) });
  });
  return page;
}

/**
 * The created org's fields from a create answer: at the top level (`{"id":...}`), or in an
 * envelope (`{"org":{...}}`, `{"data":{...}}`) whose slug, when it names one, is the one asked for.
 */
export function readCreatedOrgFields(
  schema: ResponseSchema<{ id?: string | undefined; created_at?: string | undefined }>,
  body: unknown,
  slug: string,
): { id?: string | undefined; created_at?: string | undefined } {
  const top = schema.safeParse(body);
  if (top.success && top.data.id !== undefined) return top.data;
  for (const key of ['org', 'data']) {
    const inner = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
    const innerSlug = readSlugField(inner);
    if (innerSlug !== null && innerSlug !== slug) continue;
    const parsed = schema.safeParse(inner);
    if (parsed.success && parsed.data.id !== undefined) return parsed.data;
  }
  return top.success ? top.data : {};
}

function readSlugField(raw: unknown): string | null {
  const slug = typeof raw === 'object' && raw !== null ? (raw as { slug?: unknown }).slug : undefined;
  return typeof slug === 'string' && slug !== '' ? slug : null;
}

function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  return issues.map((issue) => `${issue.path.map(String).join('.') || '(row)'}: ${issue.message}`).join('; ');
}
