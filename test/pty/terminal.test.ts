import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { deployServicesEnv, sandboxDeployCommit } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { startPty, stopAllPtys } from '../helpers/pty.js';
import { eachInterrupt, interrupt } from '../helpers/pty-fleet.js';

// Issue 13: molectl on a real terminal. Spinners, prompts and Ctrl-C only exist there.

let sandbox: Sandbox;
let tmp: string;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 'fast', tenants: 4, preCutover: 4, faults: 'host-work=700ms' });
  tmp = mkdtempSync(join(tmpdir(), 'molectl-pty-'));
});
afterEach(() => stopAllPtys());
afterAll(async () => {
  await sandbox.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function env(stateDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: tmp,
    ...sandbox.env,
    MOLECTL_STATE_DIR: stateDir,
    MOLECTL_CONFIG: join(tmp, 'no-config.json'),
  };
}
function freshStateDir(): string {
  return mkdtempSync(join(tmp, 'state-'));
}

describe('terminals that lie about themselves', { timeout: 60_000 }, () => {
  it('a 0-column terminal gets plain lines, not a spinner that loops: the plan ends and prints a bounded transcript', async () => {
    const pty = startPty(['migrate', 'cp-secret', 'plan'], { env: env(freshStateDir()), cols: 0, rows: 0 });
    const code = await pty.exited;
    expect(code).toBe(0);
    expect(pty.text).toMatch(/probing 4 online tenants\.\.\./);
    expect(pty.text).toMatch(/4 tenants: 4 needs-migration/);
    // A runaway spinner wrote hundreds of MB of cursor codes; plain output is a few KB.
    expect(pty.transcript.length).toBeLessThan(20_000);

    expect(pty.transcript).not.toMatch(/\u001b\[\d*[AK]/);
  });

  it('a 1-column terminal, TERM=dumb and no TERM all get plain lines too', async () => {
    const cases = [
      [1, 'xterm-256color'],
      [120, 'dumb'],
      [120, ''],
    ] as const;
    const ptys = cases.map(([cols, term]) =>
      startPty(['migrate', 'cp-secret', 'plan', '--orgs', 'acme'], {
        env: { ...env(freshStateDir()), TERM: term },
        cols,
      }),
    );
    for (const [i, pty] of ptys.entries()) {
      expect(await pty.exited).toBe(0);

      expect(pty.transcript, `cols ${cases[i]![0]} TERM ${cases[i]![1]}`).not.toMatch(/\u001b\[\d*[AK]/);
      expect(pty.text).toMatch(/probing 1 online tenant\.\.\./);
    }
  });

  it('a normal terminal gets a spinner, and the result still arrives whole', async () => {
    const pty = startPty(['migrate', 'cp-secret', 'plan', '--orgs', 'acme'], { env: env(freshStateDir()), cols: 120 });
    expect(await pty.exited).toBe(0);
    expect(pty.text).toMatch(/✔ probed 1 tenant/);
    expect(pty.text).toMatch(/1 tenant: 1 needs-migration/);
  });
});

describe('colour on a terminal (issue 19, item 3)', { timeout: 60_000 }, () => {
  const SGR = /\u001b\[[0-9;]*m/;

  it('a normal terminal gets colour: the green ✔ of the spinner, the coloured classes of the plan', async () => {
    const pty = startPty(['migrate', 'cp-secret', 'plan', '--orgs', 'acme'], { env: env(freshStateDir()), cols: 120 });
    expect(await pty.exited).toBe(0);
    expect(pty.transcript).toContain('\u001b[32m✔\u001b[39m');
    expect(pty.transcript).toMatch(SGR);
  });

  it.each([
    ['--no-color', ['--no-color'], {}],
    ['NO_COLOR=1', [], { NO_COLOR: '1' }],
    ['--no-color beats FORCE_COLOR=3', ['--no-color'], { FORCE_COLOR: '3' }],
  ] as const)('%s: not one colour code on the terminal, the ✔ included', async (_label, flags, extra) => {
    const pty = startPty([...flags, 'migrate', 'cp-secret', 'plan', '--orgs', 'acme'], {
      env: { ...env(freshStateDir()), ...extra },
      cols: 120,
    });
    expect(await pty.exited).toBe(0);
    // The spinner ran (so its end mark is the one in question) and its mark is plain.
    expect(pty.text).toMatch(/✔ probed 1 tenant/);
    expect(pty.transcript).not.toMatch(SGR);
  });
});

describe('Ctrl-C during read-only work', { timeout: 60_000 }, () => {
  it('verify --wait: Ctrl-C prints the report as it stands (what passed, what was still waiting), exit 130', async () => {
    sandbox.state.faults.flags['vercelDeployError'] = 'BUILDING';
    try {
      const pty = startPty(
        [
          'verify',
          '--expect-commit',
          sandboxDeployCommit(sandbox.state),
          '--canary',
          'acme',
          '--wait',
          '10m',
          '--interval',
          '1s',
        ],
        { env: { ...env(freshStateDir()), ...deployServicesEnv() }, cols: 200 },
      );
      await pty.waitFor(/canvas-deploy: .*trying again every 1s/);
      // The notice can come before the slowest other check (image-published) has answered; a
      // second later every check but the waiting one has.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      pty.ctrlC();
      expect(await pty.exited).toBe(130);
      const text = pty.text;
      expect(text).toMatch(/^cp-health +pass /m);
      expect(text).toMatch(/^tenant-health +pass /m);
      expect(text).toMatch(/^canvas-deploy +interrupted +.*interrupted while still waiting \(last try: .*BUILDING/m);
      expect(text).toMatch(
        /INTERRUPTED: 7 passed, 0 failed, 0 skipped, 1 interrupted in [\d.]+s; interrupted, 1 not finished \(canvas-deploy\)/,
      );
      // The report, not a bare "error: interrupted".
      expect(text).not.toMatch(/^error: interrupted/m);
    } finally {
      delete sandbox.state.faults.flags['vercelDeployError'];
    }
  });
});

describe('Ctrl-C while the CP has not finished answering', { timeout: 60_000 }, () => {
  // A CP that accepts the call and never finishes: before its answer, or in the middle of its body.
  it.each([
    ['before the answer', (_req: IncomingMessage, _res: ServerResponse): void => undefined],
    [
      'while its body is read',
      (_req: IncomingMessage, res: ServerResponse): void => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"orgs": [');
      },
    ],
  ])('org list stops at once, %s, with exit 130 and no stack trace', async (_when, answer) => {
    const requests: string[] = [];
    const cp = createServer((req, res) => {
      requests.push(req.url ?? '');
      answer(req, res);
    });
    await new Promise<void>((resolve) => cp.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = cp.address() as AddressInfo;
      const pty = startPty(['org', 'list'], {
        env: { ...env(freshStateDir()), MOLECTL_CP_URL: `http://127.0.0.1:${port}` },
        cols: 120,
      });
      await vi.waitFor(() => expect(requests).toHaveLength(1), { timeout: 30_000, interval: 25 });
      const at = Date.now();
      pty.ctrlC();
      expect(await pty.exited).toBe(130);
      expect(Date.now() - at).toBeLessThan(5_000);
      expect(pty.text).toMatch(/interrupted/);
      expect(pty.text).not.toMatch(/\n\s+at /);
      expect(requests).toHaveLength(1);
    } finally {
      cp.closeAllConnections();
      await new Promise((resolve) => cp.close(resolve));
    }
  });
});

describe('interrupts during read-only work', { timeout: 60_000 }, () => {
  it.each(eachInterrupt({ SIGINT: {}, SIGTERM: {}, SIGHUP: {} }))(
    '%s stops a plan promptly with exit 130 while its probe is out: no ledger, no lock, no probe sent after',
    async (_how, { signal }) => {
      const stateDir = freshStateDir();
      const probes = (): number =>
        sandbox.state.requests.filter((r) => r.action === 'SendCommand' && r.body.includes("MOLECTL_MODE='probe'"))
          .length;
      const before = probes();
      const pty = startPty(['migrate', 'cp-secret', 'plan'], { env: env(stateDir), cols: 120 });
      await pty.waitFor(/probing/);
      await vi.waitFor(() => expect(probes()).toBeGreaterThan(before), { timeout: 30_000, interval: 25 });
      const at = interrupt(pty, signal);
      expect(await pty.exited).toBe(130);
      expect(Date.now() - at).toBeLessThan(5_000);
      if (signal !== 'SIGHUP') expect(pty.text).toMatch(/interrupted: stopping at the next safe point/);
      expect(ledgersIn(stateDir)).toEqual([]);
      expect([...sandbox.state.parameters.keys()].filter((k) => k.includes('/locks/'))).toEqual([]);
      expect(sandbox.state.requests.filter((r) => r.action === 'SendCommand' && r.at.getTime() > at)).toEqual([]);
    },
  );
});

describe('Ctrl-C as the normal end of --follow', { timeout: 60_000 }, () => {
  it('console --follow: Ctrl-C stops it with exit 0, without a warning that the run is being interrupted', async () => {
    const pty = startPty(['console', 'acme', '--follow', '--interval', '1s', '--tail', '1'], {
      env: env(freshStateDir()),
    });
    await pty.waitFor(/following every 1 s; Ctrl-C to stop/);
    await pty.waitFor(/login: *\n/);
    pty.ctrlC();
    expect(await pty.exited).toBe(0);
    // "warning: interrupted: stopping at the next safe point (work in flight reports first);
    // interrupt again to exit at once" read as something going wrong at a normal stop.
    expect(pty.text).not.toMatch(/warning: interrupted/);
    expect(pty.text).not.toMatch(/^error:/m);
  });
});

describe('a secret value typed at the terminal', { timeout: 60_000 }, () => {
  it('secrets put --value-file - on a terminal is refused at once (exit 2): nothing echoed, asked or sent', async () => {
    const stateDir = freshStateDir();
    const mark = sandbox.state.requests.length;
    const pty = startPty(['secrets', 'put', 'cp-shared-secret', '--value-file', '-'], { env: env(stateDir) });
    // It does not wait for a value: it ends by itself.
    expect(await pty.exited).toBe(2);
    expect(pty.text).toMatch(
      /error: --value-file - reads stdin, which is this terminal: what you type there is shown on screen; nothing was changed/,
    );
    expect(pty.text).not.toMatch(/Type the environment name/);
    expect(sandbox.state.requests.slice(mark)).toEqual([]);
    expect(ledgersIn(stateDir)).toEqual([]);
  });
});

function ledgersIn(stateDir: string): Array<{ id: string; status: string; command: string }> {
  const dir = join(stateDir, 'runs');
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return names.map(
    (f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { id: string; status: string; command: string },
  );
}
