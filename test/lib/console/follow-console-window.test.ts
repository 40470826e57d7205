import { describe, expect, it } from 'vitest';
import { ConsoleFollower, findAppendedText, measureOverlap } from '../../../src/lib/console/follow-console-window.js';
import { Redactor } from '../../../src/lib/output/redactor.js';

const WINDOW = 64 * 1024;
const windowOf = (all: string): string => (all.length > WINDOW ? all.slice(all.length - WINDOW) : all);

/** A deterministic boot-like stream: numbered lines of varied length, written in odd-sized chunks. */
function makeStream(lines: number): string {
  let text = '';
  for (let i = 0; i < lines; i++)
    text += `[${(i * 0.0137).toFixed(6).padStart(12)}] line ${i} ${'x'.repeat((i * 37) % 120)}\r\n`;
  return text;
}

describe('findAppendedText', () => {
  it('returns the new tail while the window is not full', () => {
    expect(findAppendedText('a\nb\n', 'a\nb\nc\n')).toEqual({ appended: 'c\n', gap: false });
  });

  it('finds the appended text when the window slid', () => {
    const all = makeStream(3000);
    const before = windowOf(all.slice(0, 200_000));
    const after = windowOf(all.slice(0, 203_000));
    expect(findAppendedText(before, after)).toEqual({ appended: all.slice(200_000, 203_000), gap: false });
  });

  it('reports a gap when more than a window arrived between reads', () => {
    const all = makeStream(6000);
    const result = findAppendedText(windowOf(all.slice(0, 100_000)), windowOf(all.slice(0, 300_000)));
    expect(result.gap).toBe(true);
  });

  it('does not take a short coincidental overlap for continuity', () => {
    expect(findAppendedText(`${'a'.repeat(1000)}\r\n`, '\r\nsomething else\r\n').gap).toBe(true);
  });

  it('computes the longest suffix of one string that prefixes another', () => {
    expect(measureOverlap('xxabcab', 'abcabz')).toBe(5);
    expect(measureOverlap('aaaa', 'aaab')).toBe(3);
    expect(measureOverlap('abc', 'xyz')).toBe(0);
    expect(measureOverlap('abc', 'abc')).toBe(3);
  });
});

describe('ConsoleFollower', () => {
  it('prints every appended line exactly once while the 64 KB window slides, whatever the chunking', () => {
    const all = makeStream(5000); // ~ 400 KB: the window slides many times
    const follower = new ConsoleFollower();
    let printed = follower.start(windowOf(all.slice(0, 10_000)));
    let written = 10_000;
    let step = 1;
    while (written < all.length) {
      written = Math.min(all.length, written + ((step * 7919) % 9000) + 1); // cuts mid-line too
      step += 1;
      const update = follower.next(windowOf(all.slice(0, written)));
      expect(update.gap).toBe(false);
      printed += update.text;
      // Re-reading an unchanged window prints nothing.
      expect(follower.next(windowOf(all.slice(0, written))).text).toBe('');
    }
    printed += follower.flush();
    expect(printed).toBe(all);
    const numbers = printed
      .split('\r\n')
      .filter(Boolean)
      .map((l) => Number(/line (\d+)/.exec(l)![1]));
    expect(numbers).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('holds a half-written line until it is complete', () => {
    const follower = new ConsoleFollower();
    expect(follower.start('one\ntw')).toBe('one\n');
    expect(follower.next('one\ntwo\nthr').text).toBe('two\n');
    expect(follower.flush()).toBe('thr\n');
  });

  it('holds a private key block until its END line so it is redacted whole', () => {
    const follower = new ConsoleFollower();
    const begin = 'boot\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n';
    expect(follower.start(begin)).toBe('boot\n');
    const end = `${begin}c2VjcmV0Ym9keQ==\n-----END RSA PRIVATE KEY-----\nafter\n`;
    expect(follower.next(end).text).toBe(
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nc2VjcmV0Ym9keQ==\n-----END RSA PRIVATE KEY-----\nafter\n',
    );
  });

  it('never releases an unterminated key block in clear', () => {
    const follower = new ConsoleFollower();
    follower.start('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n');
    expect(follower.flush()).toBe('[REDACTED:pem] (private key block without an END line)\n');
  });
});

describe('ConsoleFollower and wrapped base64', () => {
  it('holds a base64 blob that may continue until a line ends it, so it is redacted whole', () => {
    const blob = Buffer.from(
      `#!/bin/bash\nexport ADMIN_TOKEN=split-across-polls-1234567890\nexport X=${'y'.repeat(80)}\n`,
    ).toString('base64');
    const lines = blob.match(/.{1,76}/g)!;
    const follower = new ConsoleFollower();
    const part1 = `boot\n${lines.slice(0, 2).join('\n')}\n`;
    expect(follower.start(part1)).toBe('boot\n');
    const whole = `${part1}${lines.slice(2).join('\n')}\nafter\n`;
    const released = follower.next(whole).text;
    expect(released).toBe(`${lines.join('\n')}\nafter\n`);
    expect(new Redactor().redact(released)).toBe('[REDACTED:base64]\nafter\n');
  });
});
