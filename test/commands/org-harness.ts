import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli.js';
import type { Clock } from '../../src/lib/clock.js';
import type { Prompt } from '../../src/lib/prompt/prompt.js';
import { startSandbox, type Sandbox, type StartSandboxOptions } from '../../src/sandbox/start-sandbox.js';
import { absentPath } from '../helpers/absent-path.js';

/** Shared set-up of the org and fleet command tests: a sandbox, a state dir, main() with captured streams. */

export class CaptureStream extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Harness {
  sandbox: Sandbox;
  stateDir: string;
  run(
    argv: string[],
    options?: { env?: Record<string, string | undefined>; prompt?: Prompt; signal?: AbortSignal; clock?: Clock },
  ): Promise<RunResult>;
  /** CP requests recorded by the sandbox since the mark. */
  cpRequestsSince(mark: number): string[];
  stop(): Promise<void>;
}

export async function startHarness(options: StartSandboxOptions = {}): Promise<Harness> {
  const sandbox = await startSandbox({ speed: 'fast', ...options });
  const stateDir = mkdtempSync(join(tmpdir(), 'molectl-org-'));
  return {
    sandbox,
    stateDir,
    async run(argv, runOptions = {}) {
      const stdout = new CaptureStream();
      const stderr = new CaptureStream();
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...sandbox.env,
        MOLECTL_STATE_DIR: stateDir,
        MOLECTL_CONFIG: absentPath(),
        NO_COLOR: '1',
        CI: '',
      };
      for (const [k, v] of Object.entries(runOptions.env ?? {})) {
        if (v === undefined) delete env[k];
        else env[k] = v;
      }
      const code = await main(argv, {
        stdout,
        stderr,
        env,
        signal: runOptions.signal ?? new AbortController().signal,
        overrides: {
          ...(runOptions.prompt ? { prompt: runOptions.prompt } : {}),
          ...(runOptions.clock ? { clock: runOptions.clock } : {}),
        },
      });
      return { code, stdout: stdout.text, stderr: stderr.text };
    },
    cpRequestsSince(mark) {
      return sandbox.state.requests
        .slice(mark)
        .filter((r) => r.service === 'cp')
        .map((r) => r.action);
    },
    async stop() {
      await sandbox.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A prompt that answers with `answer` (as if typed on a terminal) and remembers the questions. */
export function typedAnswer(answer: string): Prompt & { questions: string[] } {
  const questions: string[] = [];
  return {
    canAsk: true,
    questions,
    async ask(question) {
      questions.push(question);
      return answer;
    },
  };
}

/**
 * A clock for a command that polls (`--follow`): its sleeps are the polls. The `at`-th poll is a
 * Ctrl-C (the signal aborts, the sleep throws as an interrupted one does); before each earlier
 * poll ends, `between(poll)` runs (new console text, a real wait for the host to log).
 */
export function ctrlCAtPoll(
  at: number,
  between: (poll: number) => void | Promise<void> = () => {},
): { clock: Clock; signal: AbortSignal } {
  const controller = new AbortController();
  let polls = 0;
  const clock: Clock = {
    now: () => new Date(),
    async sleep(_ms, signal) {
      polls += 1;
      if (polls >= at) {
        controller.abort(new Error('ctrl-c'));
        throw signal?.reason;
      }
      await between(polls);
    },
  };
  return { clock, signal: controller.signal };
}
