import { describe, expect, it } from 'vitest';
import type { InvocationOutput, InvocationSummary, SendShellCommandInput } from '../../../src/lib/aws/aws-types.js';
import { lingerMs, nextBatchSize } from '../../../src/lib/ssm/dispatch-commands.js';
import { runShellScript, type ShellScriptApi } from '../../../src/lib/ssm/run-shell-script.js';
import { briskPollMs } from '../../../src/lib/ssm/poll-commands.js';
import { createSsmPacer } from '../../../src/lib/ssm/ssm-pacer.js';
import type { Clock } from '../../../src/lib/clock.js';
import { createFastClock } from './fake-ssm.js';

/**
 * --max-concurrency past 50 (issue 16): hosts working at once across the fleet, several SSM
 * commands in flight, each of at most 50 ids, within SSM's rate limits. A fake SSM on a fake
 * clock: every host takes a few seconds, and SendCommand / ListCommandInvocations answer
 * ThrottlingException past a token-bucket rate, as AWS does.
 */

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `i-${(i + 1).toString(16).padStart(17, '0')}`);

function throttle(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
}

class TimedSsm implements ShellScriptApi {
  readonly sent: (SendShellCommandInput & { at: number })[] = [];
  readonly throttled = { send: 0, list: 0 };
  private readonly runs = new Map<string, { instanceId: string; start: number; end: number }[]>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly now: () => number,
    private readonly options: {
      durationMs: (id: string) => number;
      failing?: Set<string>;
      rates?: { send: number; list: number };
      /** ListCommandInvocations gives each finished invocation's request and finish times, as SSM does. */
      reportsTimes?: boolean;
    },
  ) {}

  /** Most invocations running at one instant. */
  maxRunning(): number {
    const edges = [...this.runs.values()].flat().flatMap(
      (r) =>
        [
          [r.start, 1],
          [r.end, -1],
        ] as const,
    );
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let running = 0;
    let max = 0;
    for (const [, d] of edges) max = Math.max(max, (running += d));
    return max;
  }

  private allow(kind: 'send' | 'list'): boolean {
    const rate = this.options.rates?.[kind];
    if (!rate) return true;
    const b = this.buckets.get(kind) ?? { tokens: rate, at: this.now() };
    b.tokens = Math.min(rate, b.tokens + ((this.now() - b.at) / 1000) * rate);
    b.at = this.now();
    this.buckets.set(kind, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  async sendShellCommand(input: SendShellCommandInput): Promise<{ commandId: string }> {
    if (!this.allow('send')) {
      this.throttled.send += 1;
      throw throttle();
    }
    if (input.instanceIds.length > 50) throw new Error('ValidationException: at most 50 instance ids');
    const commandId = `cmd-${this.sent.length + 1}`;
    this.sent.push({ ...input, at: this.now() });
    const start = this.now();
    this.runs.set(
      commandId,
      input.instanceIds.map((instanceId) => ({ instanceId, start, end: start + this.options.durationMs(instanceId) })),
    );
    return { commandId };
  }

  readonly listed: string[] = [];

  async listInvocations(commandId: string): Promise<InvocationSummary[]> {
    if (!this.allow('list')) {
      this.throttled.list += 1;
      throw throttle();
    }
    this.listed.push(commandId);
    return this.runs.get(commandId)!.map((r) => {
      const done = this.now() >= r.end;
      const failed = this.options.failing?.has(r.instanceId) ?? false;
      const status = !done ? 'InProgress' : failed ? 'Failed' : 'Success';
      return {
        commandId,
        instanceId: r.instanceId,
        status,
        statusDetails: status,
        responseCode: done ? (failed ? 1 : 0) : null,
        outputPreview: done ? 'ok\n' : '',
        ...(this.options.reportsTimes ? { finishedAfterMs: done ? r.end - r.start : null } : {}),
      };
    });
  }

  async getInvocationOutput(commandId: string, instanceId: string): Promise<InvocationOutput | null> {
    const r = this.runs.get(commandId)!.find((x) => x.instanceId === instanceId)!;
    const failed = this.options.failing?.has(instanceId) ?? false;
    return {
      status: failed ? 'Failed' : 'Success',
      statusDetails: failed ? 'Failed' : 'Success',
      responseCode: this.now() >= r.end ? (failed ? 1 : 0) : null,
      stdout: 'ok\n',
      stderr: '',
    };
  }

  async cancelCommand(): Promise<void> {}
}

function setup(options: ConstructorParameters<typeof TimedSsm>[1]) {
  const clock = createFastClock();
  const ssm = new TimedSsm(() => clock.now().getTime(), options);
  const pacer = createSsmPacer(clock);
  return { clock, ssm, pacer, deps: { aws: ssm, clock, signal: new AbortController().signal, pacer } };
}

// Hosts take 2 to 4 s, deterministically per id.
const duration = (id: string): number => 2000 + (parseInt(id.slice(-3), 16) % 3) * 1000;

describe('hosts working at once across the fleet', () => {
  it('keeps several commands of at most 50 in flight, up to the cap and never past it', async () => {
    const { ssm, deps } = setup({ durationMs: duration });
    const results = await runShellScript(deps, {
      instanceIds: ids(600),
      commands: ['true'],
      maxInFlight: 200,
      previewIsComplete: () => true,
    });
    expect(results.filter((r) => r.status === 'Success')).toHaveLength(600);
    expect(ssm.sent.every((c) => c.instanceIds.length <= 50 && c.maxConcurrency === String(c.instanceIds.length))).toBe(
      true,
    );
    expect(ssm.maxRunning()).toBeGreaterThan(150);
    expect(ssm.maxRunning()).toBeLessThanOrEqual(200);
    // Freed capacity is gathered into commands, not sent one per finished host.
    expect(ssm.sent.length).toBeLessThan(600 / 10);
  });

  it('puts capacity freed early back to work after a short wait, not when half a batch is free', async () => {
    // Of the first 50 hosts, 10 take 2 s and 40 take 20 s. Waiting for 25 free slots would leave
    // 10 idle for 18 s; the freed 10 go out once they have waited an eighth of the 2 s seen.
    const all = ids(100);
    const { ssm, deps } = setup({ durationMs: (id) => (all.indexOf(id) < 10 ? 2000 : 20_000), reportsTimes: true });
    const results = await runShellScript(deps, {
      instanceIds: all,
      commands: ['true'],
      maxInFlight: 50,
      previewIsComplete: () => true,
    });
    expect(results.filter((r) => r.status === 'Success')).toHaveLength(100);
    expect(ssm.sent.map((c) => c.instanceIds.length)).toEqual([50, 10, 40]);
    expect(ssm.sent[1]!.at - ssm.sent[0]!.at).toBeLessThan(3000);
    expect(ssm.maxRunning()).toBeLessThanOrEqual(50);
  });

  it('meets SSM throttling on SendCommand and ListCommandInvocations and still finishes every host', async () => {
    const { ssm, deps, pacer } = setup({ durationMs: duration, rates: { send: 1, list: 2 } });
    const results = await runShellScript(deps, {
      instanceIds: ids(300),
      commands: ['true'],
      maxInFlight: 150,
      previewIsComplete: () => true,
    });
    expect(results.filter((r) => r.status === 'Success')).toHaveLength(300);
    expect(ssm.throttled.send + ssm.throttled.list).toBeGreaterThan(0);
    expect(pacer.throttled.SendCommand + pacer.throttled.ListCommandInvocations).toBe(
      ssm.throttled.send + ssm.throttled.list,
    );
    expect(ssm.maxRunning()).toBeGreaterThan(50);
  });

  it('stops sending once failures exceed the budget, with more than 50 hosts in flight', async () => {
    const failing = new Set(ids(300).slice(60, 63));
    const { ssm, deps } = setup({ durationMs: duration, failing });
    const results = await runShellScript(deps, {
      instanceIds: ids(300),
      commands: ['true'],
      maxInFlight: 100,
      stopDispatch: (done) => done.filter((r) => r.status === 'Failed').length > 1,
      previewIsComplete: () => true,
    });
    expect(ssm.maxRunning()).toBeGreaterThan(50);
    expect(results.filter((r) => r.status === 'Failed')).toHaveLength(3);
    // Nothing was sent after the failures were seen; the rest came back NotSent, not run.
    const notSent = results.filter((r) => r.status === 'NotSent');
    expect(notSent.length).toBeGreaterThan(100);
    expect(ssm.sent.flatMap((c) => c.instanceIds)).not.toContain(notSent[0]!.instanceId);
  });
});

describe('results as they land', () => {
  it('hands each result to onResults once, soon after its host finishes, not when the last host does', async () => {
    // 10 hosts take 2 s, 40 take 20 s: the first 10 are reported long before the run ends.
    const all = ids(50);
    const { clock, deps } = setup({ durationMs: (id) => (all.indexOf(id) < 10 ? 2000 : 20_000), reportsTimes: true });
    const started = clock.now().getTime();
    const landed: { id: string; atMs: number }[] = [];
    const results = await runShellScript(deps, {
      instanceIds: all,
      commands: ['true'],
      maxInFlight: 50,
      previewIsComplete: () => true,
      onResults: (batch) => {
        for (const r of batch) landed.push({ id: r.instanceId, atMs: clock.now().getTime() - started });
      },
    });
    expect(results).toHaveLength(50);
    expect(landed.map((l) => l.id).sort()).toEqual([...all].sort());
    const early = landed.filter((l) => all.indexOf(l.id) < 10);
    expect(Math.max(...early.map((l) => l.atMs))).toBeLessThan(5000);
  });

  it('waits for what onResults started before returning', async () => {
    const { deps } = setup({ durationMs: () => 2000 });
    let written = 0;
    await runShellScript(deps, {
      instanceIds: ids(5),
      commands: ['true'],
      previewIsComplete: () => true,
      onResults: async (batch) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        written += batch.length;
      },
    });
    expect(written).toBe(5);
  });
});

