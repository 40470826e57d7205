import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createHttpClient } from '../../../src/lib/http/http-request.js';
import { listGiteaActionsSecretNames } from '../../../src/lib/secrets/gitea-actions-secrets.js';

/** A Gitea stand-in answering the secrets listing with `answer`; the pages asked for are recorded. */
async function withGitea(
  answer: (page: number, res: ServerResponse) => void,
  use: (ref: { baseUrl: string; token: string; owner: string; repo: string }, pages: number[]) => Promise<void>,
): Promise<void> {
  const pages: number[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? '1');
    pages.push(page);
    answer(page, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await use({ baseUrl, token: 't', owner: 'molecule-ai', repo: 'molecule-core' }, pages);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

const request = createHttpClient({ timeoutMs: 5_000, retries: 0 });
const rows = (from: number, to: number): string =>
  JSON.stringify(Array.from({ length: to - from }, (_, i) => ({ name: `S${from + i}`, created_at: '2026-12-01' })));

describe('listGiteaActionsSecretNames', () => {
  it('reads every page up to the total Gitea gives in X-Total-Count', async () => {
    await withGitea(
      (page, res) =>
        res.writeHead(200, { 'x-total-count': '120' }).end(rows((page - 1) * 50, Math.min(page * 50, 120))),
      async (ref, pages) => {
        const names = await listGiteaActionsSecretNames(request, ref);
        expect(names).toHaveLength(120);
        expect(names.at(-1)).toBe('S119');
        expect(pages).toEqual([1, 2, 3]);
      },
    );
  });

  it('without a total, ends on an empty page, or on a page with nothing new (paging ignored)', async () => {
    await withGitea(
      (page, res) => res.writeHead(200).end(page <= 2 ? rows((page - 1) * 50, page * 50) : '[]'),
      async (ref, pages) => {
        expect(await listGiteaActionsSecretNames(request, ref)).toHaveLength(100);
        expect(pages).toEqual([1, 2, 3]);
      },
    );
    await withGitea(
      (_page, res) => res.writeHead(200).end(rows(0, 7)),
      async (ref, pages) => {
        expect(await listGiteaActionsSecretNames(request, ref)).toHaveLength(7);
        expect(pages).toEqual([1, 2]);
      },
    );
  });

  it('an answer that is not a list is an error naming the repository, never "no secrets"', async () => {
    await withGitea(
      (_page, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Gitea</title>'),
      async (ref) => {
        await expect(listGiteaActionsSecretNames(request, ref)).rejects.toThrow(
          "Gitea's answer to the Actions secrets listing of molecule-ai/molecule-core is not a list",
        );
      },
    );
  });
});
