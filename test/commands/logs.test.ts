import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultFaults } from '../../src/sandbox/state.js';
import { ctrlCAtPoll, startHarness, type Harness } from './org-harness.js';

/**
 * `molectl logs` against the sandbox: tenant hosts run a docker shim whose `logs` prints 2,000
 * deterministic lines (~196 KB, eight times SSM's 24,000-character cap); tenants provisioned
 * before the cutover log `workspace provision failed ... cp_status=401`.
 */

let h: Harness;
let pre: string; // a pre-cutover org
let post: string;
beforeAll(async () => {
  h = await startHarness({ tenants: 2 });
  const orgs = [...h.sandbox.state.orgs.values()];
  pre = orgs.find((o) => o.preCutover)!.slug;
  post = orgs.find((o) => !o.preCutover)!.slug;
});
afterAll(async () => {
  await h.stop();
});
beforeEach(() => {
  h.sandbox.state.faults = defaultFaults();
});

const LINE = /^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ level=(?:INFO|DEBUG|ERROR) msg="[^"]+"/;

describe('molectl logs', () => {
  it('prints the last 500 lines of the platform container, with the 401 diagnosis for a pre-cutover tenant', async () => {
    const run = await h.run(['logs', pre]);
    expect(run.code).toBe(0);
    const [logPart, diagnosis] = run.stdout.split('\n\nlikely cause\n');
    const lines = logPart!.split('\n');
    expect(lines).toHaveLength(500);
    expect(lines.every((l) => LINE.test(l))).toBe(true);
    expect(diagnosis).toMatch(/401 from the CP during boot/);
    expect(diagnosis).toContain(`next: molectl migrate cp-secret plan --orgs ${pre}`);
    expect(run.stderr).toMatch(/logs of molecule-tenant on i-[0-9a-f]+ \(org .*\) through SSM/);
    expect(run.stderr).toMatch(/0 values redacted/);
  });

  it("brings logs far over SSM's 24,000-character cap back whole, in pieces", async () => {
    const before = h.sandbox.state.commands.size;
    const run = await h.run(['logs', post, '--tail', 'all', '-o', 'json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({
      schemaVersion: 1,
      complete: true,
      cut: null,
      cutBytes: 0,
      totalLines: 2000,
      findings: [],
    });
    expect(doc.totalBytes).toBeGreaterThan(8 * 24_000);
    expect(doc.lines).toHaveLength(2000);
    expect(doc.lines.every((l: string) => LINE.test(l))).toBe(true);
    const sent = [...h.sandbox.state.commands.values()].slice(before);
    // capture, ceil(bytes / 17,000) pieces, cleanup
    expect(sent.length).toBe(2 + Math.ceil(doc.totalBytes / 17_000));
    for (const command of sent) {
      const script = command.commands.join('\n');
      for (const org of h.sandbox.state.orgs.values()) expect(script).not.toContain(org.adminToken);
      expect(script).not.toContain(h.sandbox.state.provisionSharedSecret);
    }
  });

  it('with --max-bytes keeps the newest part and says exactly what was left out', async () => {
    const run = await h.run(['logs', post, '--tail', 'all', '--max-bytes', '30000', '-o', 'json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.complete).toBe(false);
    expect(doc.cutBytes).toBeGreaterThan(doc.totalBytes - 30_000 - 1);
    expect(run.stderr).toMatch(
      new RegExp(`warning: the oldest ${doc.cutBytes} of ${doc.totalBytes} bytes were left out`),
    );
    expect(doc.lines.every((l: string) => LINE.test(l))).toBe(true); // no half line at the cut
    // The count is of what was read: it says nothing of the part left out.
    expect(run.stderr).toMatch(/^0 values redacted in the part that was read \(the rest was not read\)$/m);
  });

  it('--grep filters the lines docker returned', async () => {
    const run = await h.run(['logs', pre, '--tail', '1000', '--grep', 'provision failed', '--no-diagnosis']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.every((l) => l.includes('workspace provision failed'))).toBe(true);
    expect(run.stderr).toMatch(/showing \d+ of 1000 lines/);
  });

  it('an unknown org exits 4 naming the ways to name a target; a workspace id is a usage error', async () => {
    const unknown = await h.run(['logs', 'ghost-org']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/hint: name the target as an org slug/);
    const ws = await h.run(['logs', '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d']);
    expect(ws.code).toBe(2);
  });

  it('an unknown --container exits 4; the hint names what the host runs and the default, not "nope" as the default', async () => {
    const run = await h.run(['logs', post, '--container', 'nope']);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/docker logs failed on i-[0-9a-f]+ \(exit 1\): .*No such container: nope/);
    // Issue 19, item 7: it said "(the environment's default is nope)".
    expect(run.stderr).toContain(
      `hint: the host's containers: molecule-tenant; "nope" came from --container; the environment's platform container is molecule-tenant (leave --container out to use it)\n`,
    );
    expect(run.stderr).not.toMatch(/default is nope/);
  });

  it("a wrong containerName in the config file: the hint says it is the environment's setting", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'molectl-logs-config-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ environments: { sandbox: { containerName: 'molecule-platform' } } }));
    try {
      const run = await h.run(['logs', post], { env: { MOLECTL_CONFIG: config } });
      expect(run.code).toBe(4);
      expect(run.stderr).toContain(
        `hint: the host's containers: molecule-tenant; "molecule-platform" is the environment's containerName: name the container with --container, or set containerName for the environment in the config file\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a damaged log file: the lines docker printed before its error are shown, the error is stated, exit 1', async () => {
    h.sandbox.state.faults.dockerLogsBrokenHosts = [post];
    const run = await h.run(['logs', post, '--tail', '10']);
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(line).toMatch(LINE);
    expect(run.stderr).toMatch(/^0 values redacted in the part that was read \(the rest was not read\)$/m);
    expect(run.stderr).toContain(
      "warning: docker logs stopped with an error after 6 lines (exit 1): error from daemon in stream: Error grabbing logs: invalid character '\\x00' looking for beginning of value; newer lines were not read",
    );
    // The error quotes docker's error, not the first log line.
    expect(run.stderr).not.toMatch(/failed on i-[0-9a-f]+ \(exit 1\): time=/);
    const json = await h.run(['logs', post, '--tail', '10', '-o', 'json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ complete: false, totalLines: 6 });
  });

  it('an answer whose capture never arrived: exit 1, and no redaction count for text never read', async () => {
    // An endpoint that keeps only the last 400 characters of output loses the capture's marker.
    h.sandbox.state.faults.ssmOutputCut = { head: 0, tail: 400 };
    const run = await h.run(['logs', post, '--tail', '3']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/warning: no output: the capture did not finish/);
    expect(run.stderr).toContain('no log text was read: nothing was checked for secrets or failure signatures');
    expect(run.stderr).not.toMatch(/values? redacted/);
  });

  it('a command that timed out (a hung docker daemon) says so and what to try, not "docker logs failed"', async () => {
    h.sandbox.state.faults.ssmTimeoutHosts = [post];
    const run = await h.run(['logs', post, '--tail', '3']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /error: docker logs did not finish on i-[0-9a-f]+ within its 300 s \(SSM TimedOut: ExecutionTimedOut\)/,
    );
    expect(run.stderr).toMatch(/hint: .*docker daemon may be hung.*molectl console/);
    expect(run.stderr).not.toMatch(/exit -1/);
  });

  it('an unreachable SSM agent exits 1 and points at console, which needs no agent', async () => {
    h.sandbox.state.faults.offlineHosts = [post];
    const run = await h.run(['logs', post]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/SSM could not run docker logs on i-[0-9a-f]+ \(Undeliverable/);
    expect(run.stderr).toMatch(/molectl console/);
  });

  it('a GetCommandInvocation that lags the list (still InProgress) is waited for, not taken for the result', async () => {
    // ListCommandInvocations already says Success; GetCommandInvocation says InProgress, no
    // exit code and no output, twice per invocation before the truth.
    h.sandbox.state.faults.getInvocationLag = 2;
    const run = await h.run(['logs', post, '--tail', '3']);
    expect(run.stderr).not.toMatch(/docker logs failed/);
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(3);
    const gets = h.sandbox.state.requests.filter((q) => q.action === 'GetCommandInvocation');
    expect(gets.length).toBeGreaterThanOrEqual(3);
  });

  it('--no-redact into a pipe is refused', async () => {
    const run = await h.run(['logs', post, '--no-redact']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--no-redact refused/);
  });

  it('--follow polls for new lines, prints none twice, and ends with exit 0 on Ctrl-C', async () => {
    // The shim logs one line every 2 s: the first poll waits for one.
    const { clock, signal } = ctrlCAtPoll(2, () => new Promise<void>((resolve) => setTimeout(resolve, 2100)));
    const run = await h.run(['logs', post, '--follow', '--tail', '5', '--timestamps'], { signal, clock });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(new Set(lines).size).toBe(lines.length);
    const stamps = lines.map((l) => l.split(' ')[0]!);
    expect([...stamps].sort()).toEqual(stamps);
    expect(run.stderr).toMatch(/following every 10 s/);
  }, 30_000);
});
