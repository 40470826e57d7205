import type { SecureContext, SecureContextOptions } from 'node:tls';
import { deferredExtraCaFile } from './extra-ca-deferral.js';

/**
 * NODE_EXTRA_CA_CERTS, loaded when molectl first opens a TLS connection rather than when Node
 * starts.
 *
 * Node 20 reads the file named by NODE_EXTRA_CA_CERTS, and builds its whole root store with it,
 * before any JavaScript runs: ~70 ms for a distribution's full bundle (Debian's, 140 certificates),
 * paid by every command, including the ones that never open a TLS connection (`gitea rewrite`,
 * `--help`, anything against the loopback sandbox). The installed `molectl` (bin/molectl.js's
 * first lines, a POSIX sh header) therefore starts Node without the variable and hands its value
 * over in MOLECTL_DEFERRED_EXTRA_CA_CERTS; bin/molectl.js puts NODE_EXTRA_CA_CERTS back for child
 * processes and registers the file (extra-ca-deferral.ts, apart so that `--help` loads nothing more).
 *
 * Before the first TLS connection, the doors that open one (node-http-fetch.ts, and aws-clients.ts
 * for the SDK and the credential providers it starts) call `trustDeferredExtraCaCertificates()`.
 * It gives the process what Node would have given it: every TLS context created without its own
 * `ca` trusts Node's default roots plus the file's certificates; one that names its `ca` trusts
 * only that, as Node documents. A file that cannot be read gets Node's own warning and the
 * default roots, as Node does. Contexts built with no option of their own (every client
 * connection molectl and the SDK open) share one: adding the certificates to a context costs
 * ~35 ms, which must not be paid per connection.
 *
 * A process started otherwise (`node bin/molectl.js`, tests calling main()) registers nothing:
 * Node loaded the file itself, and this module does nothing.
 */

let installing: Promise<void> | undefined;

/** Idempotent; cheap once done, and a no-op when nothing was deferred. */
export function trustDeferredExtraCaCertificates(): Promise<void> {
  const file = deferredExtraCaFile();
  if (file === undefined) return Promise.resolve();
  installing ??= install(file);
  return installing;
}

/** The options of tls.createSecureContext that shape a context (Node 20's createSecureContext and configSecureContext). */
const CONTEXT_OPTIONS = [
  'allowPartialTrustChain',
  'ca',
  'cert',
  'ciphers',
  'clientCertEngine',
  'crl',
  'dhparam',
  'ecdhCurve',
  'honorCipherOrder',
  'key',
  'maxVersion',
  'minVersion',
  'passphrase',
  'pfx',
  'privateKeyEngine',
  'privateKeyIdentifier',
  'secureOptions',
  'secureProtocol',
  'sessionIdContext',
  'sessionTimeout',
  'sigalgs',
  'ticketKeys',
] as const;

interface NativeContext {
  addCACert(pem: Buffer): void;
}

async function install(file: string): Promise<void> {
  const [tls, { readFile }] = await Promise.all([
    import('node:tls').then((m) => m.default),
    import('node:fs/promises'),
  ]);
  const original = tls.createSecureContext;
  // Node keeps a context's native handle on `.context`: addCACert gives the context a store of its
  // own, the default roots copied, and adds the certificates to it (what Node does at start).
  let pem: Buffer;
  const withExtraCas = (context: SecureContext): SecureContext => {
    (context as SecureContext & { context: NativeContext }).context.addCACert(pem);
    return context;
  };
  let shared: SecureContext;
  try {
    pem = await readFile(file);
    shared = withExtraCas(original());
  } catch (error) {
    ignore(file, error);
    return;
  }
  tls.createSecureContext = function createSecureContextTrustingExtraCas(options?: SecureContextOptions) {
    if (options?.ca !== undefined) return original(options);
    const ownOptions = options !== undefined && CONTEXT_OPTIONS.some((name) => options[name] !== undefined);
    return ownOptions ? withExtraCas(original(options)) : shared;
  };
}

/**
 * Node's own words for a file it cannot use (it prints them at start). Unlike Node, a file whose
 * certificates are malformed is not reported: addCACert skips what it cannot parse.
 */
function ignore(file: string, error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Warning: Ignoring extra certs from \`${file}\`, load failed: ${reason}\n`);
}
