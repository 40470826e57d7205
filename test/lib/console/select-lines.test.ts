import { describe, expect, it } from 'vitest';
import { compileGrep, selectLines } from '../../../src/lib/console/select-lines.js';
import { splitConsoleLines } from '../../../src/lib/console/split-console-lines.js';
import { ExitCode, UsageError } from '../../../src/lib/errors.js';

const lines = ['boot 1', 'docker pull a', 'ok 2', 'docker run b', 'ok 3', 'docker ps c'];

describe('selectLines', () => {
  it('composes grep then tail, like grep RE | tail -n N', () => {
    expect(selectLines(lines, { grep: /docker/, tail: 2 })).toEqual(['docker run b', 'docker ps c']);
    expect(selectLines(lines, { tail: 2 })).toEqual(['ok 3', 'docker ps c']);
    expect(selectLines(lines, { grep: /docker/ })).toHaveLength(3);
    expect(selectLines(lines, { tail: 0 })).toEqual([]);
    expect(selectLines(lines, { tail: 100 })).toEqual(lines);
  });

  it('matches lines without their colour codes', () => {
    expect(selectLines(['\u001b[31mdoc\u001b[0mker failed'], { grep: /docker failed/ })).toHaveLength(1);
  });

  it('compiles --grep, with -i, and refuses a broken pattern with exit 2', () => {
    expect(compileGrep('DOCKER', { ignoreCase: true })!.test('docker')).toBe(true);
    expect(compileGrep(undefined)).toBeUndefined();
    try {
      compileGrep('(unclosed');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).code).toBe(ExitCode.usage);
    }
  });
});

describe('splitConsoleLines', () => {
  it('splits CRLF console text and keeps a trailing prompt without newline', () => {
    expect(splitConsoleLines('a\r\nb\r\nlogin: ')).toEqual({
      lines: ['a', 'b', 'login: '],
      droppedPartialFirstLine: false,
    });
  });

  it('drops the partial first line of a window EC2 cut', () => {
    expect(splitConsoleLines('EN=abc123\r\nnext\r\n', { startsMidLine: true })).toEqual({
      lines: ['next'],
      droppedPartialFirstLine: true,
    });
  });

  it('has no lines for no output', () => {
    expect(splitConsoleLines('')).toEqual({ lines: [], droppedPartialFirstLine: false });
  });
});
