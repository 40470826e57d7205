import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTenantScript } from '../../../src/lib/tenant-secret-delivery/tenant-script.js';
import { readTenantContainer } from '../../../src/sandbox/hosts/tenant-container.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/start-sandbox.js';
import type { SimInstance } from '../../../src/sandbox/state.js';

/**
 * The shims answer a migration's calls without starting jq or python (docs/sandbox.md): the
 * docker shim keeps containers as bash state and renders the inspect JSON itself, and python3
 * -c runs in a fork of one warm interpreter. What a script observes must not change: these pin
 * the shapes and behaviours scripts rely on.
 */

let sandbox: Sandbox;

function host(slug: string): SimInstance {
  const id = sandbox.state.orgs.get(slug)?.tenantInstanceId;
  const instance = id ? sandbox.state.instances.get(id) : undefined;
  if (!instance) throw new Error(`no host for ${slug}`);
  return instance;
}

async function run(slug: string, script: string) {
  return sandbox.hosts.runScript(host(slug), script, {
    timeoutSeconds: 30,
    commandId: `cmd-${Math.random().toString(16).slice(2)}`,
  });
}

beforeAll(async () => {
  sandbox = await startSandbox({ tenants: 4, preCutover: 2, seed: 11 });
});

afterAll(async () => {
  await sandbox.stop();
});

describe('the docker shim', () => {
  it('renders the same docker-inspect object as the sandbox wrote, after a stop and start', async () => {
    const before = readTenantContainer(sandbox.state, host('acme'))?.inspect;
    expect(
      (await run('acme', 'docker stop molecule-tenant >/dev/null && docker start molecule-tenant >/dev/null')).exitCode,
    ).toBe(0);
    const file = join(host('acme').hostRoot!, 'var/lib/docker-sim/containers/molecule-tenant.json');
    const after = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & {
      State: Record<string, unknown>;
    };
    expect(Object.keys(after)).toEqual(Object.keys(before!));
    const { StartedAt: _s, FinishedAt: _f, ...state } = after.State;
    const { StartedAt: _s0, FinishedAt: _f0, ...stateBefore } = before!.State;
    expect(state).toEqual(stateBefore);
    expect({ ...after, State: null }).toEqual({ ...before, State: null });
    expect(after.State['FinishedAt']).not.toBe('0001-01-01T00:00:00Z');
  });

  it('answers the --format templates scripts use, and falls back to jq for the others', async () => {
    const r = await run(
      'beta',
      `docker inspect --format '{{.Id}}|{{.State.Status}}|{{.State.Running}}|{{.Config.Image}}|{{.HostConfig.RestartPolicy.Name}}' molecule-tenant
docker inspect --format '{{json .Config.Labels}} {{json .HostConfig.PortBindings}} {{json .Config.Cmd}}' molecule-tenant
docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' molecule-tenant | grep -c '^ORG_SLUG=beta$'
docker inspect --format '{{.Config.Labels}} {{index .Config.Labels "com.moleculesai.role"}}' molecule-tenant 2>&1 | head -c 40; echo
docker inspect molecule-tenant | head -c 1`,
    );
    const { id, image } = readTenantContainer(sandbox.state, host('beta'))!;
    expect(r.stdout.split('\n')).toEqual([
      `${id}|running|true|${image}|unless-stopped`,
      '{"com.moleculesai.role":"tenant"} {"8080/tcp":[{"HostIp":"","HostPort":"8080"}],"3000/tcp":[{"HostIp":"","HostPort":"3000"}]} null',
      '1',
      // A template the shim does not render itself goes to the jq renderer, as before.
      'map[com.moleculesai.role:tenant] {{index',
      '[',
    ]);
  });

  it('keeps env, ports, binds, labels, restart policy and cmd through run, rename and inspect', async () => {
    const r = await run(
      'gamma',
      `printf 'FROM_FILE=a b\\n# comment\\nSPACE= x\\n' > "$MOLECTL_HOST_ROOT/tmp/e.env"
FROM_SHELL='q"uote' docker run -d --name extra -e FROM_SHELL -e A=1 -e A=2 --env-file "$MOLECTL_HOST_ROOT/tmp/e.env" \\
  -p 127.0.0.1:9090:90 -v /srv:/data:ro --label k=v=w --restart on-failure:3 --network host img:1 run --fast >/dev/null
docker rename extra extra2
docker inspect extra2`,
    );
    expect(r.exitCode).toBe(0);
    const [c] = JSON.parse(r.stdout) as [Record<string, any>];
    expect(c['Name']).toBe('/extra2');
    expect(c['Config'].Env).toEqual([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'FROM_SHELL=q"uote',
      'A=2',
      'FROM_FILE=a b',
      'SPACE= x',
    ]);
    expect(c['Config'].Cmd).toEqual(['run', '--fast']);
    expect([c['Path'], c['Args']]).toEqual(['run', ['--fast']]);
    expect(c['Config'].Labels).toEqual({ k: 'v=w' });
    expect(c['HostConfig']).toMatchObject({
      Binds: ['/srv:/data:ro'],
      NetworkMode: 'host',
      PortBindings: { '90/tcp': [{ HostIp: '', HostPort: '9090' }] },
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
    });
    expect(c['Mounts']).toEqual([
      { Type: 'bind', Source: '/srv', Destination: '/data', Mode: 'ro', RW: false, Propagation: 'rprivate' },
    ]);
    expect(readTenantContainer(sandbox.state, host('gamma'), 'extra')).toBeNull();
  });
});