describe('dispatch beside polling', () => {
  it('keeps collecting results while a batch is being sent (its ledger write, its paced SendCommand)', async () => {
    // The first 50 hosts take 2 s, the next 50 take 6 s; the cap frees room for the third batch
    // at ~2 s, and recording that batch (onBeforeDispatch) is held until the second batch's
    // results are in. A wait loop that polled only after each dispatch finished would never get there.
    const all = ids(150);
    const slow = new Set(all.slice(50, 100));
    const { deps } = setup({ durationMs: (id) => (slow.has(id) ? 6000 : 2000) });
    let done = 0;
    let release!: () => void;
    const secondBatchIn = new Promise<void>((resolve) => (release = resolve));
    const results = await runShellScript(deps, {
      instanceIds: all,
      commands: ['true'],
      maxInFlight: 100,
      previewIsComplete: () => true,
      onProgress: (p) => {
        done = p.done;
        if (done >= 100) release();
      },
      onBeforeDispatch: async ({ instanceIds }) => {
        if (instanceIds.includes(all[100]!)) await secondBatchIn;
      },
    });
    expect(results.filter((r) => r.status === 'Success')).toHaveLength(150);
    expect(done).toBe(150);
  });
});

/**
 * A clock on which time moves only when nothing else can run: each sleep is a timer, and once
 * every promise has settled the earliest timer fires. Unlike the fast clock, work that is under
 * way (a send out) finishes before a sleeping loop wakes, as on a real clock.
 */
