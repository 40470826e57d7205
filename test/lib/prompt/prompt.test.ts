import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../../../src/lib/errors.js';
import { createPrompt } from '../../../src/lib/prompt/prompt.js';

// A question whose terminal goes away (issue 13): the input ends and, on a hung-up terminal,
// taking it out of raw mode fails with EIO. The question must end as "no answer" (exit 130,
// nothing changed), never hang or crash. The real hangup is in test/pty (SIGHUP at the question).

function terminal(setRawMode: (mode: boolean) => void) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode });
  const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
  stderr.resume();
  return { stdin, stderr };
}

describe('a question whose input ends', () => {
  it('is no answer: it ends interrupted, saying nothing was changed', async () => {
    const { stdin, stderr } = terminal(() => undefined);
    const answer = createPrompt(stdin, stderr, false).ask('Type it: ', 'confirming: the test');
    stdin.end();
    await expect(answer).rejects.toThrow(InterruptedError);
    await expect(answer).rejects.toThrow(
      /no answer at the question \(confirming: the test\): its input ended; nothing was changed/,
    );
  });

  it('even when the terminal, gone, refuses to leave raw mode (EIO)', async () => {
    const { stdin, stderr } = terminal((mode) => {
      if (!mode) throw Object.assign(new Error('setRawMode EIO'), { code: 'EIO' });
    });
    const answer = createPrompt(stdin, stderr, false).ask('Type it: ', 'confirming: the test');
    stdin.end();
    await expect(answer).rejects.toThrow(InterruptedError);
    // The stream's own setRawMode is back once the question is over.
    expect(Object.prototype.hasOwnProperty.call(stdin, 'setRawMode')).toBe(true);
  });

  it('an input that ended before the question was asked is no answer too, not a question left open', async () => {
    const { stdin, stderr } = terminal(() => undefined);
    // Read to its end first, as a command that read stdin before asking would have.
    stdin.end('earlier input\n');
    for await (const chunk of stdin) void chunk;
    const answer = createPrompt(stdin, stderr, false).ask('Type it: ', 'confirming: the test');
    const settled = await Promise.race([
      answer.then(
        () => 'answered',
        (error: unknown) => error,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still open'), 1000)),
    ]);
    expect(settled).toBeInstanceOf(InterruptedError);
    expect(String(settled)).toMatch(/no answer at the question \(confirming: the test\): its input ended/);
  });

  it('an answer typed before the end is still the answer', async () => {
    const { stdin, stderr } = terminal(() => undefined);
    const answer = createPrompt(stdin, stderr, false).ask('Type it: ', 'confirming: the test');
    stdin.write('sandbox\r');
    await expect(answer).resolves.toBe('sandbox');
  });
});