describe('the python3 shim', () => {
  it("runs python3 -c with the caller's stdin, argv, cwd, env, umask and exit status", async () => {
    const r = await run(
      'delta',
      `export PROBE=yes
printf '{"a": [1, 2]}' | python3 -c 'import json, os, sys; d = json.load(sys.stdin); print(d["a"], sys.argv, os.getcwd() == os.environ["MOLECTL_HOST_ROOT"], os.environ["PROBE"])' one two
(umask 077; python3 -c 'import sys; open(sys.argv[1], "w").write("x")' "$MOLECTL_HOST_ROOT/tmp/umask-probe"; stat -c %a "$MOLECTL_HOST_ROOT/tmp/umask-probe")
python3 -c 'import sys; sys.stdout.write("a\\0b"); sys.exit(3)' > "$MOLECTL_HOST_ROOT/tmp/out"; echo "rc=$? bytes=$(wc -c < "$MOLECTL_HOST_ROOT/tmp/out")"
python3 -c 'raise ValueError("boom")' 2>&1 | tail -n 2
python3 -c 'import sys; print(sys.stdin.read().upper())' <<< "here"
python3 --version | cut -c1-7`,
    );
    expect(r.stdout.split('\n')).toEqual([
      "[1, 2] ['-c', 'one', 'two'] True yes",
      '600',
      'rc=3 bytes=3',
      '  File "<string>", line 1, in <module>',
      'ValueError: boom',
      'HERE',
      '',
      'Python ',
      '',
    ]);
    expect(r.stderr).toBe('');
  });
});

