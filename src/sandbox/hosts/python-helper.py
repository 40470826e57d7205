"""One warm Python interpreter per sandbox, serving the hosts' `python3 -c` calls (and their
mv, rm, chmod and cp file operations, serve_file_operation, sha256sum, serve_digest, and flock,
serve_lock).

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
how fast a call is, never what it does. The migration script's own snippets run in this process
instead of a fork when that needs no waiting (INLINE_SNIPPETS, serve_inline).

Forks are reaped here (waitpid), so their CPU time adds up in this process's children counters,
which is where the benchmarks read it. The helper ends when its stdin (a pipe from the sandbox)
closes, so it never outlives the sandbox.
"""

import ctypes
import fcntl
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
    # A file operation, a stream program or a lock (serve_file_operation, serve_digest, serve_lock): no env.
    if form in ([b"x"], [b"s"], [b"l"]):
        if rest.count(b"\0") < argc:
            return None
        return token, int(pid), [os.fsdecode(a) for a in rest.split(b"\0")[:argc]], None, form[0].decode()
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
# the value has characters that are not printable, `=$'value'` (ANSI-C escapes). The flags hold
# x and none of a, A, n (an exported array or nameref is a form this parser does not take).
EXPORT_LINE = re.compile(
    rb"declare -[b-mo-zB-Z]*x[b-mo-zB-Z]* ([A-Za-z_][A-Za-z0-9_]*)"
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
    bash does not print): the caller then runs the real interpreter. The lines are matched in
    one pass, each where the last ended (~40 us for a host's ~20 variables, not ~100)."""
    pairs = []
    end = 0
    for m in EXPORT_LINE.finditer(text):
        if m.start() != end:
            return None  # something between two lines that is not a line
        end = m.end()
        name, quoted, ansic = m.groups()
        if name == b"_":
            continue
        if quoted is not None:
            pairs.append([name, DQ_ESCAPE.sub(rb"\1", quoted) if b"\\" in quoted else quoted])
        elif ansic is not None:
            pairs.append([name, ANSIC_ESCAPE.sub(ansic_char, ansic)])
    return pairs if end == len(text) else None


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


def dispatch(conn, request, others, may_wait=False):
    """Answers a whole request: F (refused) from here, else from this process (an inline snippet,
    a file operation) or a fork that runs the code. False (nothing done) when an inline snippet is
    better tried again in a moment, which the caller allows with may_wait."""
    token, pid, args, environ, exported = request
    if not TOKEN or not hmac.compare_digest(token, TOKEN):
        refuse(conn)
        return True
    if exported == "x":
        answer(conn, b"0\n" if serve_file_operation(args) else b"F\n")
        return True
    if exported == "l":
        answer(conn, b"0\n" if serve_lock(pid, args) else b"F\n")
        return True
    if exported == "s":
        done = serve_digest(conn, pid, args, others) if args == ["sha256sum"] else False
        if done is None and may_wait:
            return False
        if not done:
            refuse(conn)
        return True
    # An environment that is not what bash prints is refused too: the real python3 gets it right.
    unreadable = exported and environ is None
    if unreadable or len(args) < 2 or args[0] != "-c":
        refuse(conn)
        return True
    compiled = compiled_code(args[1])
    if args[1] in INLINE_SNIPPETS and compiled is not None:
        done = serve_inline(conn, pid, args, environ, compiled, others)
        if done or (done is None and may_wait):
            return bool(done)
    if os.fork() == 0:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for other in others:  # the listening socket, and connections still being read
            other.close()
        try:
            serve(conn, pid, args, environ, compiled)
        finally:
            os._exit(0)
    return True


# The migration script's own snippets (scripts/tenant-cp-secret.sh, named on this helper's command
# line): they read stdin, write stdout and at most the file their first argument names, and touch
# no other process state, so they can run in this process, without a fork (~4 ms of CPU a call).
# Read once at start; anything else, or a snippet of an edited script that was not read, forks.
INLINE_SNIPPETS = set()
# How long a call that runs here may wait for its caller's stdin (see main) before it forks.
INLINE_WAIT = 0.05  # seconds


def load_inline_snippets(path):
    try:
        with open(path, encoding="utf-8") as f:
            INLINE_SNIPPETS.update(re.findall(r"python3 -c '([^']*)'", f.read()))
    except OSError:
        pass


def serve_inline(conn, pid, args, environ, compiled, others):
    """Runs one of INLINE_SNIPPETS here as `python3 -c` would in the caller's place. Before
    anything ran: None when it cannot be done yet without waiting (the caller's stdin is not all
    there: a pipe whose writer still runs; its fd 1 is still this connection), False when it
    cannot be done here at all (a stream or argument that is not a plain pipe or file)."""
    if environ is None or any(k.startswith(b"PYTHON") for k, _ in environ):
        return False
    env = dict(environ)
    # Same locale as this process: the same stream encodings and error handlers.
    if any(env.get(k) != os.environb.get(k) for k in (b"LANG", b"LC_ALL", b"LC_CTYPE")):
        return False
    fds = []
    home = os.getcwd()
    try:
        try:
            caller = inline_caller(pid, conn, args, fds)
            if not caller:
                return caller
            cwd, umask = caller
            os.chdir(cwd)
        except OSError:
            return False
        try:
            data = read_all(fds[0])  # all there: the pipe's writers are gone (or a file, /dev/null)
            # From here the code runs: whatever happens, this call is answered here, never again.
            out, err, rc = run_here(compiled, args, env, umask, data)
        finally:
            os.chdir(home)
        deliver(conn, fds, rc, out, err, others)
        return True
    finally:
        for fd in fds:
            os.close(fd)


def serve_digest(conn, pid, args, others):
    """`sha256sum` of the caller's stdin, to its stdout (`<hex>  -`), as serve_inline runs a
    snippet: None when its stdin is not all there yet, False when it cannot be done here."""
    fds = []
    try:
        try:
            caller = inline_caller(pid, conn, args, fds)
            if not caller:
                return caller
            data = read_all(fds[0])
        except OSError:
            return False
        out = f"{hashlib.sha256(data).hexdigest()}  -\n".encode()
        deliver(conn, fds, 0, out, b"", others)
        return True
    finally:
        for fd in fds:
            os.close(fd)


def deliver(conn, fds, rc, out, err, others):
    """Writes a call's output to the caller's fds 1 and 2 and answers its status: from here when
    that cannot block, else from a fork that waits for the reader."""
    try:
        if writable_now(fds[2], len(err)) and writable_now(fds[1], len(out)):
            write_all(fds[2], err)
            write_all(fds[1], out)
            answer(conn, f"{rc}\n".encode())
        elif os.fork() == 0:
            try:
                for other in others:
                    other.close()
                write_all(fds[2], err)
                write_all(fds[1], out)
                conn.setblocking(True)
                answer(conn, f"{rc}\n".encode())
            finally:
                os._exit(0)
    except OSError:
        pass  # the reader went away: the caller sees no status, as when the helper stops


def inline_caller(pid, conn, args, fds):
    """Fills fds with the caller's fds 0-2 and returns (cwd, umask); None when not yet fit to run
    inline, False when not at all."""
    fd = os.open(f"/proc/{pid}/status", os.O_RDONLY)
    try:
        status = os.read(fd, 65536)
    finally:
        os.close(fd)
    uid, umask = STATUS_UID.search(status), STATUS_UMASK.search(status)
    if not uid or int(uid.group(1)) != os.getuid() or not umask:
        return False
    cwd = os.readlink(f"/proc/{pid}/cwd")
    # An argument that names something other than a file (a FIFO would block this loop on open).
    for arg in args[2:]:
        try:
            if not stat.S_ISREG(os.stat(os.path.join(cwd, arg)).st_mode):
                return False
        except (OSError, ValueError):
            pass
    pidfd = os.pidfd_open(pid)
    try:
        for n in (0, 1, 2):
            dup = LIBC.syscall(SYS_PIDFD_GETFD, pidfd, n, 0)
            if dup < 0:
                return False
            fds.append(dup)
            if is_this_connection(dup, conn):
                return None  # the caller's `>&fd` is still in force, for a few microseconds more
    finally:
        os.close(pidfd)
    mode = os.fstat(fds[0]).st_mode
    if stat.S_ISFIFO(mode):
        # All of stdin is in the pipe once its writers are gone; until then a read could wait.
        poller = select.poll()
        poller.register(fds[0], select.POLLHUP)  # only: data waiting does not wake it
        if not any(ev & select.POLLHUP for _, ev in poller.poll(0)):
            return None
    elif not (stat.S_ISREG(mode) or is_dev_null(fds[0])):
        return False
    return cwd, int(umask.group(1), 8)


def is_dev_null(fd):
    st = os.fstat(fd)
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)


