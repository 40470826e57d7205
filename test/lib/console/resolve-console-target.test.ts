import { describe, expect, it } from 'vitest';
import type { ConsoleOutput, InstanceQuery, InstanceSummary } from '../../../src/lib/aws/aws-types.js';
import { BUILT_IN_ENVIRONMENTS } from '../../../src/lib/config/environments.js';
import { LATEST_UNSUPPORTED_NOTE, readConsoleSnapshot } from '../../../src/lib/console/read-console-snapshot.js';
import {
  chooseInstance,
  classifyConsoleTarget,
  resolveConsoleTarget,
} from '../../../src/lib/console/resolve-console-target.js';
import { ExitCode, HttpError, NotFoundError, UsageError } from '../../../src/lib/errors.js';

const environment = BUILT_IN_ENVIRONMENTS.production!;
const WS = '3f2a5c1e-8b7d-4e21-9c0a-1b2c3d4e5f60';

function instance(
  id: string,
  tags: Record<string, string>,
  state = 'running',
  launched = '2026-11-01T00:00:00Z',
): InstanceSummary {
  return { instanceId: id, state, launchTime: new Date(launched), tags, name: null, privateIp: null };
}

function fakeAws(instances: InstanceSummary[]) {
  const queries: InstanceQuery[] = [];
  return {
    queries,
    async listInstances(query: InstanceQuery) {
      queries.push(query);
      return instances.filter(
        (i) =>
          (!query.instanceIds || query.instanceIds.includes(i.instanceId)) &&
          Object.entries(query.tags ?? {}).every(([k, v]) => i.tags[k] === v),
      );
    },
  };
}

const tenant = instance('i-0aaaaaaaaaaaaaaaa', { ManagedBy: 'molecule-cp', Role: 'tenant', OrgSlug: 'acme' });
const ws = instance('i-0bbbbbbbbbbbbbbbb', {
  ManagedBy: 'molecule-cp',
  Role: 'workspace',
  WorkspaceID: WS,
  OrgSlug: 'acme',
});

describe('classifyConsoleTarget', () => {
  it.each([
    ['acme', 'org'],
    ['acme-prod_2', 'org'],
    ['i-0123456789abcdef0', 'instance'],
    ['i-01234567', 'instance'],
    [WS, 'workspace'],
    [WS.toUpperCase(), 'workspace'],
  ])('%s is a %s', (input, kind) => {
    expect(classifyConsoleTarget(input).kind).toBe(kind);
  });

  it.each(['../etc', 'i-xyz', '', 'a b'])('refuses %j with exit 2 naming the forms', (input) => {
    try {
      classifyConsoleTarget(input);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).hint).toMatch(/org slug .* instance id .* workspace id/);
    }
  });
});

