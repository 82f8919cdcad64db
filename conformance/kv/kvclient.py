"""A small RESP2 client for the kv tests (conformance/kv, faults/kv).

Import it as `from kv.kvclient import ...` (conformance is on pytest's
pythonpath and conformance/kv has no __init__.py), or put this folder on
sys.path as the conftest does.

Replies come back as Python values, one type per RESP2 type, so a test
cannot take one for another:

    +OK            Simple("OK")          (a str subclass)
    -ERR x         Error("ERR x")        (not a str: never equal to a value)
    :5             5                     (int)
    $3 abc         b"abc"                (bytes)
    $-1  *-1       None
    *2 ...         [ ... ]               (list)

Every reply is also kept as the bytes it came in (`Conn.last_raw`), for
the tests that compare the wire byte for byte. Every wait has a deadline
through T(); a reply that does not come is reported with what was sent and
what had arrived, and with a command that reproduces it by hand. A server
that closes the connection while a request is still being sent fails the
test the same way (ClosedWhileSending: the bytes sent, what it answered).
"""
import shlex
import socket
import time

from osnet_harness.net import connect, printf_escape, rst_close
from osnet_harness.timeouts import T


class KvError(AssertionError):
    """The program under test did not answer as expected."""


class BadReply(KvError):
    """Bytes that are not a RESP2 reply."""


class ClosedWhileSending(KvError, ConnectionError):
    """The server closed (or reset) the connection before it took the whole
    request. A KvError, so the test fails on the program (not as a broken
    test); also a ConnectionError, so code that catches a failed send as an
    OSError (faults/kv) still does."""


class Simple(str):
    """A simple string reply (+OK)."""

    def __repr__(self):
        return f"+{str.__str__(self)}"


class Error:
    """An error reply (-ERR ...): its text without the '-' and the CRLF."""

    def __init__(self, text):
        self.text = text

    def __eq__(self, other):
        return isinstance(other, Error) and other.text == self.text

    def __hash__(self):
        return hash(("Error", self.text))

    def __repr__(self):
        return f"-{self.text}"

    @property
    def code(self):
        """The error prefix: ERR, MISCONF, NOPROTO, ..."""
        return self.text.split(" ", 1)[0]


INCOMPLETE = object()


def _arg(a):
    if isinstance(a, (bytes, bytearray, memoryview)):
        return bytes(a)
    if isinstance(a, int):
        return str(a).encode()
    return str(a).encode()


def encode(*args):
    """One request as a RESP array of bulk strings (what redis-cli sends)."""
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        b = _arg(a)
        parts.append(b"$%d\r\n" % len(b))
        parts.append(b)
        parts.append(b"\r\n")
    return b"".join(parts)


def encode_many(commands):
    return b"".join(encode(*c) for c in commands)


def resp(value):
    """The RESP2 bytes of a reply value (the inverse of the parser), for
    comparing a whole expected answer with what came: Simple, Error, int,
    bytes, None (a null bulk) and lists."""
    if isinstance(value, Simple):
        return b"+" + value.encode() + b"\r\n"
    if isinstance(value, Error):
        return b"-" + value.text.encode() + b"\r\n"
    if isinstance(value, bool):
        raise TypeError("no booleans in RESP2")
    if isinstance(value, int):
        return b":%d\r\n" % value
    if value is None:
        return b"$-1\r\n"
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, (bytes, bytearray)):
        return b"$%d\r\n" % len(value) + bytes(value) + b"\r\n"
    if isinstance(value, (list, tuple)):
        return b"*%d\r\n" % len(value) + b"".join(resp(v) for v in value)
    raise TypeError(f"cannot encode {value!r}")


def show(data, n=120):
    """Bytes for a report: repr without the b, long ones cut with their length."""
    if isinstance(data, (bytes, bytearray)):
        if len(data) > n:
            return repr(bytes(data[:n]))[1:] + f"... ({len(data)} bytes)"
        return repr(bytes(data))[1:]
    text = repr(data)
    return text if len(text) <= n else text[:n] + "..."


