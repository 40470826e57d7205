import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { handleAwsRequest } from './aws/handle-aws-request.js';
import { createSeededRandom, type RandomSource } from './aws/seeded-random.js';
import type { CpRuntime } from './cp/cp-runtime.js';
import { handleCpRequest } from './cp/handle-cp-request.js';
import { handleDeployServiceRequest } from './deploy-services/handle-deploy-service-request.js';
import { handleHostApiRequest, HOST_API_PREFIX } from './hosts/handle-host-api.js';
import type { RecordedRequest } from './state.js';
import { sendOverWire, wireFaultFor } from './wire-faults.js';

/**
 * The sandbox's one HTTP server: host API (private, for the hosts' aws shim), then the AWS APIs
 * (requests carrying SigV4), then the simulated CP and tenant endpoints. Listens on loopback only.
 */

/** Request bodies above this are refused: nothing molectl sends comes near it. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface SandboxServerOptions {
  /** Called once per recorded request (AWS, CP, tenant) when answered, in arrival order. */
  onRequest?: (request: RecordedRequest) => void;
}

export function createSandboxServer(runtime: CpRuntime, options: SandboxServerOptions = {}): Server {
  const { state } = runtime;
  let emitted = 0;
  const emitAnswered = (): void => {
    if (!options.onRequest) return;
    if (emitted > state.requests.length) emitted = state.requests.length;
    while (emitted < state.requests.length && state.requests[emitted]?.status !== 0) {
      const record = state.requests[emitted++];
      if (record) options.onRequest(record);
    }
  };

  return createServer((req, res) => {
    void serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"sandbox internal error"}');
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body === null) {
      res.writeHead(413, { 'content-type': 'application/json' }).end('{"error":"request body too large"}');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const headers = flattenHeaders(req);
    const method = req.method ?? 'GET';

    if (url.pathname.startsWith(HOST_API_PREFIX)) {
      send(res, handleHostApiRequest(state, { method, path: url.pathname, headers, body }));
      return;
    }
    // faults.connectionResetRate: the connection drops before any answer (the request was not
    // acted on), as a flaky network or a restarting load balancer does.
    if (state.faults.connectionResetRate > 0 && drawResetRandom(state) < state.faults.connectionResetRate) {
      state.connectionsReset += 1;
      req.socket.destroy();
      return;
    }
    // --- deploy services for `molectl verify` (Railway, Vercel, OCI registry): src/sandbox/deploy-services/
    const deploy = handleDeployServiceRequest(state, {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers,
      body,
    });
    if (deploy) {
      const service = state.requests[state.requests.length - 1]?.service ?? 'cp';
      sendOverWire(res, deploy, wireFaultFor(state.faults, { service, method }));
      emitAnswered();
      return;
    }
    // --- end deploy services
    const aws = await handleAwsRequest(state, runtime.hosts, {
      method,
      path: `${url.pathname}${url.search}`,
      headers,
      body,
    });
    if (aws) {
      const target = headers['x-amz-target'] ?? new URLSearchParams(body).get('Action') ?? '';
      state.beforeAwsReply?.(target, body);
      if (dropAfterActing(state, target, body)) {
        req.socket.destroy();
        return;
      }
      sendOverWire(
        res,
        aws,
        wireFaultFor(state.faults, { service: 'aws', method, awsAction: target.slice(target.lastIndexOf('.') + 1) }),
      );
    } else {
      const cp = await handleCpRequest(runtime, { method, path: url.pathname, query: url.searchParams, headers, body });
      sendOverWire(
        res,
        cp,
        wireFaultFor(state.faults, { service: url.pathname.startsWith('/_tenants/') ? 'tenant' : 'cp', method }),
      );
    }
    emitAnswered();
  }
}

/**
 * flag=resetAfterSendCommand[:<text>]: the first SendCommand (whose Comment contains text, when
 * given) is acted on (the command exists and runs), then its connection drops before the answer:
 * the client cannot tell whether it was sent. Once; the flag clears itself.
 */
function dropAfterActing(state: CpRuntime['state'], target: string, body: string): boolean {
  const flag = state.faults.flags['resetAfterSendCommand'];
  if (flag === undefined || flag === false || !target.endsWith('.SendCommand')) return false;
  if (typeof flag === 'string' && !body.includes(flag)) return false;
  delete state.faults.flags['resetAfterSendCommand'];
  state.connectionsReset += 1;
  return true;
}

const resetRandoms = new WeakMap<CpRuntime['state'], RandomSource>();

function drawResetRandom(state: CpRuntime['state']): number {
  let random = resetRandoms.get(state);
  if (!random) {
    random = createSeededRandom((state.seed ^ 0x5bd1e995) >>> 0);
    resetRandoms.set(state, random);
  }
  return random();
}

function send(res: ServerResponse, response: { status: number; headers: Record<string, string>; body: string }): void {
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
  res.end(response.body);
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
