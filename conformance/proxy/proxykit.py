"""Helpers of the proxy tests: an origin for the shapes the harness's Backend
does not make, a response reader that streams (1 GiB bodies, bodies read
before they are complete), and the checks most tests share.

The fake origin the tests usually talk to is osnet_harness.backends.Backend
(the `origin` fixture of conftest.py). RawOrigin is for the rest: interim
103 responses, an origin that closes every connection after one response
(without saying so), a listener whose SYNs go unanswered.
"""
import re
import select
import socket
import threading
import time
import zlib

from osnet_harness.backends import PATTERN
from osnet_harness.httpclient import HttpError, describe, exchange, repro, show
from osnet_harness.launch import free_port
from osnet_harness.timeouts import T

# Grace period past a configured timeout (as in the http tests): generous,
# no speed is measured, yet 1 s + 6 s stays far below the proxy's defaults
# of the upstream timeouts (60 s).
GRACE = 6


def pattern(start, n):
    """Bytes start..start+n of every /bytes and /stream body (byte i is i % 256)."""
    off = start % 256
    out = bytearray()
    while len(out) < n:
        k = min(n - len(out), len(PATTERN) - off)
        out += PATTERN[off:off + k]
        off = 0
    return bytes(out)


def pattern_crc(n):
    """CRC-32 of the first n bytes of the pattern, without building them."""
    crc, left = 0, n
    mv = memoryview(PATTERN)
    while left > 0:
        k = min(left, len(PATTERN))
        crc = zlib.crc32(mv[:k], crc)
        left -= k
    return crc


def members(value):
    """The comma-separated members of a list field (Via, X-Forwarded-For),
    stripped, empty ones dropped (RFC 9110 §5.6.1)."""
    return [m.strip() for m in (value or "").split(",") if m.strip()]


VIA_MEMBER = re.compile(r"^(HTTP/)?1\.1[ \t]+\S+")


def only_request(origin, what, sent, timeout=None):
    """The one request the origin received, or HttpError saying what did arrive."""
    got = origin.wait_requests(1, T(10) if timeout is None else timeout)
    if not got:
        raise HttpError(f"{what}: the request never reached the origin\n"
                        + describe(sent, "the request forwarded to the origin"))
    return got[0]


def forward(proxy, origin, rq, what, report=None, conn=None, status=200):
    """Send rq through the proxy (on conn, or a fresh connection closed
    afterwards), check the response's status, and return (response, the
    request as the origin received it)."""
    if report is not None:
        report.repro(repro(proxy.addr, rq))
    n = len(origin.requests)
    c, r = exchange(proxy.addr, rq, conn=conn)
    if conn is None:
        c.close()
    if r.status != status:
        raise HttpError(f"{what}: status {r.status}, expected {status}\n"
                        + describe(rq, f"{status} from the origin", r)
                        + "\nreproduce by hand:\n  " + repro(proxy.addr, rq))
    got = origin.wait_requests(n + 1, T(10))
    if len(got) <= n:
        raise HttpError(f"{what}: the proxy answered {r.status} but the origin never "
                        f"received the request\n" + describe(rq, "the request forwarded", r))
    return r, got[n]


def origin_view(rec):
    """The forwarded request as the origin saw it, for reports."""
    lines = [f"    {rec.method} {rec.target} {rec.version}"]
    lines += [f"    {k}: {v}" for k, v in rec.headers]
    if rec.body_length:
        lines.append(f"    ({rec.body_length} body bytes)")
    return "\n".join(lines)


# ---- a response reader for big and half-finished bodies ----------------------

class Head:
    """A response head read on its own (the body is left in the connection)."""

    def __init__(self, raw):
        self.raw = raw
        lines = raw.decode("latin-1").split("\r\n")
        m = re.match(r"^HTTP/1\.[01] (\d{3})", lines[0])
        if not m:
            raise HttpError(f"not an HTTP/1.1 status line: {show(raw[:100])}")
        self.status = int(m.group(1))
        self.fields = []
        for line in lines[1:]:
            if not line:
                continue
            k, _, v = line.partition(":")
            self.fields.append((k.strip(), v.strip()))

    def get(self, name):
        vals = [v for k, v in self.fields if k.lower() == name.lower()]
        return ", ".join(vals) if vals else None

    def framing(self):
        te = members(self.get("Transfer-Encoding"))
        if te:
            return "chunked" if te[-1].lower() == "chunked" else "other"
        return "content-length" if self.get("Content-Length") is not None else "close"


