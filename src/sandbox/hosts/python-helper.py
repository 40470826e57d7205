"""One warm Python interpreter per sandbox, serving the hosts' `python3 -c` calls (and the file
operations of their mv, rm, chmod and cp calls: serve_file_operation).

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
    if form == [b"x"]:  # a file operation (see serve_file_operation): no env, no streams
        if rest.count(b"\0") < argc:
            return None
        return token, int(pid), [os.fsdecode(a) for a in rest.split(b"\0")[:argc]], None, "x"
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
    if not TOKEN or not hmac.compare_digest(token, TOKEN):
        refuse(conn)
        return
    if exported == "x":
        answer(conn, b"0\n" if serve_file_operation(args) else b"F\n")
        return
    # An environment that is not what bash prints is refused too: the real python3 gets it right.
    unreadable = exported and environ is None
    if unreadable or len(args) < 2 or args[0] != "-c":
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
    answer(conn, b"F\n")


def answer(conn, reply):
    try:
        conn.sendall(reply)
    except OSError:
        pass


# File operations of coreutils that the hosts' scripts run (the mv, rm, chmod and cp functions of
# shims/host-functions.sh), done here by the system calls the program would make: a program
# start costs a host ~2 ms of CPU, this a few tens of microseconds, and no fork. Only the exact
# forms below, absolute paths, regular files; anything else, or any check or call that fails,
# is refused (False) and the caller starts the real program, which then does the whole job and
# prints its own messages. Invariant: a refusal leaves nothing half done that the program would
# not redo the same way (a rename either happened or not; rm -f of a file already gone is
# silent; cp -p rewrites the target whole).
def serve_file_operation(argv):
    try:
        if len(argv) < 3 or not all(a.startswith("/") for a in argv[2:]):
            return False
        program, flag, paths = argv[0], argv[1], argv[2:]
        if program == "mv" and flag == "-f" and len(paths) == 2:
            return move_file(*paths)
        if program == "rm" and flag == "-f":
            return remove_files(paths)
        if program == "chmod" and re.fullmatch(r"[0-7]{3,4}", flag) and len(paths) == 1:
            return change_mode(int(flag, 8), paths[0])
        if program == "cp" and flag == "-p" and len(paths) == 2:
            return copy_preserving(*paths)
    except OSError:
        pass
    return False


def existing(path, follow):
    """os.stat / os.lstat of path, or None when it does not exist (other errors raise)."""
    try:
        return os.stat(path) if follow else os.lstat(path)
    except FileNotFoundError:
        return None


def move_file(source, target):
    """`mv -f SOURCE TARGET`: a regular file renamed onto a path that is not a directory."""
    src = os.lstat(source)
    # mv moves into a directory (a symlink to one too), and treats the same file apart.
    dst = existing(target, follow=True)
    if not stat.S_ISREG(src.st_mode) or (dst and (stat.S_ISDIR(dst.st_mode) or os.path.samestat(src, dst))):
        return False
    os.rename(source, target)  # atomic: on an error nothing changed (EXDEV: mv copies instead)
    return True


def remove_files(paths):
    """`rm -f PATH...`: each file or symlink unlinked; a missing one is silently skipped."""
    found = [path for path in paths if existing(path, follow=False) is not None]
    if any(stat.S_ISDIR(os.lstat(path).st_mode) for path in found):
        return False  # rm -f refuses directories with a message: the program prints it
    for path in found:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    return True


def change_mode(mode, path):
    """`chmod NNN PATH` on a regular file (through a symlink, as chmod does)."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        return False  # a directory keeps its set-id bits under chmod: not modelled here
    os.chmod(path, mode)
    return True


def copy_preserving(source, target):
    """`cp -p SOURCE TARGET`: content, then times, owner and mode of a regular file, onto a
    regular file or a new one (in place, as cp writes into an existing target)."""
    src = os.stat(source)
    dst = existing(target, follow=False)
    if not stat.S_ISREG(src.st_mode) or (dst and (not stat.S_ISREG(dst.st_mode) or os.path.samestat(src, dst))):
        return False
    # Ownership this process can give without privilege, and no ACL for -p to carry over.
    if (src.st_uid, src.st_gid) != (os.getuid(), os.getgid()) or src.st_size > (1 << 20) or os.listxattr(source):
        return False
    with open(source, "rb") as f:
        data = f.read()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.utime(fd, ns=(src.st_atime_ns, src.st_mtime_ns))
        os.chown(fd, src.st_uid, src.st_gid)  # a setgid directory may have given another group
        os.chmod(fd, stat.S_IMODE(src.st_mode))
    finally:
        os.close(fd)
    return True


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
