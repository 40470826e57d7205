#!/usr/bin/env python3
"""Runs a command in a pseudo-terminal for molectl's pty tests (test/helpers/pty.ts).

Why python's pty: it ships with python3, which every machine molectl is built on has (Debian's
python3 is part of the base image CI uses), so the pty tier needs no native npm module and no
download. Usage: pty-driver.py COLS ROWS -- COMMAND [ARGS...]

The child's terminal output is copied to stdout byte for byte. Lines on stdin are JSON commands:
  {"write": "text"}          bytes typed at the terminal ("\u0003" is Ctrl-C)
  {"signal": "SIGTERM"}      a signal sent to the child's process group
  {"resize": [cols, rows]}   a new window size
  {"hangup": true}           the terminal goes away, as when an ssh session drops: the master
                             side is closed (the kernel sends SIGHUP, and writes to the terminal
                             fail with EIO from then on), then SIGHUP again to the child's
                             process group, as the login shell does to its jobs as it exits
When the child ends, the last line on stderr is `PTY_EXIT <code>` (128+n when ended by signal n).
"""
import fcntl
import json
import os
import pty
import select
import signal
import struct
import sys
import termios


def set_size(fd, cols, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))


def main():
    cols, rows = int(sys.argv[1]), int(sys.argv[2])
    argv = sys.argv[sys.argv.index('--') + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(argv[0], argv, os.environ)
    set_size(fd, cols, rows)

    def stop(*_):
        # The test gave up on this session: its molectl must not outlive it.
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        sys.stderr.write('PTY_EXIT 137\n')
        sys.stderr.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    stdin_open = True
    buffered = b''
    status = None
    hung_up = False
    while True:
        if hung_up:
            # Nothing more can be read from a closed terminal: only wait for the child to end.
            done, raw = os.waitpid(pid, 0)
            status = raw
            break
        readers = [fd] + ([sys.stdin.fileno()] if stdin_open else [])
        try:
            ready, _, _ = select.select(readers, [], [], 0.05)
        except InterruptedError:
            continue
        if fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b''
            if data:
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
            elif status is not None:
                break
        if stdin_open and sys.stdin.fileno() in ready:
            chunk = os.read(sys.stdin.fileno(), 65536)
            if not chunk:
                stdin_open = False
            buffered += chunk
            while b'\n' in buffered:
                line, buffered = buffered.split(b'\n', 1)
                if not line.strip():
                    continue
                command = json.loads(line)
                if 'write' in command:
                    os.write(fd, command['write'].encode('utf-8'))
                if 'signal' in command:
                    try:
                        os.killpg(pid, getattr(signal, command['signal']))
                    except ProcessLookupError:
                        pass
                if 'resize' in command:
                    set_size(fd, command['resize'][0], command['resize'][1])
                if command.get('hangup'):
                    os.close(fd)
                    try:
                        os.killpg(pid, signal.SIGHUP)
                    except ProcessLookupError:
                        pass
                    hung_up = True
                    break
        if hung_up:
            continue
        if status is None:
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                status = raw
                # Drain what the child wrote before it ended, then stop.
                while True:
                    try:
                        more = select.select([fd], [], [], 0.2)[0]
                        data = os.read(fd, 65536) if more else b''
                    except OSError:
                        data = b''
                    if not data:
                        break
                    sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
                break
    code = os.waitstatus_to_exitcode(status)
    sys.stderr.write('PTY_EXIT %d\n' % (128 - code if code < 0 else code))
    sys.stderr.flush()


main()
