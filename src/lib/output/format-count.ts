/**
 * A count and its noun, agreeing: "1 tenant", "0 tenants", "12 orgs". The one way human output
 * says how many of something there are: "1 tenants" and "1 tenant(s)" read as careless, and in a
 * confirmation ("to change 1 tenants") a careless line is one a person reads less carefully.
 * `plural` for nouns that do not just take an s ("1 entry", "2 entries").
 */
export function formatCount(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
