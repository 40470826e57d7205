import { describe, expect, it } from 'vitest';
import { translateAwsError } from '../../../src/lib/aws/translate-aws-error.js';
import { extractRemoteError } from '../../../src/lib/http/remote-error.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { cutRemoteLine, renderOutputText } from '../../../src/lib/output/remote-text.js';

/**
 * Remote error lines are cut for one-line messages (200 characters). Cut inside a secret, the half
 * left matched neither its registered forms nor any shape and was printed: the first 10 to 60
 * characters of a 64-hex shared secret are most of it.
 */

const SECRET = 'c0ffee5ecret'.repeat(3) + 'a1b2c3d4e5f60718293a4b5c'; // 60 characters, no shape
const lead = (n: number): string => 'the upstream refused the request because '.padEnd(n, '.');

describe('cutRemoteLine', () => {
  it.each([
    ['a word across the cut is dropped whole', 'aaa bbb cccccc', 9, 'aaa bbb…'],
    ['a cut right before a space keeps the word', 'aaa bbb ccc', 7, 'aaa bbb…'],
    ['short text is unchanged', 'aaa', 9, 'aaa'],
    ['one long word leaves nothing of it', 'x'.repeat(50), 20, '…'],
  ])('%s', (_name, text, max, expected) => {
    expect(cutRemoteLine(text, max)).toBe(expected);
  });
});

describe('a registered secret across the 200th character of a remote error', () => {
  const redactor = new Redactor();
  redactor.register(SECRET, 'cp-shared-secret');
  const expectNoPart = (text: string): void => {
    for (let i = 0; i + 12 <= SECRET.length; i += 4) expect(text).not.toContain(SECRET.slice(i, i + 12));
  };

  it.each([170, 185, 199])('a CP error body: secret at %i', (at) => {
    const body = JSON.stringify({ error: `${lead(at)}${SECRET} (echoed)` });
    const line = extractRemoteError(body, redactor)!;
    expectNoPart(renderOutputText(line, redactor, 'text'));
  });

  it.each([170, 185, 199])('an AWS ValidationException: secret at %i', (at) => {
    const sdk = Object.assign(new Error(`1 validation error detected: ${lead(at - 29)}${SECRET}' at 'value'`), {
      name: 'ValidationException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, attempts: 1 },
    });
    const error = translateAwsError(sdk, {
      service: 'ssm',
      action: 'PutParameter',
      region: 'us-east-2',
      profile: null,
      endpoint: null,
    });
    expectNoPart(renderOutputText(error.message, redactor, 'text'));
    expect(renderOutputText(error.message, redactor, 'text')).toMatch(/^AWS refused /);
  });
});