def read_all(fd):
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


PIPE_BUF = 4096
F_GETPIPE_SZ = 1032
FIONREAD = 0x541B


def writable_now(fd, size):
    """True when writing size bytes to fd cannot block (or there is nothing to write)."""
    if size == 0:
        return True
    st = os.fstat(fd)
    if stat.S_ISREG(st.st_mode) or is_dev_null(fd):
        return True
    if not stat.S_ISFIFO(st.st_mode) or size > PIPE_BUF:
        return False
    capacity = fcntl.fcntl(fd, F_GETPIPE_SZ)
    queued = int.from_bytes(fcntl.ioctl(fd, FIONREAD, b"\0\0\0\0"), sys.byteorder)
    # A write of at most a page takes at most one free page slot of the pipe.
    return queued <= capacity - 2 * PIPE_BUF


def clear_environ():
    # What os.environb.clear() does (an unsetenv per name), without its popitem(), which starts a
    # new iteration of the mapping for every name: ~70 us less each time, twice a snippet.
    for name in list(os.environb):
        del os.environb[name]


def run_here(compiled, args, env, umask, data):
    """Runs the code (in the caller's cwd) with its env, umask, argv and stdin; returns (stdout, stderr, status)."""
    saved = (sys.stdin, sys.stdout, sys.stderr, sys.argv, sys.path[0], sys.modules["__main__"], dict(os.environb))
    out, err = io.BytesIO(), io.BytesIO()
    encoding = "utf-8"
    old_umask = os.umask(umask)
    try:
        clear_environ()
        os.environb.update(env)
        sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors=sys.__stdin__.errors if sys.__stdin__ else "strict")
        sys.stdout = io.TextIOWrapper(out, encoding=encoding, errors=sys.__stdout__.errors if sys.__stdout__ else "strict")
        sys.stderr = io.TextIOWrapper(err, encoding=encoding, errors="backslashreplace", line_buffering=True)
        rc = run_code(args[1], args[2:], compiled)
        return out.getvalue(), err.getvalue(), rc
    finally:
        sys.stdin, sys.stdout, sys.stderr, sys.argv, sys.path[0], sys.modules["__main__"], environ = saved
        clear_environ()
        os.environb.update(environ)
        os.umask(old_umask)


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
        write_all(fd, data)
        os.utime(fd, ns=(src.st_atime_ns, src.st_mtime_ns))
        os.chown(fd, src.st_uid, src.st_gid)  # a setgid directory may have given another group
        os.chmod(fd, stat.S_IMODE(src.st_mode))
    finally:
        os.close(fd)
    return True


