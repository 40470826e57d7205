import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAwsRequest, type HostRunner } from '../../src/sandbox/aws/handle-aws-request.js';
import type { SandboxState } from '../../src/sandbox/state.js';

export type Fallback = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/**
 * A loopback server feeding every request to the sandbox's AWS handler, so the real SDK v3 clients
 * (signing, serialisation, retries, error parsing) talk to one simulated API without the rest of
 * the sandbox. Requests that are not AWS go to `fallback` (a fake CP), else 404.
 */
export async function serveAwsHandler(args: {
  state: SandboxState;
  hosts: HostRunner;
  fallback?: Fallback;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      handleAwsRequest(args.state, args.hosts, {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers,
        body,
      }).then(
        (answer) => {
          if (answer) res.writeHead(answer.status, answer.headers).end(answer.body);
          else if (args.fallback) args.fallback(req, res, body);
          else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not an AWS request"}');
        },
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  args.state.url = url;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
