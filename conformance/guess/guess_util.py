"""A guess client for the tests (imported by the test files): one socket,
one game at a time, every reply read and parsed, every expectation stated
as sent / expected / got.

Loopback UDP loses a datagram only when a receive buffer overflows; the
test sockets have large buffers and the tests send one request at a time
(or small bursts), so a missing reply is the server's doing, and these
helpers never retransmit (the lossy-network tests do, on purpose).
"""
import math
import re
import select
import socket

from osnet_harness.net import printf_escape
from osnet_harness.timeouts import T

SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
REPLY_RE = re.compile(rb"^(HIGHER|LOWER|CORRECT) (\d+) (\d+)\n$|^ERR (\d+) (malformed|range|stale)\n$")
QUIET = 0.3


class Reply:
    def __init__(self, raw):
        self.raw = raw
        m = REPLY_RE.match(raw)
        self.valid = m is not None
        self.kind = self.seq = self.tries = self.reason = None
        if m and m.group(1):
            self.kind, self.seq, self.tries = m.group(1).decode(), int(m.group(2)), int(m.group(3))
        elif m:
            self.kind, self.seq, self.reason = "ERR", int(m.group(4)), m.group(5).decode()

    def __repr__(self):
        return repr(self.raw)


def udp_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 1 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(("127.0.0.1", 0))
    return s


def request(seq, n):
    return b"GUESS %d %d\n" % (seq, n)


def repro(addr, datagrams):
    """A shell line sending these datagrams one by one from one socket."""
    host, port = addr
    parts = [f"printf '{printf_escape(d)}'" for d in datagrams[-6:]]
    body = "; sleep 0.2; ".join(parts)
    return f"({body}; sleep 0.5) | nc -u -w1 {host} {port}"


class Player:
    """One client socket playing against server. Keeps what it sent (for the
    repro line) and what it expects: the try count of its current game."""

    def __init__(self, server, name="client"):
        self.server = server
        self.addr = server.addr
        self.name = name
        self.sock = udp_socket()
        self.port = self.sock.getsockname()[1]
        self.sent = []
        self.seq = 0
        self.tries = 0        # the server's count in the current game, as last seen
        self.won = False

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def context(self):
        return f"{self.name} (port {self.port})"

    def send(self, data):
        self.sent.append(data)
        self.sock.sendto(data, self.addr)

    def recv(self, what, timeout=None):
        """The next reply; fail saying what was sent and expected if none."""
        timeout = T(5) if timeout is None else timeout
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            dead = "" if self.server.alive() else " The server process is gone."
            raise AssertionError(
                f"{self.context()} sent {self.sent[-1]!r}; expected {what}; got no reply within "
                f"{timeout:.0f}s.{dead}\nreproduce by hand: {repro(self.addr, self.sent)}\n"
                + self.server.stderr_block())
        data, who = self.sock.recvfrom(1 << 17)
        assert who == self.addr, (f"{self.context()}: a reply came from {who[0]}:{who[1]}, not from "
                                  f"the server's {self.addr[0]}:{self.addr[1]}")
        rep = Reply(data)
        assert rep.valid, (f"{self.context()} sent {self.sent[-1]!r}; expected {what}; got "
                           f"{data[:80]!r}, which is not a reply of the protocol (HIGHER/LOWER/"
                           f"CORRECT <seq> <tries>\\n or ERR <seq> <reason>\\n)\n"
                           f"reproduce by hand: {repro(self.addr, self.sent)}")
        return rep

    def fail(self, rep, what):
        raise AssertionError(f"{self.context()} sent {self.sent[-1]!r}; expected {what}; got "
                             f"{rep.raw!r}\nreproduce by hand: {repro(self.addr, self.sent)}")

    def expected_tries(self):
        return 1 if (self.won or self.tries == 0) else self.tries + 1

    def guess(self, n, seq=None, tries=None):
        """A new guess (next seq unless given): check the reply is a hint for
        that seq with the try count going up by one (or 1 in a new game)."""
        self.seq = self.seq + 1 if seq is None else seq
        want = self.expected_tries() if tries is None else tries
        self.send(request(self.seq, n))
        what = f"HIGHER, LOWER or CORRECT {self.seq} {want}"
        rep = self.recv(what)
        if rep.kind == "ERR" or rep.seq != self.seq or rep.tries != want:
            self.fail(rep, what)
        self.tries, self.won = rep.tries, rep.kind == "CORRECT"
        return rep

    def expect_err(self, data, seqs, reason):
        """Send a datagram that must be answered ERR <one of seqs> <reason>
        (reason: one word, or a tuple of the words allowed)."""
        reasons = (reason,) if isinstance(reason, str) else tuple(reason)
        self.send(data)
        what = f"ERR {' or '.join(map(str, seqs))} {' or '.join(reasons)}"
        rep = self.recv(what)
        if rep.kind != "ERR" or rep.reason not in reasons or rep.seq not in seqs:
            self.fail(rep, what)
        return rep

    def no_more(self, quiet=None):
        """Fail if any datagram arrives within a quiet window."""
        quiet = T(QUIET) if quiet is None else quiet
        r, _, _ = select.select([self.sock], [], [], quiet)
        if r:
            data = self.sock.recv(1 << 17)
            raise AssertionError(f"{self.context()}: an extra reply {data[:80]!r} after the one "
                                 f"reply to {self.sent[-1]!r} (each request gets exactly one)"
                                 f"\nreproduce by hand: {repro(self.addr, self.sent)}")

    def play(self, maximum):
        """A whole game by binary search; checks the hints are consistent with
        one secret in 1..maximum and the game ends within ceil(log2(max))+1
        guesses. Returns (secret, guesses)."""
        lo, hi = 1, maximum
        limit = math.ceil(math.log2(maximum)) + 1
        history = []
        for k in range(1, limit + 1):
            n = (lo + hi) // 2
            rep = self.guess(n)
            history.append(f"{n}->{rep.kind}")
            if rep.kind == "CORRECT":
                return n, k
            if rep.kind == "HIGHER":
                lo = n + 1
            else:
                hi = n - 1
            if lo > hi:
                raise AssertionError(
                    f"{self.context()}: the hints contradict each other (no secret in 1..{maximum}"
                    f" fits them): {', '.join(history)}\n"
                    f"reproduce by hand: {repro(self.addr, self.sent)}")
        raise AssertionError(f"{self.context()}: no CORRECT after {limit} guesses of a binary "
                             f"search over 1..{maximum}: {', '.join(history)}")
