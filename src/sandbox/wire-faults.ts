import type { ServerResponse } from 'node:http';
import type { FaultConfig } from './state.js';

/**
 * `wire=<target>:<mode>`: how the answer of a request travels, for every outbound door of molectl
 * (docs/sandbox.md, Faults). The request is acted on first, as a real service would before its
 * answer is lost on the way: a mutation that "hung" has happened, and the client cannot tell.
 */
export const WIRE_MODES = ['hang', 'stall', 'drip', 'truncate', 'huge'] as const;
export type WireMode = (typeof WIRE_MODES)[number];

/** The services a `wire=` target may name; any other target is an AWS action (`SendCommand`). */
export const WIRE_SERVICES = ['cp', 'tenant', 'aws', 'gitea', 'railway', 'vercel', 'registry'] as const;

/** How long `drip` waits between bytes; one byte at a time, for ever (or until the client leaves). */
const DRIP_INTERVAL_MS = 200;
/** How much `huge` sends after the real answer: whitespace, which JSON and XML readers skip. */
export const HUGE_PADDING_BYTES = 64 * 1024 * 1024;

/**
 * The mode for this request: its AWS action's (`SendCommand`), else its service's for its method
 * (`cp:POST`), else its service's (`cp`), else none.
 */
export function wireFaultFor(
  faults: FaultConfig,
  request: { service: string; method: string; awsAction?: string },
): WireMode | undefined {
  const wire = faults.wire;
  if (!wire) return undefined;
  const { service, method, awsAction } = request;
  return (awsAction ? wire[awsAction] : undefined) ?? wire[`${service}:${method}`] ?? wire[service];
}

/** Sends `response` the way `mode` says; without a mode, whole and at once. */
export function sendOverWire(
  res: ServerResponse,
  response: { status: number; headers: Record<string, string>; body: string },
  mode: WireMode | undefined,
): void {
  const body = Buffer.from(response.body);
  switch (mode) {
    case undefined:
      res.writeHead(response.status, { ...response.headers, 'content-length': body.length });
      res.end(body);
      return;
    case 'hang':
      // Read and acted on; nothing is ever written. The socket stays open until the client leaves.
      return;
    case 'stall':
      res.writeHead(response.status, { ...response.headers, 'content-length': body.length });
      res.flushHeaders();
      return;
    case 'drip': {
      res.writeHead(response.status, { ...response.headers, 'content-length': body.length + 1_000_000 });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(sent < body.length ? body.subarray(sent, sent + 1) : ' ');
        sent += 1;
      }, DRIP_INTERVAL_MS);
      res.on('close', () => clearInterval(timer));
      return;
    }
    case 'truncate': {
      // Half the answer, then the connection closes short of the Content-Length it promised.
      res.writeHead(response.status, { ...response.headers, 'content-length': body.length + 64 });
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.end());
      return;
    }
    case 'huge': {
      res.writeHead(response.status, { ...response.headers, 'content-length': body.length + HUGE_PADDING_BYTES });
      res.write(body);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let left = HUGE_PADDING_BYTES;
      const pump = (): void => {
        while (left > 0) {
          const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
          left -= piece.length;
          if (left === 0) {
            res.end(piece);
            return;
          }
          if (!res.write(piece)) {
            res.once('drain', pump);
            return;
          }
        }
      };
      pump();
      return;
    }
  }
}
