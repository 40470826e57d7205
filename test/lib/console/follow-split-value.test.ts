import { describe, expect, it } from 'vitest';
import { followConsole } from '../../../src/lib/console/follow-console.js';
import { LogLinesFollower } from '../../../src/lib/console/follow-log-lines.js';
import type { ConsoleSnapshot } from '../../../src/lib/console/read-console-snapshot.js';
import { RedactionTally } from '../../../src/lib/console/redaction-tally.js';
import { Redactor } from '../../../src/lib/output/redactor.js';

/**
 * A secret's name at the end of one --follow poll and its value at the start of the next: a YAML
 * key whose value is on the next line (`admin_token:`), a YAML name/value pair (`- name:
 * ADMIN_TOKEN`, then `value: …`). Each poll is redacted on its own, and the value line alone has
 * no name before it: it was printed in clear.
 */

const SENTINEL = 'split-SENTINEL-7d3e9a1c5b';

const SPLITS: Array<[string, string[], string[]]> = [
  ['a YAML key at a line end', ['+ cat /etc/molecule/tenant.yaml', 'admin_token:'], [`  ${SENTINEL}`, 'slug: acme']],
  [
    'a YAML key behind a prefix',
    ['cloud-init[1873]: client_secret:'],
    [`cloud-init[1873]:   ${SENTINEL}`, 'cloud-init[1873]: done'],
  ],
  [
    'a docker timestamp, as logs --timestamps keeps it',
    ['2026-04-18T09:14:12.000000000Z admin_token:'],
    [`2026-04-18T09:14:12.000000000Z   ${SENTINEL}`],
  ],
  [
    'a Kubernetes name/value pair',
    ['      - name: ADMIN_TOKEN'],
    [`        value: "${SENTINEL}"`, '      - name: SLUG'],
  ],
];

describe('logs --follow: a name in one poll, its value in the next', () => {
  it.each(SPLITS)('%s', (_name, first, second) => {
    const follower = new LogLinesFollower(new RedactionTally(new Redactor()));
    const out = [...follower.take(['level=INFO msg=boot', ...first], false), ...follower.take(second, false)];
    out.push(...follower.flush());
    expect(out.join('\n')).not.toContain(SENTINEL);
    expect(out.join('\n')).toContain('[REDACTED:named-secret]');
    expect(out[0]).toBe('level=INFO msg=boot');
  });

  it('a name whose value never comes is printed when following stops', () => {
    const follower = new LogLinesFollower(new RedactionTally(new Redactor()));
    expect(follower.take(['admin_token:'], false)).toEqual([]);
    expect(follower.flush()).toEqual(['admin_token:']);
  });

  it('a line that names a secret with its value on the same line is not held', () => {
    const follower = new LogLinesFollower(new RedactionTally(new Redactor()));
    expect(follower.take(['level=INFO msg=ready', 'admin_token: set'], false)).toEqual([
      'level=INFO msg=ready',
      'admin_token: set',
    ]);
  });
});

describe('console --follow: a name in one window, its value in the next', () => {
  const snapshot = (text: string): ConsoleSnapshot => ({
    text,
    truncated: false,
    timestamp: null,
    latest: false,
    source: 'ec2',
    notes: [],
  });

  async function follow(windows: string[]): Promise<string> {
    const written: string[] = [];
    let reads = 1;
    await followConsole(
      {
        read: () => Promise.resolve(snapshot(windows[reads++]!)),
        write: (text) => Promise.resolve(void written.push(text)),
        warn: () => {},
        clock: {
          now: () => new Date(0),
          sleep: () => (reads >= windows.length ? Promise.reject(new Error('stop')) : Promise.resolve()),
        },
        signal: new AbortController().signal,
      },
      snapshot(windows[0]!),
      { intervalMs: 1000, tally: new RedactionTally(new Redactor()) },
    );
    return written.join('');
  }

  it.each(SPLITS)('%s', async (_name, first, second) => {
    const boot = 'systemd[1]: Started Session 1 of User ec2-user.\r\n'.repeat(10);
    const one = `${boot}${first.join('\r\n')}\r\n`;
    const out = await follow([one, `${one}${second.join('\r\n')}\r\n`]);
    expect(out).not.toContain(SENTINEL);
    expect(out).toContain('[REDACTED:named-secret]');
    expect(out).toContain('Started Session 1');
  });

  it('a name whose value never comes is printed once when following stops, with no blank line after it', async () => {
    const boot = 'systemd[1]: Started Session 1 of User ec2-user.\r\n';
    const out = await follow([`${boot}cloud-init[1873]: admin_token:\r\n`]);
    expect(out).toBe('systemd[1]: Started Session 1 of User ec2-user.\ncloud-init[1873]: admin_token:\n');
  });
});