describe('resolveConsoleTarget', () => {
  it("finds an org's tenant with the environment filter plus the slug tag", async () => {
    const aws = fakeAws([tenant, ws]);
    const target = await resolveConsoleTarget({ aws, environment }, 'acme', { allowCpFallback: true });
    expect(target).toMatchObject({ kind: 'org', instanceId: tenant.instanceId, orgSlug: 'acme', source: 'ec2' });
    expect(aws.queries[0]!.tags).toEqual({ ManagedBy: 'molecule-cp', Role: 'tenant', OrgSlug: 'acme' });
  });

  it('finds a workspace instance by tag, else falls back to the CP', async () => {
    expect(
      await resolveConsoleTarget({ aws: fakeAws([ws]), environment }, WS, { allowCpFallback: true }),
    ).toMatchObject({ instanceId: ws.instanceId, source: 'ec2', workspaceId: WS });
    const cp = await resolveConsoleTarget({ aws: fakeAws([]), environment }, WS, { allowCpFallback: true });
    expect(cp).toMatchObject({ instanceId: null, source: 'cp', workspaceId: WS });
  });

  it('reads an instance id directly, with its org from the tags', async () => {
    expect(
      await resolveConsoleTarget({ aws: fakeAws([ws]), environment }, ws.instanceId, { allowCpFallback: true }),
    ).toMatchObject({ kind: 'instance', orgSlug: 'acme', workspaceId: WS });
  });

  it('exits 4 naming the ways to name a target when nothing matches', async () => {
    for (const input of ['ghost', 'i-0cccccccccccccccc']) {
      const error = await resolveConsoleTarget({ aws: fakeAws([tenant]), environment }, input, {
        allowCpFallback: true,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).code).toBe(ExitCode.notFound);
      expect((error as NotFoundError).hint).toMatch(/org slug .*instance id .*workspace id/);
    }
  });

  it('prefers the newest live instance and says when there were several', () => {
    const old = instance('i-0000000000000000a', {}, 'terminated', '2026-12-01T00:00:00Z');
    const a = instance('i-0000000000000000b', {}, 'running', '2026-10-01T00:00:00Z');
    const b = instance('i-0000000000000000c', {}, 'stopped', '2026-11-01T00:00:00Z');
    const chosen = chooseInstance([old, a, b])!;
    expect(chosen.instance.instanceId).toBe(b.instanceId);
    expect(chosen.notes[0]).toMatch(/2 live instances/);
    expect(chooseInstance([old])!.notes[0]).toMatch(/terminated/);
    expect(chooseInstance([])).toBeNull();
  });
});

describe('readConsoleSnapshot', () => {
  const target = {
    kind: 'org' as const,
    input: 'acme',
    instanceId: 'i-0aaaaaaaaaaaaaaaa',
    orgSlug: 'acme',
    workspaceId: null,
    source: 'ec2' as const,
    instanceState: 'running',
    notes: [],
  };
  const output = (latest: boolean): ConsoleOutput => ({
    instanceId: target.instanceId,
    text: 'hello\n',
    timestamp: new Date(0),
    truncated: false,
    latest,
  });
  const noCp = { getWorkspaceConsole: async () => '' };

  it('falls back from --latest with a note when the instance is not Nitro', async () => {
    const calls: boolean[] = [];
    const aws = {
      async getConsoleOutput(_id: string, o?: { latest?: boolean }) {
        calls.push(Boolean(o?.latest));
        if (o?.latest)
          throw Object.assign(new Error('This instance type does not support retrieving the latest console logs.'), {
            name: 'UnsupportedOperation',
          });
        return output(false);
      },
    };
    const snapshot = await readConsoleSnapshot({ aws, cp: noCp }, target, { latest: true });
    expect(calls).toEqual([true, false]);
    expect(snapshot.notes).toEqual([LATEST_UNSUPPORTED_NOTE]);
    expect(snapshot.text).toBe('hello\n');
  });

  it('notes the fallback when the door itself fell back', async () => {
    const snapshot = await readConsoleSnapshot(
      { aws: { getConsoleOutput: async () => output(false) }, cp: noCp },
      target,
      { latest: true },
    );
    expect(snapshot.notes).toEqual([LATEST_UNSUPPORTED_NOTE]);
  });

  it('reads the CP copy for a workspace without an instance; a CP 404 is exit 4', async () => {
    const cpTarget = {
      ...target,
      kind: 'workspace' as const,
      instanceId: null,
      source: 'cp' as const,
      workspaceId: WS,
    };
    const snapshot = await readConsoleSnapshot(
      { aws: { getConsoleOutput: async () => output(false) }, cp: { getWorkspaceConsole: async () => 'ws boot\n' } },
      cpTarget,
      { latest: false },
    );
    expect(snapshot).toMatchObject({ text: 'ws boot\n', source: 'cp', timestamp: null });
    const missing = {
      getWorkspaceConsole: async () => Promise.reject(new HttpError({ method: 'GET', url: '/x', status: 404 })),
    };
    await expect(
      readConsoleSnapshot({ aws: { getConsoleOutput: async () => output(false) }, cp: missing }, cpTarget, {
        latest: false,
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
