import fs, { existsSync, readdirSync, readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// The disk fills (or the file system turns read-only) while a migration runs. Every SSM command
// waits for the ledger write recording its intent, so the run must stop before the next one, say
// what happened and how to go on, and leave a ledger a resume can take over. The fault: opening a
// temp file under the state directory's runs/ fails with ENOSPC from the moment SSM accepts the
// canary's command (fs is wrapped for this one test and put back after it).

const APPLY = ['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'apply', '--soak', '0', '--health-timeout', '5s'];

describe('a ledger write that fails mid-run (ENOSPC)', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 4, preCutover: 4 });
  });
  afterAll(() => f.stop());

  it('stops before the next remote change, says so (exit 1, not an "unexpected error"), and resume finishes it', async () => {
    const { state } = f.sandbox;
    const runsDir = join(f.stateDir, 'runs');
    const realOpen = fs.promises.open;
    let full = false;
    fs.promises.open = (async (...args: Parameters<typeof realOpen>) => {
      if (full && String(args[0]).startsWith(`${runsDir}/.`))
        throw Object.assign(new Error(`ENOSPC: no space left on device, open '${String(args[0])}'`), {
          code: 'ENOSPC',
        });
      return realOpen(...args);
    }) as typeof realOpen;
    syncBuiltinESMExports();
    state.beforeAwsReply = (target, body) => {
      if (target.endsWith('.SendCommand') && body.includes("MOLECTL_MODE='apply'")) full = true;
    };
    let r;
    try {
      r = await f.molectl([...APPLY, '--waves', '1,100%']);
    } finally {
      fs.promises.open = realOpen;
      syncBuiltinESMExports();
      state.beforeAwsReply = undefined;
    }
    const [file] = readdirSync(runsDir);
    const id = file!.replace(/\.json$/, '');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      `error: could not write the run ledger ${join(runsDir, file!)}: no space left on device (ENOSPC); nothing more was sent\n` +
        `hint: free space or make the state directory writable again (MOLECTL_STATE_DIR), then resume with: molectl migrate cp-secret resume ${id}\n`,
    );
    expect(r.stderr).not.toMatch(/unexpected error/);
    const applySends = (): number =>
      state.requests.filter((q) => q.action === 'SendCommand' && q.body.includes("MOLECTL_MODE='apply'")).length;
    // The canary's command went out; nothing after the failed write did. Locks were released.
    expect(applySends()).toBe(1);
    expect(readdirSync(join(f.stateDir, 'locks'))).toEqual([]);
    // The ledger holds its last good state: the canary in progress, found again by its comment.
    const ledger = JSON.parse(readFileSync(join(runsDir, file!), 'utf8')) as {
      status: string;
      targets: Record<string, { state: string }>;
    };
    expect(ledger.status).toBe('running');
    expect(ledger.targets.acme!.state).toBe('in-progress');
    expect(readdirSync(runsDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    const resumed = await f.molectl(['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'resume', id]);
    expect(resumed.code, resumed.stderr).toBe(0);
    // Each tenant got the script once: the canary's command was adopted, not sent again.
    for (const org of state.orgs.values())
      expect(
        state.requests.filter(
          (q) =>
            q.action === 'SendCommand' &&
            q.body.includes("MOLECTL_MODE='apply'") &&
            q.body.includes(org.tenantInstanceId!),
        ).length,
        org.slug,
      ).toBe(1);
    expect(existsSync(join(runsDir, file!))).toBe(true);
  });
});

describe('a ledger write that fails with EIO, EROFS or EACCES', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 2 });
  });
  afterAll(() => f.stop());

  /** Makes fs.promises[fn] fail with `code` on the state directory's runs/ from its `from`-th call there. */
  async function withFailing<T>(fn: 'open' | 'link' | 'rename', code: string, from: number, body: () => Promise<T>) {
    const runsDir = join(f.stateDir, 'runs');
    const promises = fs.promises as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const real = promises[fn]!;
    let calls = 0;
    promises[fn] = (...args: unknown[]) =>
      String(args[0]).startsWith(`${runsDir}/.`) && ++calls >= from
        ? Promise.reject(Object.assign(new Error(`${code}: failed, ${fn} '${String(args[0])}'`), { code }))
        : real(...args);
    syncBuiltinESMExports();
    try {
      return await body();
    } finally {
      promises[fn] = real;
      syncBuiltinESMExports();
    }
  }
  const applySends = (): number =>
    f.sandbox.state.requests.filter((q) => q.action === 'SendCommand' && q.body.includes("MOLECTL_MODE='apply'"))
      .length;
  const runFiles = (): string[] => (existsSync(join(f.stateDir, 'runs')) ? readdirSync(join(f.stateDir, 'runs')) : []);

  it.each([
    ['open', 'EIO', 'input/output error (EIO)'],
    ['link', 'EROFS', 'the file system is read-only (EROFS)'],
  ] as const)(
    'when the ledger is created (%s: %s): says so, exit 1, nothing sent, no file left',
    async (fn, code, reason) => {
      const before = runFiles();
      const r = await withFailing(fn, code, 1, () => f.molectl(APPLY));
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `error: could not create the run ledger \\S+/runs/\\S+\\.json: ${reason.replace(/[()]/g, '\\$&')}; nothing was sent\\nhint: free space or make the state directory writable again`,
        ),
      );
      expect(r.stderr).not.toMatch(/unexpected error/);
      expect(applySends()).toBe(0);
      expect(runFiles()).toEqual(before);
    },
  );

  it('mid-run, on the rename (EACCES): no temp file is left beside the ledger', async () => {
    const r = await withFailing('rename', 'EACCES', 3, () => f.molectl(APPLY));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /error: could not write the run ledger \S+: permission denied \(EACCES\); nothing more was sent/,
    );
    expect(runFiles().filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(applySends()).toBe(0);
  });
});