def read_head(conn, timeout=None):
    """Read one response head (interim 1xx ones skipped) from conn; the body
    stays in conn.buf / the socket. Raises HttpError on a timeout or EOF."""
    deadline = time.monotonic() + (T(10) if timeout is None else timeout)
    while True:
        while b"\r\n\r\n" not in conn.buf:
            try:
                more = conn._fill(deadline, T(10))
            except TimeoutError as e:
                raise HttpError(f"no complete response head ({e}); received: "
                                f"{show(conn.buf)}") from None
            if not more:
                raise HttpError(f"the connection ended ({conn.eof}) before a complete response "
                                f"head; received: {show(conn.buf)}")
        i = conn.buf.index(b"\r\n\r\n") + 4
        raw = bytes(conn.buf[:i])
        del conn.buf[:i]
        h = Head(raw)
        if 100 <= h.status < 200 and h.status != 101:
            continue
        return h


class BodyReader:
    """Decodes a response body as it arrives (Content-Length, chunked or
    close-delimited), keeping at most `keep` bytes and a CRC-32 of it all.

    `.length` counts body bytes decoded so far; `.done` is True once the
    framing says the body ended; `.ended` is why the connection ended
    before that ('eof', 'reset') or None."""

    def __init__(self, conn, head, keep=1 << 20):
        self.conn, self.head, self.keep = conn, head, keep
        self.framing = head.framing()
        self.length = 0
        self.crc = 0
        self.kept = bytearray()
        self.done = False
        self.ended = None
        self.chunk_left = 0      # chunked: bytes left in the current chunk
        self.state = "size"      # chunked: size, data, data-crlf, trailers
        if self.framing == "content-length":
            self.total = int(head.get("Content-Length").split(",")[0])
            self.done = self.total == 0
        else:
            self.total = None

    def _take(self, data):
        self.length += len(data)
        self.crc = zlib.crc32(data, self.crc)
        if len(self.kept) < self.keep:
            self.kept += data[:self.keep - len(self.kept)]

    def _decode(self):
        buf = self.conn.buf
        if self.framing == "content-length":
            k = min(len(buf), self.total - self.length)
            self._take(bytes(buf[:k]))
            del buf[:k]
            self.done = self.length == self.total
            return
        if self.framing == "close":
            self._take(bytes(buf))
            buf.clear()
            return
        while True:  # chunked
            if self.state == "size":
                i = buf.find(b"\r\n")
                if i < 0:
                    if len(buf) > 4096:
                        raise HttpError(f"bad chunk size line: {show(buf[:80])}")
                    return
                line = bytes(buf[:i]).split(b";")[0].strip()
                del buf[:i + 2]
                try:
                    self.chunk_left = int(line, 16)
                except ValueError:
                    raise HttpError(f"bad chunk size line {show(line)} after {self.length} "
                                    f"body bytes") from None
                self.state = "data" if self.chunk_left else "trailers"
            elif self.state == "data":
                if not buf:
                    return
                k = min(len(buf), self.chunk_left)
                self._take(bytes(buf[:k]))
                del buf[:k]
                self.chunk_left -= k
                if self.chunk_left == 0:
                    self.state = "data-crlf"
            elif self.state == "data-crlf":
                if len(buf) < 2:
                    return
                if bytes(buf[:2]) != b"\r\n":
                    raise HttpError(f"chunk data not followed by CRLF but {show(buf[:10])}")
                del buf[:2]
                self.state = "size"
            elif self.state == "trailers":
                i = buf.find(b"\r\n")
                if i < 0:
                    return
                line = bytes(buf[:i])
                del buf[:i + 2]
                if not line:
                    self.done = True
                    return

    def read_until(self, n=None, timeout=None, idle=None):
        """Decode until `n` body bytes (None: the whole body), the end of the
        connection, or a timeout. Returns 'done', 'enough', 'eof', 'reset' or
        'timeout'."""
        deadline = time.monotonic() + (T(30) if timeout is None else timeout)
        idle = T(10) if idle is None else idle
        while True:
            self._decode()
            if self.done:
                return "done"
            if n is not None and self.length >= n:
                return "enough"
            if self.ended:
                if self.framing == "close" and self.ended == "eof":
                    self.done = True
                    return "done"
                return self.ended
            try:
                if not self.conn._fill(deadline, idle):
                    self.ended = self.conn.eof
            except TimeoutError:
                return "timeout"


