"""A small line client for the chat tests (conformance/, faults/, pcap/).

Import it as `from chat.chatclient import ...`: `conformance` is on pytest's
pythonpath and conformance/chat has no __init__.py, so `chat` is a namespace
package (faults/chat and pcap/chat are portions of it too, without a module
of this name).

Lines are bytes (message text is any byte but '\n'), shown with repr() in
failure reports. Every wait goes through T() and has an idle limit, so a lost
line is reported after a few quiet seconds, not after a long deadline.
"""
import select
import socket
import time

from osnet_harness.net import connect, connect_many, rst_close
from osnet_harness.timeouts import T

IDLE = 10  # seconds (scaled) without any byte before a wait gives up


class ChatError(AssertionError):
    """A chat expectation failed; the message says what was sent, expected, got."""


def show(line, n=80):
    """A line for a report: repr without the b, long ones cut with their length."""
    if not isinstance(line, (bytes, bytearray)):
        return repr(line)
    if len(line) > n:
        return repr(bytes(line[:n]))[1:] + f"... ({len(line)} bytes)"
    return repr(bytes(line))[1:]


def repro_nc(addr, *sessions):
    """A hand reproduction: one `nc` per client, each fed the given lines."""
    host, port = addr
    out = []
    for i, lines in enumerate(sessions):
        text = "\\n".join(l.decode("latin-1") if isinstance(l, bytes) else l for l in lines)
        out.append(f"(printf '{text}\\n'; sleep 2) | nc {host} {port}"
                   + (" &" if i < len(sessions) - 1 else ""))
    return "\n  ".join(out)


