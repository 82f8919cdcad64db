"""A process the ps and lsof tests steer: it runs the Python statements it
is sent and answers with the value they leave in `r`.

Protocol (one request, one reply, each one line): the test writes
repr(code) and a newline on the holder's stdin; the holder runs the code
with exec() in its own globals and writes repr(r) (or repr(("error", text))
when the code raised) and a newline on its stdout. EOF on stdin ends it.

The holder is how a test gets a process in a known state that it can
change on demand: threads, zombie children with chosen names, descriptors
at chosen numbers open on files, pipes, sockets, eventfds.
"""
import ast
import ctypes
import os
import socket
import subprocess
import sys
import threading

PR_SET_NAME = 15
libc = ctypes.CDLL(None, use_errno=True)


def set_name(name):
    """prctl(PR_SET_NAME): the calling thread's comm (15 bytes at most)."""
    if libc.prctl(PR_SET_NAME, ctypes.c_char_p(name), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NAME)")


def zombie(name=None):
    """A child that sets its name and exits at once, left unreaped; its pid
    once it is a zombie."""
    pid = os.fork()
    if pid == 0:
        try:
            if name is not None:
                set_name(name)
        finally:
            os._exit(0)
    # WNOWAIT: wait until it has exited, but leave it a zombie.
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    return pid


def named_child(name):
    """A forked child with comm `name` that sleeps until killed; its pid
    once the name is set (it tells us through a pipe)."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(rfd)
            set_name(name)
            os.write(wfd, b"x")
            while True:
                os.pause() if hasattr(os, "pause") else threading.Event().wait()
        finally:
            os._exit(0)
    os.close(wfd)
    os.read(rfd, 1)
    os.close(rfd)
    return pid


_blockers = []


def threads(n):
    """Start n threads that block forever; their thread IDs."""
    tids = []
    ready = threading.Semaphore(0)
    for _ in range(n):
        ev = threading.Event()

        def run(ev=ev):
            tids.append(threading.get_native_id())
            ready.release()
            ev.wait()
        t = threading.Thread(target=run, daemon=True)
        t.start()
        _blockers.append(ev)
    for _ in range(n):
        ready.acquire()
    return sorted(tids)


def at(fd, target):
    """Move descriptor `fd` (just opened) to number `target`; returns target."""
    if fd != target:
        os.dup2(fd, target, inheritable=False)
        os.close(fd)
    return target


def fds():
    """This process's descriptors, as numbers, in order."""
    return sorted(int(x) for x in os.listdir("/proc/self/fd"))


keep = []  # objects (sockets, epoll) that must stay alive with their fds


def main():
    g = dict(globals())
    inp = sys.stdin.buffer
    out = sys.stdout.buffer
    while True:
        line = inp.readline()
        if not line:
            return
        g["r"] = None
        try:
            exec(ast.literal_eval(line.decode()), g)
            reply = repr(g.get("r"))
        except BaseException as e:  # noqa: B902 (reported to the test)
            reply = repr(("error", f"{type(e).__name__}: {e}"))
        out.write(reply.encode() + b"\n")
        out.flush()


if __name__ == "__main__":
    socket, subprocess  # imported for the code the tests send
    main()
