import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/start-sandbox.js';
import type { SimInstance } from '../../../src/sandbox/state.js';

// The sandbox starts the hosts' scripts from a small launcher (host-launcher.py) so that its own
// large process is never forked, and from Node until the launcher is ready or where there is no
// python3. A script must not be able to tell which: same process group and session, signals,
// environment, working directory, umask and limits.

// What a script can see of how it was started, one line each; the parent's pid says which way.
// The signal masks are grep's own (/proc/self): what a program the script starts inherits, not
// bash's, which ignores and blocks signals of its own while it runs.
const PROBE = `set -u
echo "parent $(awk '$1 == "PPid:" { print $2 }' /proc/$$/status)"
read -r _ _ _ _ pgrp session _ < /proc/$$/stat
echo "own group $([ "$pgrp" = "$$" ] && echo yes || echo no), own session $([ "$session" = "$$" ] && echo yes || echo no)"
grep -E '^(SigIgn|SigBlk):' /proc/self/status
echo "umask $(umask)"
echo "cwd $(pwd)"
echo "nofile $(ulimit -n) nproc $(ulimit -u)"
echo "stdin $(readlink /proc/$$/fd/0)"
env -0 | sort -z | tr '\\0' '\\n' | grep -v -E '^(_|SHLVL|PWD|OLDPWD|BASHOPTS)='
echo "exit follows"
exit 7
`;

let withLauncher: Sandbox;
let withoutLauncher: Sandbox;

beforeAll(async () => {
  [withLauncher, withoutLauncher] = await Promise.all([
    startSandbox({ tenants: 1, seed: 3 }),
    startSandbox({ tenants: 1, seed: 3, withoutHostLauncher: true }),
  ]);
});

afterAll(async () => {
  await Promise.all([withLauncher?.stop(), withoutLauncher?.stop()]);
});

function host(sandbox: Sandbox): SimInstance {
  const instance = [...sandbox.state.instances.values()][0];
  if (!instance) throw new Error('no host');
  return instance;
}

async function probe(sandbox: Sandbox): Promise<{ parent: number; rest: string; exitCode: number }> {
  const result = await sandbox.hosts.runScript(host(sandbox), PROBE, { timeoutSeconds: 30, commandId: 'probe' });
  const [first, ...lines] = result.stdout.trimEnd().split('\n');
  const rest = lines.join('\n').replaceAll(sandbox.state.root, '<root>');
  return { parent: Number(first?.replace('parent ', '')), rest, exitCode: result.exitCode };
}

describe('the simulated hosts’ script launcher', () => {
  it('starts a script that sees exactly what a script Node started sees', async () => {
    // The launcher is started with the first script and used once it says it is ready.
    let launched = await probe(withLauncher);
    for (let i = 0; i < 50 && launched.parent === process.pid; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      launched = await probe(withLauncher);
    }
    const direct = await probe(withoutLauncher);

    expect(launched.parent).not.toBe(process.pid);
    expect(direct.parent).toBe(process.pid);
    expect(launched.exitCode).toBe(7);
    expect(direct.exitCode).toBe(7);
    expect(launched.rest).toContain('own group yes, own session yes');
    expect(launched.rest).toMatch(/SigIgn:\s+0+\n/);
    expect(launched.rest).toContain('stdin /dev/null');
    expect(launched.rest).toContain('exit follows');
    expect(launched.rest).toBe(direct.rest);
  });
});
