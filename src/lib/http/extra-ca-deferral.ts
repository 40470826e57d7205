/**
 * The NODE_EXTRA_CA_CERTS file that bin/molectl.js's sh header kept from Node, if any: what
 * deferred-extra-ca.ts loads at the first TLS connection. Apart from it because bin/molectl.js
 * registers the file through cli.cjs, which `--help` loads, and nothing more must come with it.
 */

let deferredFile: string | undefined;

/** Called once by bin/molectl.js, before any command runs. */
export function deferExtraCaCertificates(file: string): void {
  deferredFile = file;
}

export function deferredExtraCaFile(): string | undefined {
  return deferredFile;
}
