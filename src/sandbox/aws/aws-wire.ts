import type { AwsApiError } from './aws-api-error.js';

/**
 * Wire formats of the two AWS protocol families the sandbox speaks, written to match what the
 * SDK v3 deserialisers read: JSON 1.1 (SSM, Secrets Manager) puts the error name in `__type`;
 * EC2 query wraps errors in `<Response><Errors><Error>`; classic query (STS) in `<ErrorResponse>`.
 */

export interface AwsResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type AwsProtocol = 'json' | 'ec2' | 'query';

export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export function renderJson(requestId: string, payload: unknown, status = 200): AwsResponse {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
    body: JSON.stringify(payload, replaceDates),
  };
}

/** Renders `xml` (already a complete document body without the prolog). */
export function renderXml(requestId: string, xml: string, status = 200): AwsResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`,
  };
}

export function renderAwsError(
  protocol: AwsProtocol,
  requestId: string,
  error: Pick<AwsApiError, 'code' | 'message' | 'status'>,
): AwsResponse {
  if (error.code === '') return renderCodelessError(protocol, requestId, error);
  if (protocol === 'json') {
    const payload = error.message ? { __type: error.code, message: error.message } : { __type: error.code };
    const response = renderJson(requestId, payload, error.status);
    response.headers['x-amzn-errortype'] = error.code;
    return response;
  }
  if (protocol === 'ec2') {
    return renderXml(
      requestId,
      `<Response><Errors><Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      error.status,
    );
  }
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  return renderXml(
    requestId,
    `<ErrorResponse><Error><Type>${type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    error.status,
  );
}

/**
 * An error with no error code, only a status and a message, as a proxy or gateway in front of an
 * API answers (`429 {"message":"Rate exceeded"}`): the SDK can name it only by its status.
 */
function renderCodelessError(
  protocol: AwsProtocol,
  requestId: string,
  error: Pick<AwsApiError, 'message' | 'status'>,
): AwsResponse {
  if (protocol === 'json') return renderJson(requestId, { message: error.message }, error.status);
  return renderXml(
    requestId,
    `<Response><Errors><Error><Message>${escapeXml(error.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
    error.status,
  );
}

/** How each protocol's real service refuses an expired session token (EC2 calls it an expired request). */
export function createExpiredTokenError(protocol: AwsProtocol): { code: string; message: string; status: number } {
  if (protocol === 'ec2') return { code: 'RequestExpired', message: 'Request has expired.', status: 400 };
  if (protocol === 'query')
    return { code: 'ExpiredToken', message: 'The security token included in the request is expired', status: 403 };
  return {
    code: 'ExpiredTokenException',
    message: 'The security token included in the request is expired',
    status: 400,
  };
}

/**
 * The throttling error each protocol's real service returns, or the one the faults say to answer
 * instead (`answer.code` null: no error code at all, rendered as an empty code).
 */
export function createThrottleError(
  protocol: AwsProtocol,
  answer?: { code: string | null; status: number },
): { code: string; message: string; status: number } {
  if (answer) return { code: answer.code ?? '', message: 'Rate exceeded', status: answer.status };
  if (protocol === 'ec2') return { code: 'RequestLimitExceeded', message: 'Request limit exceeded.', status: 503 };
  if (protocol === 'query') return { code: 'Throttling', message: 'Rate exceeded', status: 400 };
  return { code: 'ThrottlingException', message: 'Rate exceeded', status: 400 };
}

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

/** `<name>escaped text</name>`, or `<name/>` for empty/undefined. */
export function xmlText(name: string, value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null || value === '') return `<${name}/>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<name>children</name>` where children is already-rendered XML. */
export function xmlNode(name: string, children: string | string[]): string {
  const inner = Array.isArray(children) ? children.join('') : children;
  return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
}

/** An EC2 `*Set` list: `<name><item>...</item>...</name>`. */
export function xmlItemSet(name: string, items: string[]): string {
  return xmlNode(
    name,
    items.map((i) => `<item>${i}</item>`),
  );
}

/** JSON 1.1 sends timestamps as epoch seconds. */
function replaceDates(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}
