import { createHash } from 'node:crypto';
import type { FaultConfig } from '../state.js';
import { AwsApiError } from './aws-api-error.js';

/**
 * Offset pagination with opaque tokens. A token carries the offset and the name of the listing
 * it belongs to, so a token from one listing replayed on another is rejected as AWS rejects it.
 */

export interface PageOptions {
  maxResults: number | undefined;
  nextToken: string | undefined;
  defaultSize: number;
  minSize?: number;
  maxSize: number;
  /** Names the listing; tokens are only valid for the same listing. */
  scope: string;
  /** Error name the service uses for a bad token (`InvalidNextToken`, `InvalidParameterValue`). */
  tokenErrorCode: string;
  /** Error name for MaxResults out of range (`ValidationException`, `InvalidParameterValue`). */
  sizeErrorCode: string;
  /**
   * The listing faults (every sandbox listing takes them, so none escapes `--faults pages=...`):
   *  - sparsePages (`pages=sparse`): an empty page with a NextToken before every page, and after
   *    the last one, as EC2's DescribeInstances and SSM's ListCommandInvocations answer when a
   *    filter leaves a scanned page empty. A caller that stops at an empty page loses the rest;
   *  - endlessPages (`pages=endless`): after the last page, empty pages for ever, each with a new
   *    NextToken.
   */
  faults: Pick<FaultConfig, 'sparsePages' | 'endlessPages'>;
}

export function paginateItems<T>(items: T[], options: PageOptions): { page: T[]; nextToken: string | undefined } {
  const size = options.maxResults ?? options.defaultSize;
  const min = options.minSize ?? 1;
  if (!Number.isInteger(size) || size < min || size > options.maxSize) {
    throw new AwsApiError(
      options.sizeErrorCode,
      `1 validation error detected: Value '${size}' at 'maxResults' failed to satisfy constraint: Member must have value between ${min} and ${options.maxSize}`,
    );
  }
  const { offset, emptied } = options.nextToken
    ? decodeToken(options.nextToken, options)
    : { offset: 0, emptied: false };
  const sparse = options.faults.sparsePages === true;
  if (sparse && !emptied && offset <= items.length)
    return { page: [], nextToken: encodeToken(offset, options.scope, true) };
  const page = items.slice(offset, offset + size);
  const more = offset + size < items.length;
  const next =
    more || options.faults.endlessPages === true || (sparse && offset < items.length)
      ? encodeToken(offset + size, options.scope)
      : undefined;
  return { page, nextToken: next };
}

function encodeToken(offset: number, scope: string, emptied = false): string {
  return Buffer.from(JSON.stringify({ o: offset, s: hashScope(scope), ...(emptied ? { e: 1 } : {}) })).toString(
    'base64',
  );
}

function hashScope(scope: string): string {
  return createHash('sha256').update(scope).digest('hex').slice(0, 16);
}

function decodeToken(token: string, options: PageOptions): { offset: number; emptied: boolean } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {
      o?: unknown;
      s?: unknown;
      e?: unknown;
    };
    if (
      typeof parsed.o === 'number' &&
      Number.isInteger(parsed.o) &&
      parsed.o >= 0 &&
      parsed.s === hashScope(options.scope)
    )
      return { offset: parsed.o, emptied: parsed.e === 1 };
  } catch {
    // fall through to the service's error
  }
  throw new AwsApiError(options.tokenErrorCode, 'The nextToken provided is invalid.');
}
