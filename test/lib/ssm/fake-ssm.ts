import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InvocationOutput, InvocationSummary, SendShellCommandInput } from '../../../src/lib/aws/aws-types.js';
import type { Clock } from '../../../src/lib/clock.js';
import type { ShellScriptApi } from '../../../src/lib/ssm/run-shell-script.js';

/**
 * SSM Run Command in miniature, for unit tests of the executor: scripts really run under bash
 * (one private TMPDIR per instance, so capture files persist between commands as on a host),
 * outputs are cut at SSM's caps, invocations are invisible for the first poll after sending,
 * and chosen instances are unreachable (Undeliverable).
 */
export interface FakeSsmOptions {
  instanceIds: string[];
  offline?: string[];
  /** Polls (per command) during which listInvocations omits the invocations. */
  invisiblePolls?: number;
  /** Runs before each script on an instance, e.g. to plant a big log. */
  env?: Record<string, string>;
  /** Called with each command's script: tests assert what was sent. */
  onSend?(input: SendShellCommandInput): void;
  /** Runs scripts in-process instead of under bash (many-instance tests: spawning is slow). */
  runner?(script: string, instanceId: string): { code: number; stdout: string; stderr: string };
  /** Breaks chosen piece commands: returns true to fail the invocation for that instance. */
  failWhen?(script: string, instanceId: string): boolean;
}

interface FakeCommand {
  input: SendShellCommandInput;
  polls: number;
  outputs: Map<string, InvocationOutput>;
}

export class FakeSsm implements ShellScriptApi {
  readonly commands: FakeCommand[] = [];
  readonly root: string;
  calls = { send: 0, list: 0, get: 0, cancel: 0 };

  constructor(private readonly options: FakeSsmOptions) {
    this.root = mkdtempSync(join(tmpdir(), 'molectl-fake-ssm-'));
    for (const id of options.instanceIds) mkdirSync(join(this.root, id), { recursive: true });
  }

  tmpDirOf(instanceId: string): string {
    return join(this.root, instanceId);
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  async sendShellCommand(input: SendShellCommandInput): Promise<{ commandId: string }> {
    this.calls.send += 1;
    if (input.instanceIds.length > 50) throw new Error('ValidationException: at most 50 instance ids');
    this.options.onSend?.(input);
    const script = input.commands.join('\n');
    const outputs = new Map<string, InvocationOutput>();
    for (const id of input.instanceIds) {
      if (this.options.offline?.includes(id) || !this.options.instanceIds.includes(id)) {
        outputs.set(id, {
          status: 'Undeliverable',
          statusDetails: 'Undeliverable',
          responseCode: -1,
          stdout: '',
          stderr: '',
        });
        continue;
      }
      if (this.options.failWhen?.(script, id)) {
        outputs.set(id, {
          status: 'Failed',
          statusDetails: 'Failed',
          responseCode: 1,
          stdout: '',
          stderr: 'simulated failure\n',
        });
        continue;
      }
      const run = this.options.runner
        ? { ...this.options.runner(script, id), status: null as number | null }
        : spawnSync('bash', ['-c', script], {
            env: {
              PATH: process.env.PATH ?? '/usr/bin:/bin',
              TMPDIR: this.tmpDirOf(id),
              LANG: 'C.UTF-8',
              ...this.options.env,
              INSTANCE_ID: id,
            },
            encoding: 'utf8',
            maxBuffer: 64 * 1024 * 1024,
            // No stdin, as the SSM agent gives none. A pipe here would be a socket, and bash run
            // with a socket on stdin and no SHLVL reads ~/.bashrc as if started by sshd (on a
            // machine whose ~/.bashrc runs `pyenv init`, half a second per script).
            stdio: ['ignore', 'pipe', 'pipe'],
          });
      const code = 'code' in run ? run.code : (run.status ?? 1);
      outputs.set(id, {
        status: code === 0 ? 'Success' : 'Failed',
        statusDetails: code === 0 ? 'Success' : 'Failed',
        responseCode: code,
        stdout: run.stdout.slice(0, 24_000),
        stderr: run.stderr.slice(0, 8_000),
      });
    }
    this.commands.push({ input, polls: 0, outputs });
    return { commandId: `cmd-${this.commands.length}` };
  }

  async listInvocations(commandId: string): Promise<InvocationSummary[]> {
    this.calls.list += 1;
    const command = this.find(commandId);
    command.polls += 1;
    if (command.polls <= (this.options.invisiblePolls ?? 1)) return [];
    return [...command.outputs].map(([instanceId, out]) => ({
      commandId,
      instanceId,
      status: out.status,
      statusDetails: out.statusDetails,
      responseCode: out.responseCode,
      outputPreview: out.stdout.slice(0, 2_500),
    }));
  }

  async getInvocationOutput(commandId: string, instanceId: string): Promise<InvocationOutput | null> {
    this.calls.get += 1;
    return this.find(commandId).outputs.get(instanceId) ?? null;
  }

  async cancelCommand(): Promise<void> {
    this.calls.cancel += 1;
  }

  private find(commandId: string): FakeCommand {
    const command = this.commands[Number(commandId.replace('cmd-', '')) - 1];
    if (!command) throw new Error(`InvalidCommandId ${commandId}`);
    return command;
  }
}

/** A clock whose sleeps return at once and advance its time. */
export function createFastClock(start = new Date('2026-11-22T12:00:00Z')): Clock & { slept: number[] } {
  let now = start.getTime();
  const slept: number[] = [];
  return {
    slept,
    now: () => new Date(now),
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      slept.push(ms);
      now += ms;
    },
  };
}