class Parser:
    """Incremental RESP2 reply parser: feed() bytes, get() replies."""

    def __init__(self):
        self.buf = bytearray()
        self.pos = 0

    def feed(self, data):
        self.buf += data

    def pending(self):
        """Bytes received and not yet part of a whole reply."""
        return bytes(self.buf[self.pos:])

    def get(self):
        """(value, raw bytes) of the next whole reply, or None if it has not
        all arrived. Raises BadReply on bytes that cannot start a reply."""
        r = self._parse(self.pos)
        if r is INCOMPLETE:
            return None
        value, end = r
        raw = bytes(self.buf[self.pos:end])
        self.pos = end
        if self.pos > (1 << 20) or self.pos == len(self.buf):
            del self.buf[:self.pos]
            self.pos = 0
        return value, raw

    def _line(self, i):
        nl = self.buf.find(b"\r\n", i)
        if nl < 0:
            return INCOMPLETE, i
        return bytes(self.buf[i:nl]), nl + 2

    def _int(self, text, kind, i):
        try:
            if not text or text != text.strip() or text.startswith(b"+"):
                raise ValueError
            return int(text)
        except ValueError:
            raise BadReply(f"{kind} {show(text)} is not an integer (reply at offset {i}: "
                           f"{show(bytes(self.buf[i:i + 60]))})") from None

    def _parse(self, i):
        if i >= len(self.buf):
            return INCOMPLETE
        t = self.buf[i]
        line, nxt = self._line(i + 1)
        if line is INCOMPLETE:
            return INCOMPLETE
        if t == 0x2B:  # +
            return Simple(line.decode("latin-1")), nxt
        if t == 0x2D:  # -
            return Error(line.decode("latin-1")), nxt
        if t == 0x3A:  # :
            return self._int(line, "integer reply", i), nxt
        if t == 0x24:  # $
            n = self._int(line, "bulk length", i)
            if n < 0:
                if n != -1:
                    raise BadReply(f"bulk length {n}: only -1 (null) may be negative")
                return None, nxt
            end = nxt + n
            if len(self.buf) < end + 2:
                return INCOMPLETE
            if self.buf[end:end + 2] != b"\r\n":
                raise BadReply(f"a bulk of {n} bytes is not followed by CRLF but by "
                               f"{show(bytes(self.buf[end:end + 2]))}")
            return bytes(self.buf[nxt:end]), end + 2
        if t == 0x2A:  # *
            n = self._int(line, "array length", i)
            if n < 0:
                if n != -1:
                    raise BadReply(f"array length {n}: only -1 (null) may be negative")
                return None, nxt
            items = []
            j = nxt
            for _ in range(n):
                r = self._parse(j)
                if r is INCOMPLETE:
                    return INCOMPLETE
                items.append(r[0])
                j = r[1]
            return items, j
        raise BadReply(f"byte {bytes([t])!r} cannot start a RESP2 reply; received: "
                       f"{show(bytes(self.buf[i:i + 80]))}")


def repro(addr, *commands):
    """A command that sends the same requests by hand: redis-cli when every
    argument is printable text, else printf of the RESP bytes into nc."""
    host, port = addr
    texts = []
    for c in commands:
        try:
            args = [_arg(a).decode("ascii") for a in c]
        except UnicodeDecodeError:
            return repro_raw(addr, encode_many(commands))
        if any(not a.isprintable() or not a for a in args):
            return repro_raw(addr, encode_many(commands))
        texts.append(f"redis-cli -h {host} -p {port} " + shlex.join(args))
    if len(texts) <= 4:
        return "; ".join(texts)
    return repro_raw(addr, encode_many(commands))


def repro_raw(addr, data, limit=400):
    """printf of the bytes into nc, the replies shown with cat -A."""
    host, port = addr
    if len(data) > limit:
        return (f"# {len(data)} bytes; the first {limit}:\n  printf '{printf_escape(data[:limit])}'"
                f" | nc -q1 {host} {port} | cat -A")
    return f"printf '{printf_escape(data)}' | nc -q1 {host} {port} | cat -A"