class Client:
    """One chat connection: send lines, read lines, join."""

    def __init__(self, addr=None, name="client", sock=None, rcvbuf=None, sndbuf=None):
        self.sock = sock if sock is not None else connect(addr, rcvbuf=rcvbuf, sndbuf=sndbuf)
        self.name = name
        self.nick = None
        self.buf = bytearray()
        self.got = []       # every line read so far
        self.sent = []      # every line sent so far (for reports)
        self.eof = None     # None, or why the stream ended ('eof', 'reset', ...)

    # ---- sending ----
    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, line):
        """Send one line (bytes or str, without its '\\n')."""
        if isinstance(line, str):
            line = line.encode()
        self.sent.append(line)
        self.sock.sendall(line + b"\n")

    # ---- reading ----
    def fileno(self):
        return self.sock.fileno()

    def pump(self):
        """Read what is there now, without waiting. Returns False at end of stream."""
        if self.eof:
            return False
        try:
            data = self.sock.recv(1 << 16, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return True
        except ConnectionResetError:
            self.eof = "reset"
            return False
        except OSError as e:
            self.eof = f"error: {e}"
            return False
        if not data:
            self.eof = "eof"
            return False
        self.buf += data
        return True

    def take_line(self):
        """One complete line from the buffer (without '\\n'), or None."""
        i = self.buf.find(b"\n")
        if i < 0:
            return None
        line = bytes(self.buf[:i])
        del self.buf[:i + 1]
        self.got.append(line)
        return line

    def read_line(self, timeout=None, idle=None):
        """The next line, or None (then self.eof or a timeout says why); `why` in last_why."""
        deadline = time.monotonic() + (T(30) if timeout is None else timeout)
        idle = T(IDLE) if idle is None else idle
        while True:
            line = self.take_line()
            if line is not None:
                return line
            if self.eof:
                self.last_why = self.eof
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                self.last_why = "timeout"
                return None
            r, _, _ = select.select([self.sock], [], [], min(left, idle))
            if not r:
                self.last_why = f"no byte for {min(left, idle):.0f}s"
                return None
            self.pump()

    def context(self, n=6):
        last = self.got[-n:]
        sent = self.sent[-4:]
        return (f"  {self.name} ({self.nick or 'unjoined'}) last lines sent: "
                f"{', '.join(show(s) for s in sent) or '(none)'}\n"
                f"  last lines received: {', '.join(show(g) for g in last) or '(none)'}")

    def expect(self, want, what="", timeout=None, idle=None):
        """Read the next line; it must be `want` (bytes or str)."""
        if isinstance(want, str):
            want = want.encode()
        got = self.read_line(timeout, idle)
        if got != want:
            why = f"got {show(got)}" if got is not None else f"got nothing ({self.last_why})"
            raise ChatError(f"{self.name}: expected {show(want)}"
                            + (f" ({what})" if what else "") + f", {why}\n" + self.context())
        return got

    def wait_for(self, want, what="", skip=None, timeout=None, idle=None):
        """Read lines until `want` arrives. Lines before it must satisfy
        skip(line) (default: any line is fine); returns the skipped lines."""
        if isinstance(want, str):
            want = want.encode()
        skipped = []
        while True:
            got = self.read_line(timeout, idle)
            if got == want:
                return skipped
            if got is None:
                raise ChatError(f"{self.name}: never received {show(want)}"
                                + (f" ({what})" if what else "")
                                + f" ({self.last_why})\n" + self.context())
            if skip is not None and not skip(got):
                raise ChatError(f"{self.name}: expected {show(want)}"
                                + (f" ({what})" if what else "")
                                + f", got {show(got)} before it\n" + self.context())
            skipped.append(got)

    def wait_eof(self, timeout=None):
        """Read until end of stream; returns (lines read meanwhile, why)."""
        deadline = time.monotonic() + (T(10) if timeout is None else timeout)
        lines = []
        while True:
            line = self.take_line()
            if line is not None:
                lines.append(line)
                continue
            if self.eof:
                return lines, self.eof
            left = deadline - time.monotonic()
            if left <= 0:
                return lines, "timeout"
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                self.pump()

    # ---- protocol ----
    def join(self, nick, what="joining"):
        if isinstance(nick, bytes):
            nick = nick.decode()
        self.send(nick)
        self.expect(f"WELCOME {nick}", what=f"{what} as {nick!r}")
        self.nick = nick
        return self

    def reset(self):
        """Leave with RST (SO_LINGER 0)."""
        rst_close(self.sock)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def joined(addr, *nicks, rcvbuf=None):
    """Clients joined one after the other; each earlier one has read the
    JOIN of each later one (so all start with empty queues)."""
    out = []
    for n in nicks:
        c = Client(addr, name=f"client {n!r}", rcvbuf=rcvbuf).join(n)
        for o in out:
            o.expect(f"JOIN {n}", what=f"{n} joined after {o.nick}")
        out.append(c)
    return out


def close_all(clients):
    for c in clients:
        c.close()


def gather(clients, done, timeout=None, idle=None):
    """Read from many clients at once until done(client) is true for each
    (called after every line it receives, and once at start). Returns the
    clients that are not done (end of stream, or nothing for `idle`)."""
    deadline = time.monotonic() + (T(60) if timeout is None else timeout)
    idle = T(IDLE) if idle is None else idle
    pending = {}
    for c in clients:
        while True:
            if done(c):
                break
            line = c.take_line()
            if line is None:
                pending[c.fileno()] = c
                break
    poller = select.poll()
    for fd in pending:
        poller.register(fd, select.POLLIN)
    last = time.monotonic()
    while pending and time.monotonic() < deadline:
        ready = poller.poll(200)
        if ready:
            last = time.monotonic()
        elif time.monotonic() - last > idle:
            break
        for fd, _ in ready:
            c = pending[fd]
            alive = c.pump()
            finished = False
            while True:
                if done(c):
                    finished = True
                    break
                if c.take_line() is None:
                    break
            if finished or not alive:
                poller.unregister(fd)
                del pending[fd]
    return [c for c in clients if c.fileno() in pending or (c.eof and not done(c))]


def many(addr, n, prefix="u", timeout=None):
    """n clients connected in parallel (nicks prefix000...), not yet joined."""
    socks = connect_many(addr, n, timeout=timeout)
    return [Client(sock=s, name=f"client #{i}") for i, s in enumerate(socks)]
