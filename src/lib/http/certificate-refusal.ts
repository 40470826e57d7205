/**
 * The server's certificate was refused during the TLS handshake (OpenSSL's verify errors as Node
 * names them): nothing was sent, and trying again gets the same answer. Most often a proxy on the
 * user's network re-signs TLS with its own CA.
 */
const CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

export function isCertificateRefusal(code: string | undefined): boolean {
  return code !== undefined && CERTIFICATE_CODES.has(code);
}

export const UNTRUSTED_CERTIFICATE_HINT =
  'if a proxy on your network re-signs TLS, point NODE_EXTRA_CA_CERTS at a PEM file with its CA certificate (if it is set, check that the file holds that CA)';
