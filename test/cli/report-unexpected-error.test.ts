import { describe, expect, it } from 'vitest';
import { reportError } from '../../src/cli/report-error.js';
import { Redactor } from '../../src/lib/output/redactor.js';

/**
 * An error molectl did not make (a runtime or library error) is printed as "unexpected error:
 * <its message>". Its message is not molectl's words: JSON.parse, for one, quotes the text it
 * failed on, which can be a secret-bearing answer. It was printed with only registered values
 * redacted.
 */

async function report(error: unknown, json = false): Promise<string> {
  let written = '';
  const stderr = {
    isTTY: false,
    write: (text: string, done?: () => void): boolean => {
      written += text;
      done?.();
      return true;
    },
  };
  const code = await reportError(error, {
    stderr: stderr as never,
    json,
    debug: true,
    usageMessage: '',
    signal: new AbortController().signal,
    redactor: new Redactor(),
  });
  expect(code).toBe(1);
  return written;
}

describe('an unexpected error quoting the data it failed on', () => {
  const quoted = new SyntaxError(`Unexpected token 'x', "{"admin_token": "tok-Zq8vX2pLm4Rt7WyK"x" is not valid JSON`);

  it.each([false, true])('json=%s: its shapes are redacted, in the message and the --debug stack', async (json) => {
    const text = await report(quoted, json);
    expect(text).toContain('unexpected error: ');
    expect(text).toContain('[REDACTED:named-secret]');
    expect(text).not.toContain('tok-Zq8vX2pLm4Rt7WyK');
  });

  it('its controls are escaped', async () => {
    const text = await report(new Error('bad \u001b]0;pwned\u0007 input'));
    expect(text).toContain('unexpected error: bad \\e]0;pwned\\a input');
    expect(text).not.toContain('\u001b');
  });
});
