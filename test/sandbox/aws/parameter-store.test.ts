import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getParameter, putParameter } from '../../../src/sandbox/aws/parameter-store.js';
import { createTestState, startAwsTestServer, TEST_CREDENTIALS, type AwsTestServer } from './aws-test-server.js';

const SENTINEL = 'sentinel-param-5f3e2d1c0b';

let server: AwsTestServer;
let ssm: SSMClient;

beforeAll(async () => {
  server = await startAwsTestServer();
  ssm = new SSMClient({ region: 'us-east-2', endpoint: server.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
});

afterAll(async () => {
  ssm.destroy();
  await server.close();
});

describe('Parameter Store', () => {
  it('refuses to overwrite without Overwrite=true (ParameterAlreadyExists) and bumps the version with it', async () => {
    const name = '/molecule/tenants/acme/cp-shared-secret';
    const first = await ssm.send(
      new PutParameterCommand({ Name: name, Value: SENTINEL, Type: 'SecureString', Overwrite: false }),
    );
    expect(first.Version).toBe(1);
    await expect(
      ssm.send(new PutParameterCommand({ Name: name, Value: 'other', Type: 'SecureString', Overwrite: false })),
    ).rejects.toMatchObject({
      name: 'ParameterAlreadyExists',
    });
    expect((await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value).toBe(
      SENTINEL,
    );
    const second = await ssm.send(new PutParameterCommand({ Name: name, Value: `${SENTINEL}-2`, Overwrite: true }));
    expect(second.Version).toBe(2);
    expect((await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter).toMatchObject({
      Type: 'SecureString',
      Version: 2,
    });
  });

  it('never returns a SecureString value without WithDecryption', async () => {
    const name = '/molecule/tenants/beta/secret';
    await ssm.send(new PutParameterCommand({ Name: name, Value: SENTINEL, Type: 'SecureString' }));
    const out = await ssm.send(new GetParameterCommand({ Name: name }));
    expect(out.Parameter?.Value).toBeTruthy();
    expect(out.Parameter?.Value).not.toContain(SENTINEL);
    expect(Buffer.from(out.Parameter?.Value ?? '', 'base64').toString('latin1')).not.toContain(SENTINEL);
  });

  it('answers a missing name with ParameterNotFound and deletes', async () => {
    await expect(ssm.send(new GetParameterCommand({ Name: '/nope' }))).rejects.toMatchObject({
      name: 'ParameterNotFound',
    });
    await ssm.send(new PutParameterCommand({ Name: '/to-delete', Value: 'x', Type: 'String' }));
    await ssm.send(new DeleteParameterCommand({ Name: '/to-delete' }));
    await expect(ssm.send(new DeleteParameterCommand({ Name: '/to-delete' }))).rejects.toMatchObject({
      name: 'ParameterNotFound',
    });
  });

  it('lists by path, one level unless Recursive', async () => {
    for (const n of ['/p/a', '/p/b', '/p/deep/c'])
      await ssm.send(new PutParameterCommand({ Name: n, Value: 'v', Type: 'String' }));
    const flat = await ssm.send(new GetParametersByPathCommand({ Path: '/p' }));
    expect(flat.Parameters?.map((p) => p.Name)).toEqual(['/p/a', '/p/b']);
    const deep = await ssm.send(new GetParametersByPathCommand({ Path: '/p', Recursive: true }));
    expect(deep.Parameters?.map((p) => p.Name)).toEqual(['/p/a', '/p/b', '/p/deep/c']);
  });

  it('helpers give the same semantics to in-process callers', () => {
    const state = createTestState();
    putParameter(state, { name: '/x', value: SENTINEL, type: 'SecureString' });
    expect(() => putParameter(state, { name: '/x', value: 'y' })).toThrow(
      expect.objectContaining({ code: 'ParameterAlreadyExists' }),
    );
    expect(getParameter(state, '/x').value).not.toContain(SENTINEL);
    expect(getParameter(state, '/x', { withDecryption: true }).value).toBe(SENTINEL);
  });
});
