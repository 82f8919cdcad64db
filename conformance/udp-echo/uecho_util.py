"""UDP client helpers for the udp-echo tests (imported by the test files).

Loopback UDP loses datagrams only when a socket's receive buffer overflows,
so every test socket gets a large receive buffer and the bursts are kept
small enough for the server's default buffer (about 200 KiB): a correct
server is then never failed by loss, and the tests can say "no answer" when
there was none.
"""
import contextlib
import select
import signal
import socket
import time

from osnet_harness.launch import group_members
from osnet_harness.net import printf_escape, preview
from osnet_harness.timeouts import T

RCVBUF = 4 << 20
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)  # root may exceed rmem_max
QUIET = 0.3  # seconds of silence after an answer before "exactly one" holds


def udp_socket(server=None, connect=False):
    """A UDP socket with a big receive buffer, bound to 127.0.0.1 (optionally
    connect()ed to server)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    s.bind(("127.0.0.1", 0))
    if connect:
        s.connect(server.addr)
    return s


def recv_dgram(sock, timeout):
    """(data, sender) of the next datagram, or (None, why) when none came."""
    r, _, _ = select.select([sock], [], [], timeout)
    if not r:
        return None, f"no datagram within {timeout:.1f}s"
    try:
        return sock.recvfrom(1 << 17)
    except ConnectionRefusedError:
        return None, "ICMP port unreachable (nobody listens on the server's port any more)"


def recv_all(sock, n, timeout):
    """Up to n datagrams, waiting at most `timeout` for each next one."""
    out = []
    while len(out) < n:
        data, who = recv_dgram(sock, timeout)
        if data is None:
            break
        out.append((data, who))
    return out


def extra(sock, quiet=None):
    """Datagrams that arrive within a quiet window (there should be none)."""
    quiet = T(QUIET) if quiet is None else quiet
    got = []
    while True:
        data, who = recv_dgram(sock, quiet)
        if data is None:
            return got
        got.append(data)


def repro(addr, data):
    host, port = addr
    if len(data) <= 64:
        return f"printf '{printf_escape(data)}' | nc -u -w1 {host} {port} | od -An -tx1"
    return (f"head -c {len(data)} /dev/urandom > /tmp/d; nc -u -w1 {host} {port} < /tmp/d "
            f"| cmp - /tmp/d && echo same")


def describe(datagrams, limit=6):
    lines = [f"  {len(d)} bytes: {preview(d, 24)}" for d in datagrams[:limit]]
    if len(datagrams) > limit:
        lines.append(f"  ... {len(datagrams) - limit} more")
    return "\n".join(lines)


def wait_stopped(pgid, timeout=None):
    """Wait until every process of group pgid is stopped (state T in /proc)."""
    deadline = time.monotonic() + (T(5) if timeout is None else timeout)
    while time.monotonic() < deadline:
        states = []
        for pid in group_members(pgid):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    states.append(f.read().rsplit(")", 1)[1].split()[0])
            except OSError:
                pass
        if all(st in ("T", "t") for st in states):
            return
        time.sleep(0.005)


@contextlib.contextmanager
def paused(server):
    """Stop the server's process group (SIGSTOP) while the body sends, so
    every datagram is queued before the server reads any; SIGCONT after.
    Yields False (and pauses nothing) for a server started elsewhere (--addr)."""
    proc = getattr(server, "proc", None)
    if proc is None or not server.alive():
        yield False
        return
    server.signal_group(signal.SIGSTOP)
    try:
        wait_stopped(proc.pid)
        yield True
    finally:
        server.signal_group(signal.SIGCONT)