function createVirtualClock(): Clock {
  let now = Date.parse('2026-11-22T12:00:00Z');
  const timers: { at: number; seq: number; fire: () => void }[] = [];
  let seq = 0;
  let ticking = false;
  const tick = (): void => {
    ticking = false;
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = timers.shift();
    if (!next) return;
    now = Math.max(now, next.at);
    next.fire();
    schedule();
  };
  const schedule = (): void => {
    if (ticking || timers.length === 0) return;
    ticking = true;
    setImmediate(tick);
  };
  return {
    now: () => new Date(now),
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        timers.push({ at: now + Math.max(0, ms), seq: seq++, fire: resolve });
        schedule();
      }),
  };
}

describe('capacity freed while a batch is being sent', () => {
  it('goes out as soon as that send is done, not at the next poll round', async () => {
    // Cap 150: A (hosts of 20 s), B and C (2 s) start. B's capacity goes to D, whose ledger write
    // (onBeforeDispatch) takes a second; C's results land meanwhile. E, for C's capacity, must go
    // out at once, not when D's send is done or a poll round next looks (A's polls are far off).
    const clock = createVirtualClock();
    const all = ids(250);
    const batchOf = (id: string): number => Math.floor(all.indexOf(id) / 50);
    const ssm = new TimedSsm(() => clock.now().getTime(), {
      durationMs: (id) => (batchOf(id) === 0 ? 20_000 : 2000),
      reportsTimes: true,
    });
    const deps = { aws: ssm, clock, signal: new AbortController().signal, pacer: createSsmPacer(clock) };
    // The script's timing is known (an earlier run), so every command is first polled when due.
    await runShellScript(deps, { instanceIds: ids(251).slice(250), commands: ['true'], previewIsComplete: () => true });
    let cSeenAt = 0;
    const results = await runShellScript(deps, {
      instanceIds: all,
      commands: ['true'],
      maxInFlight: 150,
      previewIsComplete: () => true,
      onProgress: (p) => {
        if (p.done >= 100 && !cSeenAt) cSeenAt = clock.now().getTime();
      },
      onBeforeDispatch: async ({ instanceIds }) => {
        if (batchOf(instanceIds[0]!) === 3) await clock.sleep(1000);
      },
    });
    expect(results.filter((r) => r.status === 'Success')).toHaveLength(250);
    const sentAt = new Map(ssm.sent.map((c) => [batchOf(c.instanceIds[0]!), c.at]));
    // C's results were seen while D was being recorded; E went out then, paced only by
    // SendCommand's rate (10 a second).
    expect(cSeenAt).toBeLessThan(sentAt.get(3)!);
    expect(sentAt.get(4)! - cSeenAt).toBeLessThanOrEqual(100);
    expect(ssm.maxRunning()).toBeLessThanOrEqual(150);
  });
});