class Conn:
    """One connection to the server under test."""

    def __init__(self, addr, name="client", rcvbuf=None, sndbuf=None, sock=None):
        self.addr = tuple(addr)
        self.name = name
        self.sock = sock if sock is not None else connect(self.addr, rcvbuf=rcvbuf,
                                                          sndbuf=sndbuf)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.parser = Parser()
        self.sent = []        # the last requests sent (for reports)
        self.last_raw = b""   # the bytes of the last reply read
        self.eof = None       # None, or how the stream ended: 'eof', 'reset', ...
        self.received = 0     # bytes received so far (progress, for idle deadlines)

    # ---- sending ----
    def send(self, *args):
        """Send one command (not waiting for its reply)."""
        self._note(args)
        self._sendall(encode(*args))

    def send_many(self, commands):
        """Send several commands in one write (a pipeline)."""
        for c in commands[-8:]:
            self._note(c)
        self._sendall(encode_many(commands))

    def send_raw(self, data):
        self._note((b"<raw>", data[:200]))
        self._sendall(data)

    def _sendall(self, data):
        """sendall, counting the bytes the kernel took. A server that closes
        while a long request is still going out (it refused the request, or
        crashed) makes send() fail with EPIPE or ECONNRESET: that is the
        program's failure, reported as ClosedWhileSending with what it had
        answered. The wait is for progress, T(30) without any byte taken,
        not for the whole request (the socket's timeout may be what a recv
        left, and sendall's timeout bounds the whole call)."""
        view = memoryview(data)
        sent = 0
        self.sock.settimeout(T(30))
        try:
            while sent < len(view):
                sent += self.sock.send(view[sent:])
        except (ConnectionResetError, BrokenPipeError) as e:
            why = "reset" if isinstance(e, ConnectionResetError) else "closed"
            raise ClosedWhileSending(
                f"{self.name}: the server {why} the connection while the request was being "
                f"sent: {sent} of {len(view)} bytes sent ({type(e).__name__})"
                f"{self._late_replies()}\n" + self.context()) from None
        except socket.timeout:
            raise TimeoutError(f"{self.name}: sending stalled: the server took no byte for "
                               f"{T(30):.0f}s after {sent} of {len(view)} bytes") from None

    def _late_replies(self):
        """What the server had sent before the connection ended (its
        refusal, often), as text for a report; the bytes stay in the parser."""
        for _ in range(16):
            n = len(self.parser.pending())
            if not self._recv(0.05) or len(self.parser.pending()) == n:
                break
        got = self.parser.pending()
        return f"; it had sent {show(got)}" if got else "; it sent no reply"

    def _note(self, c):
        self.sent.append(c)
        del self.sent[:-8]

    # ---- receiving ----
    def _recv(self, wait):
        """Read what arrives within `wait` seconds into the parser; False at
        end of stream (self.eof says how), True otherwise (data or not)."""
        if self.eof:
            return False
        self.sock.settimeout(max(wait, 0.001))
        try:
            data = self.sock.recv(1 << 20)
        except socket.timeout:
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
        self.received += len(data)
        self.parser.feed(data)
        return True

    def context(self):
        sent = ", ".join(show(c if len(c) != 2 or c[0] != b"<raw>" else c[1], 80)
                         for c in self.sent[-4:])
        return (f"  {self.name}: last commands sent: {sent or '(none)'}\n"
                f"  bytes received after the last whole reply: "
                f"{show(self.parser.pending()) or '(none)'}")

    def read_reply(self, timeout=None, what="a reply"):
        """The next reply's value; raises KvError if it does not come."""
        r = self.try_reply(timeout)
        if r is INCOMPLETE:
            why = self.eof or f"nothing more within {T(10) if timeout is None else timeout:.0f}s"
            raise KvError(f"{self.name}: expected {what}, got none ({why})\n" + self.context())
        return r

    def try_reply(self, timeout=None):
        """The next reply's value, or INCOMPLETE when none came before the
        deadline or the end of the stream."""
        deadline = time.monotonic() + (T(10) if timeout is None else timeout)
        while True:
            r = self.parser.get()
            if r is not None:
                self.last_raw = r[1]
                return r[0]
            left = deadline - time.monotonic()
            if left <= 0 or not self._recv(left):
                return INCOMPLETE

    def read_replies(self, n, timeout=None, what="replies", idle=None):
        """Exactly n replies (values), within one deadline for all. With
        idle, also give up when no byte at all has come for idle seconds
        while replies are still owed: a server that stopped answering is
        told apart quickly from a slow one, which keeps the whole timeout."""
        deadline = time.monotonic() + (T(30) if timeout is None else timeout)
        out = []
        seen, since = self.received, time.monotonic()
        while len(out) < n:
            now = time.monotonic()
            if self.received != seen:
                seen, since = self.received, now
            wait = deadline - now if idle is None else min(deadline - now, since + idle - now)
            r = self.try_reply(max(0.0, wait))
            if r is INCOMPLETE and self.received != seen and not self.eof \
                    and time.monotonic() < deadline:
                continue   # part of a reply came: progress, wait on
            if r is INCOMPLETE:
                why = self.eof or ("deadline passed" if idle is None or
                                   time.monotonic() >= deadline else
                                   f"no byte came for {idle:.0f}s while replies were owed")
                raise KvError(f"{self.name}: expected {n} {what}, got {len(out)} ({why})"
                              + (f"; the last: {show(out[-1])}" if out else "")
                              + "\n" + self.context())
            out.append(r)
        return out

    def read_raw(self, n, timeout=None):
        """The raw bytes of the next n replies, concatenated."""
        deadline = time.monotonic() + (T(10) if timeout is None else timeout)
        out = []
        for _ in range(n):
            r = self.try_reply(max(0.0, deadline - time.monotonic()))
            if r is INCOMPLETE:
                raise KvError(f"{self.name}: expected {n} replies, got {len(out)} "
                              f"({self.eof or 'deadline passed'})\n" + self.context())
            out.append(self.last_raw)
        return b"".join(out)

    def call(self, *args, timeout=None):
        """Send one command and return its reply."""
        self.send(*args)
        return self.read_reply(timeout, what=f"the reply to {show(args, 80)}")

    def wait_loaded(self, limit=None, timeout=None):
        """Wait until the server answers commands rather than -LOADING:
        redis-server accepts connections while it replays its append-only
        file and answers -LOADING until it is done. Raises KvError when it
        still does after limit (T(30)) seconds, or a reply does not come
        within timeout."""
        limit = T(30) if limit is None else limit
        deadline = time.monotonic() + limit
        while True:
            r = self.call("EXISTS", "osnet:loading-probe", timeout=timeout)
            if not (isinstance(r, Error) and r.code == "LOADING"):
                return
            if time.monotonic() > deadline:
                raise KvError(f"the program still answers {r!r} {limit:.0f}s after it started")
            time.sleep(0.01)

    def pipeline(self, commands, timeout=None):
        """Send commands in one write and return their replies, in order."""
        self.send_many(commands)
        return self.read_replies(len(commands), timeout)

    def expect(self, args, want, what=""):
        """call(*args); the reply must equal want (compared byte for byte on
        the wire: a bulk "OK" is not +OK)."""
        got = self.call(*args)
        if resp(want) != self.last_raw:
            raise KvError(f"{show(args, 100)}{' (' + what + ')' if what else ''}: expected "
                          f"{show(resp(want))}, got {show(self.last_raw)}\n"
                          f"  reproduce: {repro(self.addr, args)}")
        return got

    def wait_closed(self, timeout=None):
        """Read until the server ends the stream. Returns (replies read
        meanwhile, how it ended: 'eof', 'reset', or 'open' on timeout)."""
        deadline = time.monotonic() + (T(10) if timeout is None else timeout)
        got = []
        while True:
            r = self.parser.get()
            if r is not None:
                got.append(r[0])
                continue
            if self.eof:
                return got, ("reset" if self.eof == "reset" else "eof")
            left = deadline - time.monotonic()
            if left <= 0:
                return got, "open"
            self._recv(min(left, 1.0))

    def drain(self, timeout=None):
        """Read and drop everything until the end of the stream (for a
        subscriber that stopped reading). Returns (bytes read, how it ended)."""
        deadline = time.monotonic() + (T(10) if timeout is None else timeout)
        total = 0
        while not self.eof:
            left = deadline - time.monotonic()
            if left <= 0:
                return total, "open"
            self.sock.settimeout(min(left, 1.0))
            try:
                data = self.sock.recv(1 << 20)
            except socket.timeout:
                continue
            except ConnectionResetError:
                self.eof = "reset"
                break
            except OSError as e:
                self.eof = f"error: {e}"
                break
            if not data:
                self.eof = "eof"
                break
            total += len(data)
        self.parser = Parser()
        return total, self.eof

    # ---- pub/sub ----
    def read_message(self, timeout=None):
        """The next pushed message ([b'message', ch, msg], ...)."""
        m = self.read_reply(timeout, what="a pushed message")
        if not isinstance(m, list):
            raise KvError(f"{self.name}: expected a pushed message (an array), got {show(m)}\n"
                          + self.context())
        return m

    def subscribe(self, *channels, pattern=False):
        """SUBSCRIBE (or PSUBSCRIBE) and read its confirmations."""
        cmd = b"PSUBSCRIBE" if pattern else b"SUBSCRIBE"
        self.send(cmd, *channels)
        return self.read_replies(len(channels), what=f"confirmations of {cmd.decode()}")

    # ---- ending ----
    def reset(self):
        """Close with RST (SO_LINGER 0)."""
        try:
            rst_close(self.sock)
        except OSError:
            pass

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

