import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/lib/clock.js';
import { buildContext, type Context } from '../../../src/lib/context.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { acquireFleetLock, readFleetLock } from '../../../src/lib/runs/fleet-lock.js';
import { LockHeldError } from '../../../src/lib/runs/lock-held-error.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/start-sandbox.js';
import { absentPath } from '../../helpers/absent-path.js';

/** The fleet lock through the real AWS door and SDK, against the sandbox's Parameter Store. */

let sandbox: Sandbox;
let ctx: Context;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 'fast' });
  ctx = await buildContext({
    commandName: 'test',
    globals: {},
    deps: {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      env: { ...sandbox.env, MOLECTL_CONFIG: absentPath('config.json') },
      signal: new AbortController().signal,
      redactor: new Redactor(),
    },
  });
});

afterAll(async () => {
  await sandbox?.stop();
});

describe('fleet lock against the sandbox through the AWS door', () => {
  it('one run holds it, a second is refused naming the holder, release frees it', async () => {
    const target = {
      store: ctx.aws,
      parameterPrefix: ctx.config.environment.parameterPrefix,
      operation: 'migrate cp-secret',
    };
    const first = await acquireFleetLock({ ...target, runId: 'run-a', clock: systemClock });
    expect(first.name).toBe('/molectl/sandbox/locks/migrate-cp-secret');
    expect(sandbox.state.parameters.has(first.name)).toBe(true);

    const refused = await acquireFleetLock({ ...target, runId: 'run-b', clock: systemClock }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LockHeldError);
    expect((refused as LockHeldError).message).toContain('held by');
    expect((refused as LockHeldError).holderRunId).toBe('run-a');

    await first.refresh();
    expect(await readFleetLock(target)).toMatchObject({ runId: 'run-a' });
    expect(await first.release()).toBe(true);
    expect(await readFleetLock(target)).toBeNull();
    await (await acquireFleetLock({ ...target, runId: 'run-b', clock: systemClock })).release();
  });
});
