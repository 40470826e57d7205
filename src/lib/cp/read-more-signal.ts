/*
 * How a list answer says it is one page of several: the contract documents no paging for
 * GET /cp/admin/orgs, so the common shapes are recognised (see CpClient.listOrgs).
 */

/**
 * Field names with which list APIs say "there is another page" (cursor, token, link, flag), whole
 * names only: a field that merely starts like one (`next_maintenance`, `more_info`) says nothing
 * of paging, and would make a complete page look incomplete.
 */
const MORE_FIELD =
  /^(next(_?(cursor|page|page_?token|token|url|link|offset))?|has_?more|has_?next(_?page)?|more|truncated|(next_?|page_?)?cursor|(next_?)?page_?token|continuation(_?token)?)$/i;
const TOTAL_FIELD = /^(total|total_?count|count)$/i;
const PAGING_OBJECT = /pagination|paging|meta|page_?info/i;

/**
 * What in a list answer says the CP holds more than the page: a field named like a cursor or a
 * has-more flag with a value that is not empty, false or null; a total larger than the rows; a
 * Link header with rel="next". Named by field (the value may be an opaque token), or null.
 */
export function readMoreSignal(body: Record<string, unknown>, rows: number, link: string | null): string | null {
  const signal = readMoreFields(body, rows, '');
  if (signal !== null) return signal;
  if (link !== null && /rel="?next"?/i.test(link)) return 'a Link header with rel="next"';
  return null;
}

/** The fields of `readMoreSignal`, at the top level or in a `pagination` / `meta` / `page_info` object. */
function readMoreFields(fields: Record<string, unknown>, rows: number, prefix: string): string | null {
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'orgs' || value === null || value === undefined) continue;
    const name = `${prefix}${key}`;
    if (TOTAL_FIELD.test(key) && typeof value === 'number' && value > rows) return `${name} ${value}`;
    if (MORE_FIELD.test(key) && value !== false && value !== '' && value !== 0) return name;
    if (prefix === '' && PAGING_OBJECT.test(key) && typeof value === 'object' && !Array.isArray(value)) {
      const nested = readMoreFields(value as Record<string, unknown>, rows, `${key}.`);
      if (nested !== null) return nested;
    }
  }
  return null;
}
