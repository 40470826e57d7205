import { MolectlError } from '../errors.js';

/**
 * Empty pages with a NextToken are normal (EC2 and SSM answer them when a filter leaves a scanned
 * page empty: a handful, ~one per 1,000 instances scanned), but not without end: past this many in
 * a row the listing is broken, and following it would never finish.
 */
export const MAX_EMPTY_PAGES_IN_A_ROW = 1000;

/**
 * Flattens a NextToken-paginated AWS listing into one array. Pages are fetched one after the
 * other (AWS tokens are sequential); memory grows with the items kept, not with the pages.
 * A token seen twice would loop forever, and so would empty pages without end (each with a new
 * token): either ends the listing with an error instead.
 */
export async function collectPages<Page, Item>(
  fetchPage: (nextToken: string | undefined) => Promise<Page>,
  readPage: (page: Page) => { items: Item[] | undefined; nextToken: string | undefined },
): Promise<Item[]> {
  const all: Item[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  let emptyInARow = 0;
  do {
    const { items, nextToken } = readPage(await fetchPage(token));
    if (items) all.push(...items);
    emptyInARow = items && items.length > 0 ? 0 : emptyInARow + 1;
    if (nextToken && emptyInARow >= MAX_EMPTY_PAGES_IN_A_ROW) {
      throw new MolectlError(
        `an AWS listing answered ${emptyInARow} empty pages in a row, each with a new page token: molectl stopped following it`,
        {
          hint: 'AWS answers a few empty pages when a filter leaves them empty, never this many: if AWS_ENDPOINT_URL is set, what answers there pages without end; else run again, and report it with --debug output if it persists',
        },
      );
    }
    if (nextToken && seen.has(nextToken)) {
      throw new MolectlError('an AWS listing returned the same page token twice', {
        hint: 'run again; if it persists, report it with --debug output',
      });
    }
    if (nextToken) seen.add(nextToken);
    token = nextToken || undefined;
  } while (token);
  return all;
}

/** Splits ids into groups of at most `size` (SSM and EC2 cap list parameters per call). */
export function chunkIds<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Runs `fn` over every chunk, at most `limit` at a time, results in chunk order. A fleet of
 * 10,000 instances is 200 chunks of 50: all at once they would queue behind the SDK's socket
 * pool and time out, and meet the API's rate limit besides.
 */
export async function mapChunks<T, R>(chunks: T[][], limit: number, fn: (chunk: T[]) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(chunks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const index = next++;
      results[index] = await fn(chunks[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, chunks.length) }, worker));
  return results;
}
