import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type StartSandboxOptions } from '../../src/sandbox/start-sandbox.js';
import { BIN } from './spawn-cli.js';
import type { PtySession } from './pty.js';

/**
 * One sandbox for a pty test file, and what its interrupt scenarios observe: the run ledgers in
 * the state directory, the locks (fleet locks in SSM Parameter Store and local lock files), and
 * the SendCommands the sandbox received. Each file starts one; its tests share it and use
 * tenants of their own, so the files run side by side and the tests of a file one after another.
 */

export interface Ledger {
  id: string;
  command: string;
  status: string;
  startedAt: string;
  targets: Record<string, { state: string; remoteIds: { commandId?: string } }>;
}

export interface PtyFleet {
  sandbox: Sandbox;
  stateDir: string;
  /** The environment molectl runs with: the sandbox's exports, a state dir and config path of this file's own. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  ledgers(): Ledger[];
  /** The newest ledger of a command ('migrate cp-secret apply'). */
  newest(command: string): Ledger;
  /** Fleet locks in SSM and local lock files still held. */
  locksHeld(): string[];
  /** SendCommands (tenants dispatched, of any mode) that reached the sandbox after `at`. */
  sendsAfter(at: number): number;
  /** SendCommands of a mode ('apply', 'rollback', 'probe') that named one of these tenants. */
  sendsFor(mode: string, slugs: string[]): number;
  /** Waits until a command of this mode went to one of these tenants, then a moment more (it is on the host). */
  untilSent(mode: string, slugs: string[], count?: number): Promise<void>;
  /** Runs molectl without a terminal to its end. */
  runToEnd(argv: string[], extraEnv?: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }>;
  stop(): Promise<void>;
}

export async function startPtyFleet(options: StartSandboxOptions): Promise<PtyFleet> {
  const sandbox = await startSandbox(options);
  const tmp = mkdtempSync(join(tmpdir(), 'molectl-pty-fleet-'));
  const stateDir = join(tmp, 'state');
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: tmp,
    ...sandbox.env,
    MOLECTL_STATE_DIR: stateDir,
    MOLECTL_CONFIG: join(tmp, 'absent-config.json'),
    ...extra,
  });
  const filesIn = (dir: string, suffix: string): string[] => {
    try {
      return readdirSync(dir).filter((f) => f.endsWith(suffix));
    } catch {
      return [];
    }
  };
  const ledgers = (): Ledger[] =>
    filesIn(join(stateDir, 'runs'), '.json')
      .map((f) => JSON.parse(readFileSync(join(stateDir, 'runs', f), 'utf8')) as Ledger)
      // By start time (milliseconds): run ids carry the second only, and two runs of the same
      // command can start within one second (molectl starts in ~50 ms).
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
  const sendCommands = (): Array<{ at: Date; body: string }> =>
    sandbox.state.requests.filter((r) => r.action === 'SendCommand');
  const sendsFor = (mode: string, slugs: string[]): number =>
    sendCommands().filter(
      (r) =>
        r.body.includes(`MOLECTL_MODE='${mode}'`) &&
        slugs.some((s) => r.body.includes(sandbox.state.orgs.get(s)!.tenantInstanceId!)),
    ).length;
  return {
    sandbox,
    stateDir,
    env,
    ledgers,
    newest: (command) => {
      const found = ledgers()
        .filter((l) => l.command === command)
        .at(-1);
      if (!found) throw new Error(`no ${command} ledger in ${stateDir}`);
      return found;
    },
    locksHeld: () => [
      ...[...sandbox.state.parameters.keys()].filter((k) => k.includes('/locks/')),
      ...filesIn(join(stateDir, 'locks'), '.lock'),
    ],
    sendsAfter: (at) => sendCommands().filter((r) => r.at.getTime() > at).length,
    sendsFor,
    async untilSent(mode, slugs, count = 1) {
      const deadline = Date.now() + 30_000;
      while (sendsFor(mode, slugs) < count) {
        if (Date.now() > deadline) throw new Error(`no ${mode} command for ${slugs.join(',')}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      await new Promise((r) => setTimeout(r, 300));
    },
    runToEnd: (argv, extraEnv = {}) =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, ...argv], {
          env: env(extraEnv),
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr }));
      }),
    async stop() {
      await sandbox.stop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * The three interrupts of the signal × phase table, each delivered the way it happens: Ctrl-C
 * is the byte 0x03 typed at the terminal (its line discipline raises SIGINT), SIGTERM is sent
 * to molectl's process group (a CI cancel, `timeout`), SIGHUP is the terminal going away (the
 * pty is closed: nothing molectl prints afterwards is seen).
 */
export const INTERRUPTS = [
  { signal: 'SIGINT', how: 'Ctrl-C' },
  { signal: 'SIGTERM', how: 'SIGTERM (a CI cancel)' },
  { signal: 'SIGHUP', how: 'SIGHUP (the terminal went away)' },
] as const;
export type InterruptSignal = (typeof INTERRUPTS)[number]['signal'];

/**
 * The table's rows for it.each, one per interrupt: [how, row], so that a title's `%s` reads
 * "Ctrl-C at the question", and the row carries what the scenario needs for that signal (its
 * own tenants, say).
 */
export function eachInterrupt<T extends object>(
  perSignal: Record<InterruptSignal, T>,
): Array<[string, { signal: InterruptSignal } & T]> {
  return INTERRUPTS.map(({ signal, how }) => [how, { signal, ...perSignal[signal] }]);
}

/** Delivers the interrupt; returns when it was sent (what "after the signal" is measured from). */
export function interrupt(pty: PtySession, signal: InterruptSignal): number {
  const at = Date.now();
  if (signal === 'SIGINT') pty.ctrlC();
  else if (signal === 'SIGTERM') pty.kill('SIGTERM');
  else pty.hangup();
  return at;
}
