import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDLE_SOCKET_MS } from '../../../src/lib/aws/aws-clients.js';
import { createTestDoor, fakeAwsEnv, startFakeServer, type FakeServer } from './aws-fake-server.js';

// Node's HTTP servers close a keep-alive connection after 5 s idle; a request written to it at that
// moment is reset unanswered, and a reset SendCommand cannot be sent again blind. molectl closes
// idle connections to AWS first. The front below makes the race certain instead of rare: a request
// that arrives on a connection idle for SERVER_IDLE_MS or more is reset, as a closing server's is.

const SERVER_IDLE_MS = 4_500;

let aws: FakeServer;
let front: Server;
let frontUrl: string;
let resets = 0;
let connections = 0;

beforeAll(async () => {
  aws = await startFakeServer();
  const target = new URL(aws.url);
  const lastUsed = new WeakMap<Socket, number>();
  front = createServer((req, res) => {
    const socket = req.socket;
    const idle = Date.now() - (lastUsed.get(socket) ?? Date.now());
    if (idle >= SERVER_IDLE_MS) {
      resets += 1;
      socket.destroy();
      return;
    }
    const forward = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res).on('finish', () => lastUsed.set(socket, Date.now()));
      },
    );
    req.pipe(forward);
  });
  front.keepAliveTimeout = 60_000;
  front.on('connection', (socket: Socket) => {
    connections += 1;
    lastUsed.set(socket, Date.now());
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
});

afterAll(async () => {
  front.closeAllConnections();
  await new Promise((resolve) => front.close(resolve));
  await aws.close();
});

describe('idle connections to AWS', () => {
  it('are closed by molectl before a server would: a call after 5 s idle goes out on a new connection', async () => {
    expect(IDLE_SOCKET_MS).toBeLessThan(SERVER_IDLE_MS);
    const { door } = await createTestDoor(fakeAwsEnv(frontUrl), { maxAttempts: 1 });
    await door.callerIdentity();
    const before = connections;
    await new Promise((resolve) => setTimeout(resolve, SERVER_IDLE_MS + 500));
    const identity = await door.callerIdentity();
    expect(identity.account).toBe('210987654321');
    expect(resets).toBe(0);
    expect(connections).toBe(before + 1);
  }, 20_000);
});