describe('the shims as functions of the script’s bash (host-functions.sh)', () => {
  it('leave the script’s variables, functions and options as they were, and answer as the programs do', async () => {
    // The names are the docker shim's own globals and functions (curl's C too): a call must not
    // touch the script's.
    const r = await run(
      'acme',
      `set -e
shopt -s nullglob lastpipe
IFS=:
H=mine C=mine REPLY=mine S_NAME=mine sub=mine JQ_RENDER=mine
load_container() { echo "the script's load_container"; }
state() { printf '%s|%s|%s|%s %s %s %s %s %s' "$-" "$(shopt -p nullglob lastpipe extglob)" "$IFS" "$H" "$C" "$REPLY" "$S_NAME" "$sub" "$JQ_RENDER"; }
before=$(state)
docker inspect --format '{{.State.Status}}' molecule-tenant
docker ps --format '{{.Names}}'
inspect=$(docker inspect molecule-tenant)
docker frobnicate 2>/dev/null || echo "unknown command: exit $?"
curl -fsS http://127.0.0.1:8080/health; echo
aws secretsmanager get-secret-value --secret-id nope 2>/dev/null || echo "aws: exit $?"
[ "$(state)" = "$before" ] && echo 'script state unchanged'
load_container
IFS=$' \\t\\n'
[ "$inspect" = "$(env docker inspect molecule-tenant)" ] && echo 'function and program print the same'
echo "$(type -t docker) $(type -t python3); command -v: $(command -v docker)"
export EXPORTED_LATER=yes
python3 -c 'import os; print(os.environ.get("EXPORTED_LATER"), os.environ.get("FOR_ONE_CALL"), "H" in os.environ)'
FOR_ONE_CALL=1 python3 -c 'import os; print(os.environ.get("FOR_ONE_CALL"))'`,
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual([
      'running',
      'molecule-tenant',
      'unknown command: exit 1',
      '{"status":"ok"}',
      'aws: exit 254',
      'script state unchanged',
      "the script's load_container",
      'function and program print the same',
      'function function; command -v: docker',
      // What a started python3 sees: exported variables, even those exported after the start.
      'yes None False',
      '1',
      '',
    ]);
    expect(r.exitCode).toBe(0);
  });

  it('give python3 -c the environment a started program gets, whatever the values hold', async () => {
    // `env python3` starts a program (the shim file), whose environment bash builds; the function
    // sends `export -p` instead, which the helper parses. Both must give python the same bytes.
    const r = await run(
      'gamma',
      `export NL=$'two\\nlines' QUOTES=$'a"b$c\`d\\\\e\\'f!' CTRL=$'\\001\\033\\177' HIGH=$'\\xff\\xc3\\xa9' EMPTY= UTF8='é€'
declare -x DECLARED_ONLY
declare -ix NUMBER=7
dump='import os, sys; sys.stdout.buffer.write(b"\\0".join(sorted(k + b"=" + v for k, v in os.environb.items() if k != b"_")))'
f() {
  local -x LOCAL_EXPORT=$'tab\\there'
  python3 -c "$dump" > "$MOLECTL_HOST_ROOT/tmp/env-function"
  env python3 -c "$dump" > "$MOLECTL_HOST_ROOT/tmp/env-program"
}
f
cmp "$MOLECTL_HOST_ROOT/tmp/env-function" "$MOLECTL_HOST_ROOT/tmp/env-program" && echo same
tr '\\0' '\\n' < "$MOLECTL_HOST_ROOT/tmp/env-function" | grep -c -E '^(NL|QUOTES|CTRL|HIGH|EMPTY|UTF8|NUMBER|LOCAL_EXPORT)='`,
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('same\n8\n');
  });

  it('show a traced script (set -x) the call line and nothing of the shim, as a started program does', async () => {
    const r = await run(
      'beta',
      `set -x
docker inspect --format '{{.State.Status}}' molecule-tenant
curl -fsS http://127.0.0.1:8080/health
python3 -c 'print(1)'
set +x`,
    );
    expect(r.stdout).toBe('running\n{"status":"ok"}1\n');
    expect(r.stderr.split('\n')).toEqual([
      "+ docker inspect --format '{{.State.Status}}' molecule-tenant",
      '+ curl -fsS http://127.0.0.1:8080/health',
      "+ python3 -c 'print(1)'",
      '+ set +x',
      '',
    ]);
  });
});

describe('mv -f, rm -f, chmod, cp -p and sha256sum in the script’s bash (host-functions.sh)', () => {
  // The same calls, once through the functions (the python helper does the common forms) and once
  // through the programs: same outputs, exit statuses and resulting files, errors included.
  const calls = `ops() {
  local d=$1
  mkdir -p "$d/sub"; printf 'a\\n' > "$d/a"; printf 'b\\n' > "$d/b"; ln -s "$d/a" "$d/link"
  touch -d '2020-01-02 03:04:05.123456789' "$d/b"; chmod 640 "$d/b"
  mv -f "$d/a" "$d/a2"; echo "mv $?"
  mv -f "$d/a2" "$d/sub"; echo "mv into a directory $?"
  mv -f "$d/b" "$d/b"; echo "mv onto itself $?"
  mv -f "$d/missing" "$d/x"; echo "mv a missing file $?"
  mv -f "$d/link" "$d/link2"; echo "mv a symlink $?"
  mv -f "$d/b" "$d/no/such/dir"; echo "mv into a missing directory $?"
  cp -p "$d/b" "$d/b2"; echo "cp $?"
  printf 'older and longer\\n' > "$d/b3"; cp -p "$d/b" "$d/b3"; echo "cp onto a file $?"
  cp -p "$d/b" "$d/sub"; echo "cp into a directory $?"
  cp -p "$d/missing" "$d/b5"; echo "cp a missing file $?"
  chmod 700 "$d/b2"; echo "chmod $?"
  chmod 4755 "$d/b3"; echo "chmod setuid $?"
  chmod 750 "$d/sub"; echo "chmod a directory $?"
  chmod 700 "$d/missing"; echo "chmod a missing file $?"
  rm -f "$d/b" "$d/missing" "$d/link2"; echo "rm $?"
  rm -f "$d/sub"; echo "rm a directory $?"
  rm -f "$d/b2/x"; echo "rm under a file $?"
  (cd "$d" && mv -f b3 b4; echo "mv relative $?")
  printf 'a value' | sha256sum; echo "sha256sum $?"
  sha256sum < "$d/b4"; sha256sum < /dev/null
  printf '' | sha256sum | tr a-f A-F
  sha256sum "$d/b4"; echo "sha256sum a file $?"
}
tree() { (cd "$1" && find . -printf '%P %y %m %s %l %T+\\n' | sed -E 's/ 20(2[1-9]|[3-9][0-9])-[^ ]*$/ recent/' | sort); }
${bothWays('ops', 'file-ops', 'mv rm chmod cp')}
diff <(tree "$d/x") <(tree "$d/y") && echo 'same files'
tr -d '\\n' < "$d/x/b4"; echo
sed "s#$d/x#D#g" "$d.functions"`;

  it('do what the programs do, errors included', async () => {
    await waitForPythonHelper();
    const r = await run('acme', calls);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual([
      'same output',
      'same files',
      'b',
      'mv 0',
      'mv into a directory 0',
      "mv: 'D/b' and 'D/b' are the same file",
      'mv onto itself 1',
      "mv: cannot stat 'D/missing': No such file or directory",
      'mv a missing file 1',
      'mv a symlink 0',
      "mv: cannot move 'D/b' to 'D/no/such/dir': No such file or directory",
      'mv into a missing directory 1',
      'cp 0',
      'cp onto a file 0',
      'cp into a directory 0',
      "cp: cannot stat 'D/missing': No such file or directory",
      'cp a missing file 1',
      'chmod 0',
      'chmod setuid 0',
      'chmod a directory 0',
      "chmod: cannot access 'D/missing': No such file or directory",
      'chmod a missing file 1',
      'rm 0',
      "rm: cannot remove 'D/sub': Is a directory",
      'rm a directory 1',
      'rm under a file 0',
      'mv relative 0',
      'aa62dea5c98c96bdbb4abf7e49a15b90c13453552e04199caf3f4ad333e33c7d  -',
      'sha256sum 0',
      '0263829989b6fd954f72baaf2fc64bc2e2f01d692d4de72986ea808f6e99813f  -',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  -',
      'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855  -',
      '0263829989b6fd954f72baaf2fc64bc2e2f01d692d4de72986ea808f6e99813f  D/b4',
      'sha256sum a file 0',
      '',
    ]);
  });

  it('start no program for the forms a migration uses', async () => {
    await waitForPythonHelper();
    // `command mv` (the fallback) would fail: the hash names a program that does not exist.
    const r = await run(
      'beta',
      `d=$MOLECTL_HOST_ROOT/tmp/no-program; mkdir -p "$d"; printf x > "$d/a"
hash -p "$d/none" mv rm chmod cp sha256sum
mv -f "$d/a" "$d/b" && chmod 700 "$d/b" && cp -p "$d/b" "$d/c" && rm -f "$d/b" "$d/nothing" && stat -c '%n %a' "$d"/*
printf x | sha256sum
mv "$d/c" "$d/d" 2>/dev/null || echo "other forms start the program: $?"`,
    );
    expect(r.stdout).toBe(
      `${host('beta').hostRoot}/tmp/no-program/c 700\n` +
        '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  -\n' +
        'other forms start the program: 127\n',
    );
  });
});

describe('flock in the script’s bash (host-functions.sh)', () => {
  // lock_host's forms, once through the function (the helper takes the lock on the script's own
  // open file description) and once through the program: same statuses and messages, and the
  // lock is then held by the script's fd as the program leaves it.
  const calls = `locks() {
  local d=$1
  mkdir -p "$d"; : > "$d/held"
  exec 9>>"$d/lock"
  flock -w 300 9; echo "flock -w $?"
  flock -n "$d/lock" true; echo "another locker, while the script holds it: $?"
  flock -n 9; echo "flock -n again $?"
  exec 9>&-
  flock -n "$d/lock" true; echo "another locker, once the script closed its fd: $?"
  flock -n 8; echo "flock -n on an fd not open $?"
  exec 7>>"$d/held"
  command flock "$d/held" sleep 3 & sleep 0.3
  flock -n 7; echo "flock -n on a lock held elsewhere $?"
  flock -w 0.2 7; echo "flock -w on a lock held elsewhere $?"
  kill %1; wait
  exec 7>&-
}
${bothWays('locks', 'locks', 'flock')}
sed "s#$d/x#D#g" "$d.functions"`;

  it('does what the program does, errors included', async () => {
    await waitForPythonHelper();
    const r = await run('acme', calls);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual([
      'same output',
      'flock -w 0',
      'another locker, while the script holds it: 1',
      'flock -n again 0',
      'another locker, once the script closed its fd: 0',
      'flock: 8: Bad file descriptor',
      'flock -n on an fd not open 65',
      'flock -n on a lock held elsewhere 1',
      'flock -w on a lock held elsewhere 1',
      '',
    ]);
  });

  it('starts no program for the forms lock_host uses', async () => {
    await waitForPythonHelper();
    const r = await run(
      'beta',
      `d=$MOLECTL_HOST_ROOT/tmp/lock-no-program; mkdir -p "$d"
exec 9>>"$d/lock"
hash -p "$d/none" flock
flock -w 300 9 && flock -n 9 && echo locked
command -v flock`,
    );
    expect(r.stdout).toBe('locked\nflock\n');
  });
});

/**
 * Bash that runs the function `fn` (it takes a directory) once through the host functions, into
 * $d/x, and once with `unset -f <programs>` (the programs themselves), into $d/y, and prints
 * `same output` when both printed the same, their directories written as D. $d is left set.
 */
function bothWays(fn: string, dir: string, programs: string): string {
  return `d=$MOLECTL_HOST_ROOT/tmp/${dir}
${fn} "$d/x" > "$d.functions" 2>&1
(unset -f ${programs}; ${fn} "$d/y" > "$d.programs" 2>&1)
diff <(sed "s#$d/x#D#g" "$d.functions") <(sed "s#$d/y#D#g" "$d.programs") && echo 'same output'`;
}

/** The helper announces its port in the shims' sandbox.env; until then every call starts the program. */
async function waitForPythonHelper(): Promise<void> {
  const envFile = join(sandbox.state.root, 'shims', 'sandbox.env');
  for (let i = 0; i < 100 && !readFileSync(envFile, 'utf8').includes('PY_HELPER_PORT='); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the migration script’s python snippets, which the helper runs in its own process', () => {
  it('answer as the real python3 does: output, errors, exit status and the file they write', async () => {
    await waitForPythonHelper();
    const [facts, recreate] = [...readTenantScript().matchAll(/python3 -c '([^']*)'/g)].map((m) => m[1]);
    // The snippets byte for byte (the helper runs only those inline): read from here-documents.
    const snippet = (name: string, text = '') =>
      `IFS= read -r -d '' ${name} <<'SNIPPET'\n${text}\nSNIPPET\n${name}=\${${name}%$'\\n'}\n`;
    // Each snippet through the function (inline in the helper) and through the real interpreter.
    const r = await run(
      'gamma',
      `${snippet('facts', facts)}${snippet('recreate', recreate)}. "\${PATH%%:*}/../sandbox.env"
t=$MOLECTL_HOST_ROOT/tmp
both() { # <label> <stdin> <snippet> [file]: whether both ways print, exit and write the same
  local a b
  a=$({ printf '%s' "$2" | python3 -c "$3" \${4:+"$4.f"} 2>&1; echo "rc=$?"; } | tr '\\0' '|')
  [ -z "\${4:-}" ] || a+=$(cat "$4.f" 2>&1)
  b=$({ printf '%s' "$2" | "$REAL_PYTHON" -c "$3" \${4:+"$4.r"} 2>&1; echo "rc=$?"; } | tr '\\0' '|')
  [ -z "\${4:-}" ] || b+=$(cat "$4.r" 2>&1 | sed 's/[.]r: /.f: /')
  local status=\${a##*rc=}
  if [ "$a" = "$b" ]; then echo "$1: same, exit \${status%%[!0-9]*}"; else printf '%s: differ\\n%s\\n%s\\n' "$1" "$a" "$b"; fi
}
inspect=$(docker inspect molecule-tenant)
both facts "$inspect" "$facts"
both 'facts of nothing' '' "$facts"
both 'facts of a broken answer' '[{"Id": ' "$facts"
both 'facts of no container' '[]' "$facts"
both recreate "$inspect" "$recreate" "$t/env"
both 'recreate from nothing' '[]' "$recreate" "$t/env-none"
(umask 077; printf '%s' "$inspect" | python3 -c "$recreate" "$t/mode" >/dev/null; stat -c %a "$t/mode")`,
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual([
      'facts: same, exit 0',
      // read_container takes no output as "no container read", then asks docker why.
      'facts of nothing: same, exit 0',
      'facts of a broken answer: same, exit 0',
      'facts of no container: same, exit 0',
      'recreate: same, exit 0',
      'recreate from nothing: same, exit 1',
      '600',
      '',
    ]);
  });
});
