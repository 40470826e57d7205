import { MolectlError } from '../errors.js';

/**
 * DELETE /cp/admin/tenants/:slug answered 500 with a purge_id: the cascade stopped part way.
 * The CP resumes from the last finished step when the same delete is sent again, so callers
 * recognise this error (instanceof, or `retryable`) and repeat the call.
 */
export class TenantPurgeIncompleteError extends MolectlError {
  readonly retryable = true;

  constructor(
    readonly slug: string,
    readonly purgeId: string,
    readonly remoteError: string | undefined,
  ) {
    super(`deleting tenant "${slug}" stopped part way (purge ${purgeId})${remoteError ? `: ${remoteError}` : ''}`, {
      hint: `the CP resumes the cascade where it stopped: run the same delete for "${slug}" again`,
    });
    this.name = 'TenantPurgeIncompleteError';
  }
}

/** The purge_id of a failed delete's JSON body, if it has one. */
export function readPurgeId(bodyText: string): string | undefined {
  try {
    const id = (JSON.parse(bodyText) as { purge_id?: unknown } | null)?.purge_id;
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  } catch {
    return undefined;
  }
}
