"""One warm Python interpreter per sandbox, serving the hosts' `python3 -c` calls.

The sandbox's python3 shim (shims/python3, or the python3 function of shims/host-functions.sh in
a script's own bash) connects over loopback TCP and sends a token, its own pid and its argument
vector; the function also sends its exported environment, which its /proc environ does not
show. This process reads the request and compiles the code (once per distinct snippet); a fork
of it then takes the caller's place: it duplicates the caller's standard
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
import re
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


def parse_request(data):
    """The request in data, or None while it is not all there yet."""
    if b"\n" not in data:
        return None
    header, rest = data.split(b"\n", 1)
    # "token pid argc" (the python3 shim file: the caller's environment is its /proc environ) or
    # "token pid argc p" (the python3 host function, which sends its `export -p` after argv,
    # ended by a NUL: no value holds one). environ is None when the text is not what bash prints.
    token, pid, argc, *form = header.split(b" ")
    argc = int(argc)
    exported = form == [b"p"]
    if rest.count(b"\0") < argc + exported:
        return None
    items = rest.split(b"\0")
    environ = parse_export_p(items[argc]) if exported else None
    if environ is not None:
        environ.append([b"_", os.fsencode(sys.executable)])  # as bash sets it for the program it starts
    return token, int(pid), [os.fsdecode(a) for a in items[:argc]], environ, exported


def environ_pairs(items):
    """`NAME=value` items (bytes, as /proc/<pid>/environ holds them) as [name, value] pairs."""
    return [item.split(b"=", 1) for item in items if b"=" in item]


# One variable of bash's `export -p` (not in posix mode): `declare -<flags> NAME`, then nothing
# (exported without a value: not in the environment), `="value"` (\\ before " $ ` \\) or, when
# the value has characters that are not printable, `=$'value'` (ANSI-C escapes).
EXPORT_LINE = re.compile(
    rb"declare -([a-zA-Z]+) ([A-Za-z_][A-Za-z0-9_]*)"
    rb"""(?:="((?:[^"\\]|\\["$`\\])*)"|=\$'((?:[^'\\]|\\(?:[Eabfnrtv\\']|[0-7]{1,3}))*)')?\n"""
)
DQ_ESCAPE = re.compile(rb"""\\(["$`\\])""")
ANSIC_ESCAPE = re.compile(rb"\\([Eabfnrtv\\']|[0-7]{1,3})")
ANSIC = {b"E": b"\x1b", b"a": b"\a", b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v", b"\\": b"\\", b"'": b"'"}


def ansic_char(m):
    esc = m.group(1)
    return ANSIC.get(esc) or bytes([int(esc, 8) & 0xFF])


def parse_export_p(text):
    """The environment a program started by bash gets, as [name, value] pairs, from its
    `export -p`; None when the text holds anything else (an exported array or nameref, a form
    bash does not print): the caller then runs the real interpreter."""
    pairs = []
    i = 0
    while i < len(text):
        m = EXPORT_LINE.match(text, i)
        if not m or b"x" not in m.group(1) or any(flag in m.group(1) for flag in b"aAn"):
            return None
        i = m.end()
        name, quoted, ansic = m.group(2, 3, 4)
        if name == b"_" or (quoted is None and ansic is None):
            continue
        if quoted is not None:
            pairs.append([name, DQ_ESCAPE.sub(rb"\1", quoted)])
        else:
            pairs.append([name, ANSIC_ESCAPE.sub(ansic_char, ansic)])
    return pairs


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


# The two lines of /proc/<pid>/status read here (the real uid, the umask), found without
# decoding and splitting its ~55 lines: a fork pays for every object it makes (~0.25 ms here).
STATUS_UID = re.compile(rb"^Uid:\t(\d+)", re.M)
STATUS_UMASK = re.compile(rb"^Umask:\t([0-7]+)", re.M)


def take_caller(pid, conn, environ=None):
    """Duplicates the caller's fds 0-2 and adopts its env (unless given), cwd and umask; None when not possible."""
    fd = os.open(f"/proc/{pid}/status", os.O_RDONLY)
    try:
        status = os.read(fd, 65536)
    finally:
        os.close(fd)
    uid = STATUS_UID.search(status)
    if not uid or int(uid.group(1)) != os.getuid():
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
    umask = STATUS_UMASK.search(status)
    umask = int(umask.group(1), 8) if umask else 0o022
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


def run_code(code, argv, compiled=None):
    """Runs like `python3 -c code args...`; returns the exit status python3 would have."""
    main = types.ModuleType("__main__")
    sys.modules["__main__"] = main
    sys.argv = ["-c", *argv]
    sys.path[0] = ""
    try:
        exec(compiled or compile(code, "<string>", "exec"), main.__dict__)
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


# Code objects by source, compiled in this process so that every fork runs them without compiling
# again (a migration sends the same few snippets thousands of times). A snippet that does not
# compile is compiled by its fork instead, which then prints the error as python3 -c does.
COMPILED = {}


def compiled_code(code):
    if code not in COMPILED:
        if len(COMPILED) >= 256:
            COMPILED.clear()
        try:
            COMPILED[code] = compile(code, "<string>", "exec")
        except BaseException:
            COMPILED[code] = None
    return COMPILED[code]


def dispatch(conn, request, others):
    """Answers a whole request: F (refused) from here, else from a fork that runs the code."""
    token, pid, args, environ, exported = request
    # An environment that is not what bash prints is refused too: the real python3 gets it right.
    unreadable = exported and environ is None
    if unreadable or not TOKEN or not hmac.compare_digest(token, TOKEN) or len(args) < 2 or args[0] != "-c":
        refuse(conn)
        return
    compiled = compiled_code(args[1])
    if os.fork() == 0:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for other in others:  # the listening socket, and connections still being read
            other.close()
        try:
            serve(conn, pid, args, environ, compiled)
        finally:
            os._exit(0)


def refuse(conn):
    try:
        conn.sendall(b"F\n")
    except OSError:
        pass


def serve(conn, pid, args, environ, compiled):
    conn.setblocking(True)
    conn.settimeout(10)
    try:
        caller = take_caller(pid, conn, environ)
    except Exception:
        caller = None
    if caller is None:
        refuse(conn)
        return
    become_caller(*caller)
    rc = run_code(args[1], args[2:], compiled)
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
    # Requests are read here, without blocking (a caller writes its whole request as soon as it
    # has connected): a fork starts only for a request that is all there, with its code compiled.
    pending = {}
    while True:
        ready, _, _ = select.select([server, 0, *pending], [], [])
        if 0 in ready and not os.read(0, 4096):
            return  # the sandbox went away
        if server in ready:
            conn, _ = server.accept()
            conn.setblocking(False)
            pending[conn] = b""
        for conn in ready:
            if conn not in pending:
                continue
            try:
                chunk = conn.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                del pending[conn]
                conn.close()
                continue
            pending[conn] += chunk
            try:
                request = parse_request(pending[conn])
            except Exception:
                request = ()  # not a request this helper serves
            if request is None:
                continue
            del pending[conn]
            if request == ():
                refuse(conn)
            else:
                dispatch(conn, request, [server, *pending])
            conn.close()


if __name__ == "__main__":
    main()
