"""Starts the simulated hosts' scripts for the sandbox (create-host-runner.ts), so that the
sandbox's own process never forks.

Node starts a program with fork() then exec(): the kernel copies the page tables of the whole
sandbox process (100-150 MB during a 1,000-tenant migration), and the child tears that copy down
again at exec: measured at 136 MB, ~2.4 ms of the sandbox's CPU for every script, and the event
loop that answers the SSM polls stands still meanwhile. This small process starts them with
subprocess, whose C child code runs after a vfork (nothing is copied, whatever either process's
size): ~0.3 ms here a start. What runs is unchanged: the same program (found on the given env's
PATH), argument vector, environment (exactly the one given), working directory,
a new session and process group (setsid, as Node's `detached`), stdin from /dev/null, stdout and
stderr to pipes read here and relayed whole. Two differences from a start by Node, both closer
to the SSM agent, which starts scripts from Go: only descriptors 0-2 reach the script (Node's
children also inherit any descriptor Node itself inherited without close-on-exec), and its
stdout and stderr are pipes (Node's are socket pairs). Not os.posix_spawn, although it is
cheaper still: glibc's leaves its two internal signals (32, 33) ignored in the child.

Protocol. First `R` (ready) on stdout, once this system has what the launcher needs (Linux's
pidfd_open): until then, or if it never comes, the sandbox starts scripts itself.
Requests on stdin, one JSON object a line: {"id", "argv", "cwd", "env"}. Answers on stdout,
each a header line, some followed by bytes:
  S <id> <pid>        started (pid is also the process group: the sandbox kills the group itself)
  O <id> <n>\\n<n bytes> / E <id> <n>\\n<n bytes>   a chunk of the script's stdout / stderr
  X <id> <code>       both pipes closed and the process reaped, as Node's 'close': code is the exit
                      status, or -<signal> when a signal ended it
  F <id> <n>\\n<n bytes>  it could not start (the message, UTF-8)
The scripts are this process's children, so their CPU time adds up in its children counters
(the sandbox reads them as it does the python helper's). When stdin closes (the sandbox stopped
or died), every script's process group is killed and this process ends: none outlives it.
"""

import json
import os
import selectors
import signal
import subprocess
import sys

OUT = sys.stdout.buffer


def send(header, payload=b""):
    OUT.write(header.encode() + b"\n" + payload)
    OUT.flush()


class Script:
    def __init__(self, rid, proc):
        self.id = rid
        self.proc = proc
        self.pid = proc.pid
        self.open = 2  # pipes not yet at EOF
        self.pidfd = os.pidfd_open(proc.pid)
        self.exited = False


def spawn(argv, cwd, env):
    """Starts argv in cwd with env and a new session; returns its Popen (stdout, stderr: pipes).
    SIGPIPE and SIGXFSZ, which Python ignores, are reset to their defaults in the child
    (restore_signals); the other dispositions are as Node left them for this process (it resets
    1-31 in the processes it starts)."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        bufsize=0,
    )
    return proc


def supported():
    if not hasattr(os, "pidfd_open"):
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return False  # a kernel older than 5.3
    return True


def main():
    if not supported():
        return
    send("R")
    sel = selectors.DefaultSelector()
    scripts = {}
    stdin = sys.stdin.buffer.raw
    os.set_blocking(stdin.fileno(), False)
    sel.register(stdin, selectors.EVENT_READ, ("in", None))
    pending = b""

    def finish_if_done(s):
        if s.open == 0 and s.exited:
            send(f"X {s.id} {s.proc.wait()}")
            del scripts[s.id]

    def start(request):
        rid = request["id"]
        try:
            proc = spawn(request["argv"], request["cwd"], request["env"])
        except OSError as error:
            message = str(error).encode()
            send(f"F {rid} {len(message)}", message)
            return
        s = Script(rid, proc)
        scripts[rid] = s
        send(f"S {rid} {proc.pid}")
        for stream, kind in ((proc.stdout, "O"), (proc.stderr, "E")):
            os.set_blocking(stream.fileno(), False)
            sel.register(stream, selectors.EVENT_READ, (kind, s))
        sel.register(s.pidfd, selectors.EVENT_READ, ("exit", s))

    try:
        while True:
            for key, _ in sel.select():
                kind, s = key.data
                if kind == "in":
                    chunk = os.read(stdin.fileno(), 65536)
                    if not chunk:
                        return
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    for line in lines:
                        if line:
                            start(json.loads(line))
                elif kind == "exit":
                    sel.unregister(s.pidfd)
                    os.close(s.pidfd)
                    s.exited = True
                    finish_if_done(s)
                else:
                    try:
                        chunk = os.read(key.fd, 65536)
                    except BlockingIOError:
                        continue
                    if chunk:
                        send(f"{kind} {s.id} {len(chunk)}", chunk)
                        continue
                    sel.unregister(key.fileobj)
                    key.fileobj.close()
                    s.open -= 1
                    finish_if_done(s)
    finally:
        for s in scripts.values():
            try:
                os.killpg(s.pid, signal.SIGKILL)
            except OSError:
                pass


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        pass
