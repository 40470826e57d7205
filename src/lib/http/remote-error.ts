import type { Redactor } from '../output/redactor.js';
import { cutRemoteLine, remoteText, type RemoteText } from '../output/remote-text.js';

const MAX_REMOTE_ERROR_LENGTH = 200;

/**
 * The structured error a JSON body carries (`{"error":"..."}`, `{"error":{"message":"..."}}` or
 * `{"message":"..."}`), as one short, redacted line, marked as remote text (its shapes redacted
 * and its controls escaped wherever it is printed). Anything else yields undefined: a raw body
 * (HTML error pages, stack traces, echoed requests) never reaches a message.
 */
export function extractRemoteError(bodyText: string, redactor?: Redactor): RemoteText | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  const nested =
    typeof record.error === 'object' && record.error !== null
      ? (record.error as Record<string, unknown>).message
      : undefined;
  const candidate = [record.error, nested, record.message].find(
    (v): v is string => typeof v === 'string' && v.trim() !== '',
  );
  if (candidate === undefined) return undefined;
  const line = candidate.replace(/\s+/g, ' ').trim();
  // Redacted before it is cut: a secret the cut split would match no rule.
  return remoteText(cutRemoteLine(redactor ? redactor.redact(line) : line, MAX_REMOTE_ERROR_LENGTH));
}
