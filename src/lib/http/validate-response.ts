import { MolectlError } from '../errors.js';
import type { Redactor } from '../output/redactor.js';
import type { HttpResponse } from './http-request.js';

/**
 * What validation needs of a schema: zod's safeParse, described here so that the HTTP door
 * imports nothing from zod (callers bring their own schema and load zod with it).
 */
export interface ResponseSchema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

const UPDATE_HINT =
  'the remote API may have changed: check that molectl is up to date, and report it with --debug output';

/** Parses a body as JSON; the error says it was not JSON and never quotes it. */
export function parseJsonBody(response: HttpResponse, method: string): unknown {
  if (response.bodyText.trim() === '') return undefined;
  try {
    return JSON.parse(response.bodyText) as unknown;
  } catch {
    throw new MolectlError(`${method} ${response.url} answered HTTP ${response.status} with a body that is not JSON`, {
      hint: UPDATE_HINT,
    });
  }
}

/**
 * Validates a parsed body. The message names the failing fields and what was expected,
 * built from the schema's issues (paths and expectations), never from the received values.
 */
export function validateResponse<T>(
  schema: ResponseSchema<T>,
  value: unknown,
  context: { method: string; url: string; redactor?: Redactor },
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 3).map((issue) => {
    // Paths are the schema's keys (and list indexes): molectl's vocabulary, printed intact.
    const path = issue.path.length ? issue.path.map(String).join('.') : '(the body)';
    return `${path}: ${issue.message}`;
  });
  const more = result.error.issues.length > 3 ? ` (+${result.error.issues.length - 3} more)` : '';
  const text = `${context.method} ${context.url} answered with an unexpected shape: ${issues.join('; ')}${more}`;
  // Not redacted here: the output layer renders molectl's words and the remote keys each by their tier.
  throw new MolectlError(text, { hint: UPDATE_HINT });
}

/** parseJsonBody + validateResponse, the usual pair. */
export function readJsonResponse<T>(
  schema: ResponseSchema<T>,
  response: HttpResponse,
  method: string,
  redactor?: Redactor,
): T {
  return validateResponse(schema, parseJsonBody(response, method), {
    method,
    url: response.url,
    ...(redactor ? { redactor } : {}),
  });
}
