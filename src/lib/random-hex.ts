/**
 * `bytes` random bytes as hex (temp file names, run ids). From the global Web Crypto object,
 * which Node loads when it is first used: importing node:crypto instead costs every command a
 * few milliseconds at start, though most never write a file.
 */
export function randomHex(bytes: number): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
}