def discard(sock, timeout):
    """Read and drop whatever comes until EOF/reset/timeout."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass


# ---- an origin for special shapes ----------------------------------------------

class RawOrigin:
    """A listening socket whose connections are each served by
    handler(origin, sock, n) in a thread of its own (n: 1, 2, ...).

    With handler None, connections are never accepted: after fill() the
    listen queue is full and the kernel drops new SYNs, so a connect to it
    hangs (the way to make --connect-timeout fire on loopback)."""

    def __init__(self, handler=None, backlog=128):
        self.handler = handler
        self.port = free_port()
        self.host = "127.0.0.1"
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind((self.host, self.port))
        self.lsock.listen(backlog)
        self.connections = 0
        self.closed = set()       # connection numbers whose handler finished
        self.heads = []           # (connection number, request head bytes)
        self.cond = threading.Condition()
        self.fillers = []
        self.socks = []
        self.stopped = False
        if handler is not None:
            threading.Thread(target=self._accept, daemon=True).start()

    @property
    def hostport(self):
        return f"{self.host}:{self.port}"

    def _accept(self):
        while True:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            with self.cond:
                self.connections += 1
                n = self.connections
                self.socks.append(c)
                self.cond.notify_all()
            threading.Thread(target=self._run, args=(c, n), daemon=True).start()

    def _run(self, c, n):
        try:
            self.handler(self, c, n)
        except (OSError, EOFError, ValueError):
            pass
        finally:
            try:
                c.close()
            except OSError:
                pass
            with self.cond:
                self.closed.add(n)
                self.cond.notify_all()

    def read_head(self, sock, buf, n):
        """Read one request head from sock (buf: bytes read ahead); record it.
        Returns the head, or None at EOF."""
        while b"\r\n\r\n" not in buf:
            sock.settimeout(T(60))
            b = sock.recv(65536)
            if not b:
                return None
            buf += b
        i = buf.index(b"\r\n\r\n") + 4
        head = bytes(buf[:i])
        del buf[:i]
        with self.cond:
            self.heads.append((n, head))
            self.cond.notify_all()
        return head

    def wait(self, pred, timeout=None):
        deadline = time.monotonic() + (T(10) if timeout is None else timeout)
        with self.cond:
            while not pred():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.2))
            return True

    def fill(self):
        """Fill the listen queue (listen backlog 0, nothing accepted) until a
        connect no longer completes; True once it does not."""
        for _ in range(16):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex((self.host, self.port))
            self.fillers.append(s)
            _, w, _ = select.select([], [s], [], 0.5)
            if not w:
                return True
        return False

    def stop(self):
        self.stopped = True
        try:
            self.lsock.close()
        except OSError:
            pass
        for s in self.fillers + self.socks:
            try:
                s.close()
            except OSError:
                pass


def reply_and_close(origin, sock, n):
    """RawOrigin handler: answer one request (keep-alive, as far as the
    response says), then close the connection without a word: the way an
    origin ends an idle keep-alive connection."""
    buf = bytearray()
    head = origin.read_head(sock, buf, n)
    if head is None:
        return
    body = b"conn %d\n" % n
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                 b"X-Origin-Conn: %d\r\n\r\n" % (len(body), n) + body)
    sock.shutdown(socket.SHUT_WR)
    discard(sock, T(5))


def early_hints(origin, sock, n):
    """RawOrigin handler: every request gets two 103 Early Hints, then a 200."""
    buf = bytearray()
    while not origin.stopped:
        head = origin.read_head(sock, buf, n)
        if head is None:
            return
        sock.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload; as=style\r\n\r\n")
        time.sleep(0.05)
        sock.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </b.js>; rel=preload; as=script\r\n\r\n")
        time.sleep(0.05)
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n"
                     b"\r\nfinal\n")
