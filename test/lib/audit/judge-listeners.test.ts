import { describe, expect, it } from 'vitest';
import { isLoopback, judgeListeners, parseSsLine } from '../../../src/lib/audit/judge-listeners.js';

describe('parseSsLine', () => {
  it.each([
    [
      'LISTEN 0      4096         0.0.0.0:8080      0.0.0.0:*    users:(("docker-proxy",pid=1234,fd=4))',
      { address: '0.0.0.0', port: 8080, process: 'docker-proxy', pid: 1234 },
    ],
    ['LISTEN 0 4096 [::]:3000 [::]:*', { address: '[::]', port: 3000, process: null, pid: null }],
    [
      'LISTEN 0 128 127.0.0.53%lo:53 0.0.0.0:* users:(("systemd-resolve",pid=611,fd=14))',
      { address: '127.0.0.53%lo', port: 53, process: 'systemd-resolve', pid: 611 },
    ],
    ['LISTEN 0 128 *:22 *:*', { address: '*', port: 22, process: null, pid: null }],
    ['0 128 10.0.1.5:9999 0.0.0.0:*', { address: '10.0.1.5', port: 9999, process: null, pid: null }],
    ['garbage', null],
  ])('%s', (line, expected) => {
    expect(parseSsLine(line)).toEqual(expected);
  });
});

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.0.0.53%lo', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['[::]', false],
    ['*', false],
    ['10.0.0.4', false],
  ])('%s -> %s', (address, expected) => {
    expect(isLoopback(address)).toBe(expected);
  });
});

describe('judgeListeners', () => {
  const base = { expectedPorts: [8080, 3000], instanceId: 'i-0abc', region: 'us-east-2' };
  const l = (address: string, port: number, process: string | null = null, pid: number | null = null) => ({
    address,
    port,
    process,
    pid,
  });

  it('passes the platform ports and ignores loopback', () => {
    const j = judgeListeners({ ...base, listeners: [l('0.0.0.0', 8080), l('[::]', 3000), l('127.0.0.1', 9999)] });
    expect(j).toMatchObject({ status: 'pass', detail: 'listening only on expected ports 3000, 8080' });
  });

  it('fails a stray listener with the process and a kill command for its pid', () => {
    const j = judgeListeners({ ...base, listeners: [l('0.0.0.0', 8080), l('0.0.0.0', 9999, 'python3', 2211)] });
    expect(j.status).toBe('fail');
    expect(j.detail).toBe('listening on 9999, outside the expected 8080, 3000');
    expect(j.evidence).toBe('ss on the host: 0.0.0.0:9999 (python3, pid 2211)');
    expect(j.fix).toContain(
      `aws ssm send-command --region us-east-2 --instance-ids i-0abc --document-name AWS-RunShellScript --parameters 'commands=["kill 2211"]'`,
    );
  });

  it('is unknown without a whole listing', () => {
    expect(judgeListeners({ ...base, listeners: { unavailable: 'ss is not installed on the host' } })).toEqual({
      status: 'unknown',
      detail: 'ss is not installed on the host',
    });
  });

  it('is unknown when a line ss printed could not be read and nothing read is stray, and still fails on a stray socket', () => {
    const unreadable = ['tcp   LISTEN 0 4096 0.0.0.0:9999 0.0.0.0:*'];
    expect(judgeListeners({ ...base, listeners: [l('0.0.0.0', 8080)], unreadable })).toEqual({
      status: 'unknown',
      detail:
        'ss printed 1 socket line in a layout molectl cannot read (first: "tcp LISTEN 0 4096 0.0.0.0:9999 0.0.0.0:*"), so what listens there is unknown',
    });
    const j = judgeListeners({ ...base, listeners: [l('0.0.0.0', 9999, 'python3', 2211)], unreadable });
    expect(j.status).toBe('fail');
    expect(j.evidence).toMatch(/\(and 1 line in a layout molectl cannot read\)$/);
  });
});
