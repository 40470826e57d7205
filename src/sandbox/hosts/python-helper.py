"""One warm Python interpreter per sandbox, serving the hosts' `python3 -c` calls.

The sandbox's python3 shim (shims/python3, or the python3 function of shims/host-functions.sh in
a script's own bash) connects over loopback TCP and sends a token, its own pid and its argument
vector; the function also sends its exported environment, which its /proc environ does not
show. A fork of this process then takes the caller's place: it duplicates the caller's standard
streams with pidfd_getfd (the same open files, pipes or sockets, not copies), takes its
environment (as sent, else from /proc), working directory and umask from /proc, runs the code as
`__main__` with `sys.argv` as `python3 -c` sets it, and answers with the exit status. When any of that is not
possible (older kernel, ptrace restrictions, another user's process) it answers `F` before
running anything, and the shim starts the real interpreter instead: the helper only ever changes
how fast a call is, never what it does.

Forks are reaped here (waitpid), so their CPU time adds up in this process's children counters,
which is where the benchmarks read it. The helper ends when its stdin (a pipe from the sandbox)
closes, so it never outlives the sandbox.
"""

import ctypes
import gc
import hmac
import io
import os
import select
import signal
import socket
import stat
import sys
import time
import traceback
import types

# What the on-instance scripts import, loaded once here instead of once per call.
import hashlib  # noqa: F401
import json  # noqa: F401
import shlex  # noqa: F401

SYS_PIDFD_GETFD = 438  # the same number on x86_64 and aarch64
LIBC = ctypes.CDLL(None, use_errno=True)
TOKEN = os.environ.pop("MOLECTL_PY_HELPER_TOKEN", "").encode()


def reap(_signum=None, _frame=None):
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def read_request(conn):
    data = b""
    while b"\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            raise EOFError
        data += chunk
    header, rest = data.split(b"\n", 1)
    # "token pid argc" (the python3 shim file: the caller's environment is its /proc environ) or
    # "token pid argc envc" (the python3 host function, which sends the environment after argv).
    token, pid, argc, *envc = header.split(b" ")
    argc = int(argc)
    envc = int(envc[0]) if envc else None
    while rest.count(b"\0") < argc + (envc or 0):
        chunk = conn.recv(65536)
        if not chunk:
            raise EOFError
        rest += chunk
    items = rest.split(b"\0")
    environ = None if envc is None else environ_pairs(items[argc : argc + envc])
    return token, int(pid), [os.fsdecode(a) for a in items[:argc]], environ


def environ_pairs(items):
    """`NAME=value` items (bytes, as sent or as /proc/<pid>/environ holds them) as [name, value] pairs."""
    return [item.split(b"=", 1) for item in items if b"=" in item]


def is_this_connection(fd, conn):
    """True when fd is the shim's end of conn (see the shim's note on `>&3`)."""
    if not stat.S_ISSOCK(os.fstat(fd).st_mode):
        return False
    sock = socket.socket(fileno=os.dup(fd))
    try:
        return sock.getsockname() == conn.getpeername()
    except OSError:
        return False
    finally:
        sock.close()


def take_caller(pid, conn, environ=None):
    """Duplicates the caller's fds 0-2 and adopts its env (unless given), cwd and umask; None when not possible."""
    with open(f"/proc/{pid}/status") as f:
        status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    if int(status["Uid"].split()[0]) != os.getuid():
        return None
    pidfd = os.pidfd_open(pid)
    fds = []
    for fd in (0, 1, 2):
        # While the shim's `printf ... >&3` runs, its fd 1 is briefly this very connection.
        for _ in range(2000):
            dup = LIBC.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
            if dup < 0:
                return None
            if not is_this_connection(dup, conn):
                break
            os.close(dup)
            time.sleep(0.0005)
        else:
            return None
        fds.append(dup)
    if environ is None:
        with open(f"/proc/{pid}/environ", "rb") as f:
            environ = environ_pairs(f.read().split(b"\0"))
    cwd = os.readlink(f"/proc/{pid}/cwd")
    umask = int(status.get("Umask", "0022"), 8)
    return fds, environ, cwd, umask


def become_caller(fds, environ, cwd, umask):
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    for key, value in environ:
        os.environb[key] = value
    os.chdir(cwd)
    os.umask(umask)
    # Streams as python3 sets them up under a UTF-8 locale (the hosts run with LANG=C.UTF-8).
    encoding = os.environ.get("PYTHONIOENCODING", "utf-8").split(":")[0] or "utf-8"
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "rb", closefd=False)), encoding=encoding, errors="strict")
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "wb", closefd=False)), encoding=encoding, errors="strict", line_buffering=os.isatty(1))
    sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "wb", closefd=False)), encoding=encoding, errors="backslashreplace", line_buffering=True)


def print_traceback(error):
    # Without this module's own frame, as python3 -c prints it.
    traceback.print_exception(type(error), error, error.__traceback__.tb_next)


def run_code(code, argv):
    """Runs like `python3 -c code args...`; returns the exit status python3 would have."""
    main = types.ModuleType("__main__")
    sys.modules["__main__"] = main
    sys.argv = ["-c", *argv]
    sys.path[0] = ""
    try:
        exec(compile(code, "<string>", "exec"), main.__dict__)
        rc = 0
    except SystemExit as e:
        if e.code is None:
            rc = 0
        elif isinstance(e.code, int):
            rc = e.code & 0xFF
        else:
            print(e.code, file=sys.stderr)
            rc = 1
    except KeyboardInterrupt as e:
        print_traceback(e)
        rc = 130
    except BaseException as e:
        print_traceback(e)
        rc = 1
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        rc = 120
    try:
        sys.stderr.flush()
    except OSError:
        pass
    return rc


def serve(conn):
    conn.settimeout(10)
    try:
        token, pid, args, environ = read_request(conn)
        if not TOKEN or not hmac.compare_digest(token, TOKEN) or len(args) < 2 or args[0] != "-c":
            conn.sendall(b"F\n")
            return
        caller = take_caller(pid, conn, environ)
    except Exception:
        caller = None
        token = None
    if caller is None:
        try:
            conn.sendall(b"F\n")
        except OSError:
            pass
        return
    become_caller(*caller)
    rc = run_code(args[1], args[2:])
    conn.sendall(f"{rc}\n".encode())


def main():
    # Objects made so far are shared with every fork: keep the collector from touching (and so
    # copying) their pages in each child.
    gc.freeze()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(256)
    signal.signal(signal.SIGCHLD, reap)
    sys.stdout.write(f"{server.getsockname()[1]}\n")
    sys.stdout.flush()
    while True:
        ready, _, _ = select.select([server, 0], [], [])
        if 0 in ready and not os.read(0, 4096):
            return  # the sandbox went away
        if server in ready:
            conn, _ = server.accept()
            if os.fork() == 0:
                server.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                try:
                    serve(conn)
                finally:
                    os._exit(0)
            conn.close()


if __name__ == "__main__":
    main()
