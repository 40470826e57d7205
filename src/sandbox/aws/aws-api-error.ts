/**
 * An error a simulated AWS API answers with. The state helpers (secrets-store, parameter-store,
 * ...) throw it so that the HTTP handlers can render it in each protocol's wire format and the
 * hosts' `aws` shim can print it the way the AWS CLI does (`An error occurred (Code) ...`).
 * `code` is the exact error name the real service returns, which the SDK surfaces as `err.name`.
 */
export class AwsApiError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'AwsApiError';
    this.code = code;
    this.status = status;
  }
}

export function isAwsApiError(error: unknown): error is AwsApiError {
  return error instanceof AwsApiError;
}