describe('when to poll', () => {
  it("polls each command about once, when it finishes, once SSM's own times have shown how long hosts take", async () => {
    const { ssm, deps } = setup({ durationMs: () => 2000, reportsTimes: true });
    await runShellScript(deps, {
      instanceIds: ids(600),
      commands: ['true'],
      maxInFlight: 200,
      previewIsComplete: () => true,
    });
    // The first 4 commands (200 hosts) are polled every 0.5 s until a result shows how long hosts
    // take (the 4th poll, at 2 s, sees it); every later command about once.
    expect(ssm.listed.length).toBeLessThanOrEqual(ssm.sent.length + 4 * 4);
  });

  it('sees a canary of a script never run before finish within a quarter of the poll interval, not at 3.5 s after doubling gaps', async () => {
    const { clock, ssm, deps } = setup({ durationMs: () => 2050 });
    const start = clock.now().getTime();
    await runShellScript(deps, { instanceIds: ids(1), commands: ['true'], previewIsComplete: () => true });
    expect(clock.now().getTime() - start).toBeLessThanOrEqual(2050 + 125);
    // Polled at 0.5 s, then every 125 ms: about a dozen polls for a 2 s host.
    expect(ssm.listed.length).toBeLessThanOrEqual(14);
  });

  it('polls a first wave of many commands of a script never run before at the first interval', async () => {
    const { ssm, deps } = setup({ durationMs: () => 2000 });
    await runShellScript(deps, { instanceIds: ids(500), commands: ['true'], previewIsComplete: () => true });
    // 10 commands, each polled at 0.5, 1, 1.5 and 2 s: no command polled 8 times a second.
    expect(ssm.listed.length).toBeLessThanOrEqual(10 * 4 + 10);
  });

  it('starts a later run of the same script from what an earlier one learnt, as the waves after a canary do', async () => {
    const { ssm, deps } = setup({ durationMs: () => 2000, reportsTimes: true });
    await runShellScript(deps, { instanceIds: ids(1), commands: ['true'], previewIsComplete: () => true });
    const canaryPolls = ssm.listed.length;
    expect(canaryPolls).toBeGreaterThan(1);
    await runShellScript(deps, { instanceIds: ids(5).slice(1), commands: ['true'], previewIsComplete: () => true });
    expect(ssm.listed.length - canaryPolls).toBe(1);
    // Another script has its own timing: it is not polled as if it took as long.
    await runShellScript(deps, { instanceIds: ids(1), commands: ['other'], previewIsComplete: () => true });
    expect(ssm.listed.length - canaryPolls - 1).toBeGreaterThan(1);
  });
});

