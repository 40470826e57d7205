import { describe, expect, it } from 'vitest';
import { findCutBase64Run } from '../../../src/lib/console/cut-base64-start.js';
import { followConsole } from '../../../src/lib/console/follow-console.js';
import { LogLinesFollower } from '../../../src/lib/console/follow-log-lines.js';
import type { ConsoleSnapshot } from '../../../src/lib/console/read-console-snapshot.js';
import { RedactionTally } from '../../../src/lib/console/redaction-tally.js';
import { Redactor } from '../../../src/lib/output/redactor.js';

/**
 * A line-wrapped base64 block whose start the text molectl reads does not hold: a --follow poll
 * boundary, a window that slid past it, a first window cut by EC2. Each piece decodes to part of
 * the env file; the piece without `ADMIN_TOKEN=` decodes to the bare token.
 */

const TOKEN = 'Rc9SfV1x8RX4yHxd-YK1-nmR3_-bR9wUkKQpSlUZoVAq7';
const ENV = `# tenant env written by the bootstrap\nORG_SLUG=acme\nMOLECULE_CP_URL=https://api.moleculesai.app\nADMIN_TOKEN=${TOKEN}\nLOG_LEVEL=info\n`;
const BLOCK = Buffer.from(ENV)
  .toString('base64')
  .match(/.{1,76}/g)!;

function expectNoToken(text: string): void {
  for (const line of BLOCK) expect(text).not.toContain(line);
  for (const run of text.match(/[A-Za-z0-9+/=]{16,}/g) ?? [])
    for (const offset of [0, 1, 2, 3])
      expect(Buffer.from(run.slice(offset), 'base64').toString('latin1')).not.toContain(TOKEN.slice(-16));
}

describe('the block as planted', () => {
  it('its last line decodes to the token without its name', () => {
    expect(BLOCK).toHaveLength(3);
    const tail = Buffer.from(BLOCK[2]!, 'base64').toString('latin1');
    expect(tail).toContain(TOKEN.slice(-16));
    expect(tail).not.toContain('ADMIN_TOKEN');
  });
});

describe('logs --follow: polls that split the block', () => {
  const follow = (polls: Array<[string[], boolean]>): string => {
    const follower = new LogLinesFollower(new RedactionTally(new Redactor()));
    const out = polls.flatMap(([lines, inside]) => follower.take(lines, inside));
    return [...out, ...follower.flush()].join('\n');
  };

  it('a block printed across two polls is redacted whole', () => {
    const out = follow([
      [['level=INFO msg=boot', ...BLOCK.slice(0, 2)], true],
      [[...BLOCK.slice(2), 'level=INFO msg=ready'], false],
    ]);
    expectNoToken(out);
    expect(out).toContain('[REDACTED:base64]');
    expect(out).toContain('level=INFO msg=ready');
  });

  it('a first poll whose --tail starts inside the block', () => {
    const out = follow([[[...BLOCK.slice(2), 'level=INFO msg=ready'], true]]);
    expectNoToken(out);
    expect(out).toBe('[REDACTED:base64]\nlevel=INFO msg=ready');
  });

  it('a block still being printed when following stops', () => {
    expectNoToken(
      follow([
        [['level=INFO msg=boot', ...BLOCK.slice(0, 2)], true],
        [[BLOCK[2]!], false],
      ]),
    );
  });

  it('ordinary lines are released at once, not held', () => {
    const follower = new LogLinesFollower(new RedactionTally(new Redactor()));
    expect(follower.take(['level=INFO msg=a', 'level=INFO msg=b'], true)).toEqual([
      'level=INFO msg=a',
      'level=INFO msg=b',
    ]);
  });
});

describe('console --follow: windows that start inside the block', () => {
  const snapshot = (text: string, truncated: boolean): ConsoleSnapshot => ({
    text,
    truncated,
    timestamp: null,
    latest: false,
    source: 'ec2',
    notes: [],
  });

  async function follow(first: ConsoleSnapshot, later: ConsoleSnapshot[]): Promise<string> {
    const written: string[] = [];
    const abort = new AbortController();
    let reads = 0;
    await followConsole(
      {
        read: () => Promise.resolve(later[reads++]!),
        write: (text) => Promise.resolve(void written.push(text)),
        warn: () => {},
        clock: {
          now: () => new Date(0),
          sleep: () => (reads >= later.length ? Promise.reject(new Error('stop')) : Promise.resolve()),
        },
        signal: abort.signal,
      },
      first,
      { intervalMs: 1000, tally: new RedactionTally(new Redactor()) },
    );
    return written.join('');
  }

  const after = 'systemd[1]: Started Session 1 of User ec2-user.\r\n'.repeat(10);

  it('a first window cut by EC2 inside the block', async () => {
    const window = `${BLOCK[1]!.slice(30)}\r\n${BLOCK.slice(2).join('\r\n')}\r\n${after}`;
    const out = await follow(snapshot(window, true), []);
    expectNoToken(out);
    expect(out).toContain('[REDACTED:base64]');
    expect(out).toContain('Started Session 1');
  });

  it('a later window that moved on by more than 64 KB (a gap) and starts inside the block', async () => {
    const first = `${'boot line\r\n'.repeat(30)}${'x'.repeat(300)}\r\n`;
    const gapped = `${BLOCK[1]!.slice(30)}\r\n${BLOCK.slice(2).join('\r\n')}\r\n${after}`;
    const out = await follow(snapshot(first, false), [snapshot(gapped, true)]);
    expectNoToken(out);
    expect(out).toContain('Started Session 1');
  });
});

describe('findCutBase64Run', () => {
  it.each([
    [
      'a certificate body cut at its start (binary: stays)',
      'MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJRTES\nok\n',
    ],
    ['a 64-hex id (binary: stays)', `${'a3f1c9e07b5d2468'.repeat(4)}\nok\n`],
    ['an ordinary first line', 'level=INFO msg=ready\n'],
    ['a short word', 'Listening\nok\n'],
  ])('%s', (_name, text) => {
    expect(findCutBase64Run(text, false)).toBeNull();
  });

  it('finds the run after a dropped fragment, with docker timestamps', () => {
    const text = `${BLOCK[0]!.slice(30)}\n2026-04-18T09:14:12.000000000Z ${BLOCK[1]}\n2026-04-18T09:14:12.000000000Z ${BLOCK[2]}\nnext\n`;
    const run = findCutBase64Run(text, true);
    expect(run).not.toBeNull();
    expect(text.slice(run!.end)).toBe('next\n');
  });
});
