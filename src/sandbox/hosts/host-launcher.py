"""Starts the simulated hosts' scripts for the sandbox (create-host-runner.ts), so that the
sandbox's own process never forks.

Node starts a program with fork() then exec(): the kernel copies the page tables of the whole
sandbox process (100-150 MB during a 1,000-tenant migration), and the child tears that copy down
again at exec: measured at 136 MB, ~2.4 ms of the sandbox's CPU for every script, and the event
loop that answers the SSM polls stands still meanwhile. This
small process starts them with posix_spawn() instead (glibc's is a vfork: nothing is copied,
whatever either process's size), and without subprocess.Popen's ~1 ms of Python per start. What
runs is unchanged: the same program (found on the given env's PATH, as execvp would), argument
vector, environment (exactly the one given: every descriptor of this process is close-on-exec),
working directory, a new session and process group (setsid, as Node's `detached`), stdin from
/dev/null, stdout and stderr to pipes read here and relayed whole.

Protocol. First `R` (ready) on stdout, once this system has what the launcher needs (Linux's
pidfd_open, posix_spawn): until then, or if it never comes, the sandbox starts scripts itself.
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
import sys

OUT = sys.stdout.buffer


def send(header, payload=b""):
    OUT.write(header.encode() + b"\n" + payload)
    OUT.flush()


class Script:
    def __init__(self, rid, pid):
        self.id = rid
        self.pid = pid
        self.open = 2  # pipes not yet at EOF
        self.pidfd = os.pidfd_open(pid)
        self.exited = False


def find_program(name, env):
    """The file execvp would run for name, with env's PATH (its default when unset)."""
    if "/" in name:
        return name
    for directory in env.get("PATH", "/usr/local/bin:/usr/bin:/bin").split(":"):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError(2, f"No such file or directory: {name!r}")


def spawn(argv, cwd, env):
    """Starts argv in cwd with env and a new session; returns (pid, stdout fd, stderr fd)."""
    out_r, out_w = os.pipe()  # close-on-exec (PEP 446): only the dup2 copies reach the child
    err_r, err_w = os.pipe()
    home = os.getcwd()
    try:
        program = find_program(argv[0], env)
        # posix_spawn has no chdir here: the child inherits this process's cwd (single-threaded).
        os.chdir(cwd)
        pid = os.posix_spawn(
            program,
            argv,
            env,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, out_w, 1),
                (os.POSIX_SPAWN_DUP2, err_w, 2),
            ],
            setsid=True,
            setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),  # what Python ignores, a started program does not
        )
    except BaseException:
        os.close(out_r)
        os.close(err_r)
        raise
    finally:
        os.chdir(home)
        os.close(out_w)
        os.close(err_w)
    return pid, out_r, err_r


def supported():
    if not hasattr(os, "pidfd_open") or not hasattr(os, "posix_spawn"):
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
            _, status = os.waitpid(s.pid, 0)
            send(f"X {s.id} {os.waitstatus_to_exitcode(status)}")
            del scripts[s.id]

    def start(request):
        rid = request["id"]
        try:
            pid, out_r, err_r = spawn(request["argv"], request["cwd"], request["env"])
        except OSError as error:
            message = str(error).encode()
            send(f"F {rid} {len(message)}", message)
            return
        s = Script(rid, pid)
        scripts[rid] = s
        send(f"S {rid} {pid}")
        for fd, kind in ((out_r, "O"), (err_r, "E")):
            os.set_blocking(fd, False)
            sel.register(fd, selectors.EVENT_READ, (kind, s))
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
                    sel.unregister(key.fd)
                    os.close(key.fd)
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