describe('briskPollMs', () => {
  it.each([
    [2000, 500, 125],
    [60_000, 500, 250],
    [800, 500, 100],
  ])('quickest %i ms, first poll %i ms -> %i ms', (quickest, first, expected) => {
    expect(briskPollMs(quickest, first)).toBe(expected);
  });

  it("sees a command's later hosts soon after they finish, also once its first results are in", async () => {
    const { clock, deps } = setup({ durationMs: (id) => (id.endsWith('2') ? 2200 : 2000), reportsTimes: true });
    // A first run teaches the script's timing (2 s), as a canary does for the waves.
    await runShellScript(deps, { instanceIds: ids(1), commands: ['true'], previewIsComplete: () => true });
    const start = clock.now().getTime();
    const results = await runShellScript(deps, {
      instanceIds: ids(2),
      commands: ['true'],
      previewIsComplete: () => true,
    });
    expect(results.map((r) => r.status)).toEqual(['Success', 'Success']);
    // The second host finishes at 2.2 s; polled every 2 s / 16 after the first result, it is seen
    // by ~2.35 s (at the first interval, 0.5 s after the first result, it was seen at 2.5 s).
    expect(clock.now().getTime() - start).toBeLessThan(2400);
  });
});

describe('nextBatchSize', () => {
  it.each([
    [{ cap: Infinity, inFlight: 0, queued: 120 }, 50],
    [{ cap: Infinity, inFlight: 500, queued: 7 }, 7],
    [{ cap: 50, inFlight: 0, queued: 120 }, 50],
    [{ cap: 50, inFlight: 30, queued: 120 }, 0],
    [{ cap: 50, inFlight: 25, queued: 120 }, 25],
    [{ cap: 50, inFlight: 45, queued: 3 }, 3],
    [{ cap: 500, inFlight: 430, queued: 900 }, 50],
    [{ cap: 500, inFlight: 470, queued: 900 }, 30],
    [{ cap: 500, inFlight: 480, queued: 900 }, 0],
    [{ cap: 5, inFlight: 0, queued: 59 }, 5],
    [{ cap: 5, inFlight: 2, queued: 59 }, 3],
    [{ cap: 5, inFlight: 3, queued: 59 }, 0],
    [{ cap: 1, inFlight: 1, queued: 3 }, 0],
    // Less than half a batch free goes out once it has waited its linger.
    [{ cap: 50, inFlight: 45, queued: 120, freeForMs: 249, lingerMs: 250 }, 0],
    [{ cap: 50, inFlight: 45, queued: 120, freeForMs: 250, lingerMs: 250 }, 5],
    [{ cap: 500, inFlight: 490, queued: 900, freeForMs: 300, lingerMs: 250 }, 10],
    [{ cap: 50, inFlight: 50, queued: 120, freeForMs: 9000, lingerMs: 250 }, 0],
  ])('%j -> %i', (input, expected) => {
    expect(nextBatchSize(input)).toBe(expected);
  });
});

describe('lingerMs', () => {
  it.each([
    [{ quickestMs: 2000, firstPollMs: 500 }, 250],
    [{ quickestMs: 600_000, firstPollMs: 500 }, 2000],
    [{ quickestMs: 100, firstPollMs: 500 }, 250],
    [{ quickestMs: null, firstPollMs: 500 }, 250],
  ])('%j -> %i ms', (run, expected) => {
    expect(lingerMs(run)).toBe(expected);
  });
});
