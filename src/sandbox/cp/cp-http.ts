/** Request and response shapes of the simulated CP (the server hands it parsed requests). */

export interface CpRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
}

export interface CpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function jsonResponse(status: number, payload: unknown): CpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) };
}

export function emptyResponse(status: number): CpResponse {
  return { status, headers: {}, body: '' };
}

/** Go's default mux answer for an unmounted route. */
export function goNotFound(): CpResponse {
  return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '404 page not found\n' };
}

/** Parses a JSON object body; null when absent or not an object. */
export function parseJsonObject(body: string): Record<string, unknown> | null {
  if (body.trim() === '') return null;
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
