import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  collectFullOutput,
  parseCaptureMarker,
  PIECE_BYTES,
  planPieces,
} from '../../../src/lib/ssm/collect-full-output.js';
import { createFastClock, FakeSsm } from './fake-ssm.js';

const A = 'i-0aaaaaaaaaaaaaaaa';
const B = 'i-0bbbbbbbbbbbbbbbb';
let fake: FakeSsm | undefined;
afterEach(() => fake?.dispose());

const deps = (f: FakeSsm) => ({ aws: f, clock: createFastClock(), signal: new AbortController().signal });
const expectedSeq = (n: number): string => `${Array.from({ length: n }, (_, i) => String(i + 1)).join('\n')}\n`;

describe('collectFullOutput', () => {
  it('brings small output back inline in one command and leaves no file behind', async () => {
    fake = new FakeSsm({ instanceIds: [A] });
    const [r] = await collectFullOutput(deps(fake), { instanceIds: [A], commands: ['echo hello', 'echo world'] });
    expect(r).toMatchObject({ output: 'hello\nworld\n', complete: true, cut: null, exitCode: 0, totalBytes: 12 });
    expect(fake.commands).toHaveLength(1);
    expect(readdirSync(fake.tmpDirOf(A))).toEqual([]);
  });

  it('brings output far over the 24,000-character cap back whole, in verified pieces', async () => {
    fake = new FakeSsm({ instanceIds: [A, B] });
    const [a, b] = await collectFullOutput(deps(fake), { instanceIds: [A, B], commands: ['seq 1 12000'] });
    const want = expectedSeq(12000);
    expect(want.length).toBeGreaterThan(2 * 24_000);
    expect(a).toMatchObject({ complete: true, cut: null, cutBytes: 0, totalBytes: want.length });
    expect(a!.output).toBe(want);
    expect(b!.output).toBe(want);
    // capture + shared piece commands (both hosts have the same size) + cleanup
    expect(fake.commands).toHaveLength(1 + Math.ceil(want.length / PIECE_BYTES) + 1);
    expect(fake.commands.every((c) => c.outputs.size === 2)).toBe(true);
    expect(readdirSync(fake.tmpDirOf(A))).toEqual([]);
  });

  it('keeps multi-byte characters whole across piece boundaries', async () => {
    fake = new FakeSsm({ instanceIds: [A] });
    const [r] = await collectFullOutput(deps(fake), {
      instanceIds: [A],
      commands: ['for i in $(seq 1 2500); do echo "é→ligne $i ✓"; done'],
    });
    expect(r!.complete).toBe(true);
    expect(r!.output.split('\n')[2499]).toBe('é→ligne 2500 ✓');
    expect(r!.output).not.toContain('\uFFFD');
  });

  it('fetches only the newest maxBytes and says exactly how much was left out', async () => {
    fake = new FakeSsm({ instanceIds: [A] });
    const [r] = await collectFullOutput(deps(fake), { instanceIds: [A], commands: ['seq 1 12000'], maxBytes: 30_000 });
    const whole = expectedSeq(12000);
    expect(r!.complete).toBe(false);
    expect(whole.endsWith(r!.output)).toBe(true);
    expect(r!.output.startsWith(`${r!.output.split('\n')[0]}\n`)).toBe(true);
    expect(whole.length - r!.output.length).toBe(r!.cutBytes);
    expect(whole.split('\n')).toContain(r!.output.split('\n')[0]);
    expect(r!.cut).toMatch(new RegExp(`oldest ${r!.cutBytes} of ${whole.length} bytes were left out`));
    expect(r!.cutReason).toBe('limit');
  });

  it('says what was cut when a piece fails instead of gluing over the hole', async () => {
    fake = new FakeSsm({ instanceIds: [A], failWhen: (script) => script.includes('tail -c +17001 ') });
    const [r] = await collectFullOutput(deps(fake), { instanceIds: [A], commands: ['seq 1 12000'] });
    expect(r!.complete).toBe(false);
    expect(r!.status).toBe('Incomplete');
    expect(r!.cut).toMatch(/piece at byte 17000 did not arrive/);
    expect(r!.cutReason).toBe('failed');
    expect(expectedSeq(12000).endsWith(r!.output)).toBe(true);
    expect(r!.output.length).toBeLessThan(expectedSeq(12000).length - 34_000 + 100);
  });

  it("keeps the script's own exit code and stderr", async () => {
    fake = new FakeSsm({ instanceIds: [A] });
    const [r] = await collectFullOutput(deps(fake), {
      instanceIds: [A],
      commands: ['echo partial', 'echo "No such container: x" >&2', 'exit 1'],
    });
    expect(r).toMatchObject({ exitCode: 1, output: 'partial\n', complete: true, status: 'Failed' });
    expect(r!.stderr).toContain('No such container');
  });

  it('reports an unreachable instance as no output, not as empty output', async () => {
    fake = new FakeSsm({ instanceIds: [A], offline: [A] });
    const [r] = await collectFullOutput(deps(fake), { instanceIds: [A], commands: ['echo x'] });
    expect(r).toMatchObject({ complete: false, status: 'Undeliverable', output: '' });
    expect(r!.cut).toMatch(/no output: the capture did not finish \(Undeliverable\)/);
  });

  it('never puts anything but the given script and fixed plumbing in the command', async () => {
    const sent: string[] = [];
    fake = new FakeSsm({ instanceIds: [A], onSend: (input) => sent.push(input.commands.join('\n')) });
    await collectFullOutput(deps(fake), { instanceIds: [A], commands: ['seq 1 8000'], token: 'fixed01' });
    expect(sent[0]).toContain('molectl-out.fixed01');
    expect(sent.slice(1, -1).every((s) => /tail -c \+\d+ "\$f" \| head -c \d+ \| base64 -w0/.test(s))).toBe(true);
    expect(sent.at(-1)).toBe('rm -f "${TMPDIR:-/tmp}/molectl-out.fixed01"');
  });
});

describe('pure parts', () => {
  it('parses the marker with and without inline output', () => {
    const sum = 'a'.repeat(64);
    expect(parseCaptureMarker(`molectl-capture rc=0 bytes=6 sha256=${sum}\naGVsbG8K\n`)).toEqual({
      exitCode: 0,
      bytes: 6,
      sha256: sum,
      inline: 'aGVsbG8K',
    });
    expect(parseCaptureMarker(`molectl-capture rc=2 bytes=99999 sha256=${sum}\n`)).toMatchObject({
      exitCode: 2,
      inline: null,
    });
    expect(parseCaptureMarker('garbage')).toBeNull();
  });

  it('plans pieces that cover every byte once and share equal ranges', () => {
    const ranges = planPieces([
      { instanceId: 'a', start: 0, end: 40_000 },
      { instanceId: 'b', start: 0, end: 40_000 },
      { instanceId: 'c', start: 5, end: 20 },
    ]);
    expect(ranges.filter((r) => r.instanceIds.length === 2).map((r) => [r.offset, r.length])).toEqual([
      [0, 17_000],
      [17_000, 17_000],
      [34_000, 6_000],
    ]);
    expect(ranges.find((r) => r.instanceIds[0] === 'c')).toEqual({ offset: 5, length: 15, instanceIds: ['c'] });
  });
});