# `flock -n FD` / `flock -w SECONDS FD` (the flock function of shims/host-functions.sh): the
# exclusive lock the program takes with flock(2) on the caller's fd, taken here on a duplicate of
# that fd (pidfd_getfd: the same open file description, which is what a flock lock belongs to;
# closing the duplicate leaves the lock with the caller's fd). Only when granted at once: anything
# else (a lock held elsewhere, an fd the caller does not have, another user) is refused before any
# change, and the program runs, waiting or failing as it does.
def serve_lock(pid, argv):
    if len(argv) == 3 and argv[1] == "-n":
        pass
    elif not (len(argv) == 4 and argv[1] == "-w" and re.fullmatch(r"[0-9]+(\.[0-9]+)?", argv[2])):
        return False
    if argv[0] != "flock" or not re.fullmatch(r"[0-9]{1,4}", argv[-1]):
        return False
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        return False
    try:
        dup = LIBC.syscall(SYS_PIDFD_GETFD, pidfd, int(argv[-1]), 0)
    finally:
        os.close(pidfd)
    if dup < 0:
        return False
    try:
        fcntl.flock(dup, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(dup)


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
    # Calls to run here that were not ready (serve_inline, serve_digest), tried again every half
    # millisecond until INLINE_WAIT has passed; then a snippet forks like any other request and
    # sha256sum is refused (the program runs).
    waiting = {}
    while True:
        ready, _, _ = select.select([server, 0, *pending], [], [], 0.0005 if waiting else None)
        if 0 in ready and not os.read(0, 4096):
            return  # the sandbox went away
        for conn, (request, since) in list(waiting.items()):
            del waiting[conn]
            if dispatch(conn, request, [server, *pending, *waiting], time.monotonic() - since < INLINE_WAIT):
                conn.close()
            else:
                waiting[conn] = (request, since)
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
            if not chunk.endswith(b"\0"):
                continue  # every request ends with a NUL: a shim writes one in 2-4 pieces
            try:
                request = parse_request(pending[conn])
            except Exception:
                request = ()  # not a request this helper serves
            if request is None:
                continue
            del pending[conn]
            if request == ():
                refuse(conn)
            elif not dispatch(conn, request, [server, *pending, *waiting], may_wait=True):
                waiting[conn] = (request, time.monotonic())
                continue
            conn.close()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        load_inline_snippets(sys.argv[1])
    main()
