import { describe, expect, it } from 'vitest';
import { lightExec, streamNulSeparated } from '../../../src/lib/gitea/light-exec.js';

describe('lightExec', () => {
  it('returns exit code and output; throws on failure unless allowed', async () => {
    expect(await lightExec('sh', ['-c', 'printf out; printf err >&2; exit 3'], { allowFailure: true })).toEqual({
      exitCode: 3,
      stdout: 'out',
      stderr: 'err',
      timedOut: false,
    });
    await expect(lightExec('sh', ['-c', 'echo nope >&2; exit 2'])).rejects.toThrow('sh exited with 2: nope');
    await expect(lightExec('no-such-binary-molectl', [])).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('streamNulSeparated', () => {
  it('keeps every item even when iteration starts after the process has ended', async () => {
    const stream = streamNulSeparated('sh', ['-c', 'printf "a\\0b c\\0d"'], { cwd: process.cwd() });
    expect(await stream.exit).toEqual({ exitCode: 0, stderr: '' });
    const items: string[] = [];
    for await (const item of stream.items) items.push(item);
    expect(items).toEqual(['a', 'b c', 'd']);
  });

  it('hands the process its input and extra variables', async () => {
    const stream = streamNulSeparated('sh', ['-c', 'cat; printf "\\0$EXTRA"'], {
      cwd: process.cwd(),
      input: Buffer.from('a\0b'),
      env: { EXTRA: 'c' },
    });
    const items: string[] = [];
    for await (const item of stream.items) items.push(item);
    expect(items).toEqual(['a', 'b', 'c']);
  });

  it('ends the process when the consumer stops early', async () => {
    const stream = streamNulSeparated('sh', ['-c', 'while :; do printf "x\\0"; done'], { cwd: process.cwd() });
    let n = 0;
    for await (const _ of stream.items) if (++n === 3) break;
    const exit = await stream.exit;
    expect(exit.exitCode).not.toBe(0);
  });

  it('rejects `exit` when the program cannot start, with no item', async () => {
    const stream = streamNulSeparated('no-such-binary-molectl', [], { cwd: process.cwd() });
    const items: string[] = [];
    for await (const item of stream.items) items.push(item);
    expect(items).toEqual([]);
    await expect(stream.exit).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
