"""Fake HTTP/1.1 origin servers that the proxy, lb and sidecar tests control.

A test that checks a proxy needs the other end too: an origin that records
exactly what the proxy forwarded and that can be made to misbehave on cue.
Each Backend is a small threaded server inside the test process:

    a = Backend("a").start()          # listening on 127.0.0.1:<free port>
    a.hostport                        # "127.0.0.1:40123", for {upstream}/{backends}
    a.requests[0].header("Via")       # what arrived, field by field
    a.down(); a.up()                  # refuse connections; listen again (same port)
    a.healthy = False                 # GET /health answers 503
    a.stop()

What it answers depends on the request's path, so a test drives it through
whatever proxy is under test (ours, haproxy, nginx) without a side channel:

    /echo (and any path not below)  200, JSON of the request as it arrived
    /status/<code>                  that status (JSON body unless 1xx/204/304)
    /slow/<ms>                      the echo, after ms milliseconds
    /hold/<key>                     the echo, once the test calls release(key)
    /stream/<key>?first=N&total=M   head and N body bytes, the rest after release(key)
                                    (&chunked=1: chunked framing)
    /bytes/<n>                      n bytes of pattern (byte i is i % 256);
                                    ?chunked=1 chunked, ?close=1 close-delimited
    /close-mid, /reset-mid          Content-Length 100000, 1000 bytes, then FIN / RST
    /close-before, /reset-before    no response at all: FIN / RST
    /hop                            the echo with hop-by-hop fields in the response
    /with-request-id/<id>           the echo, its response carrying X-Request-Id: <id>
                                    (an origin that sets its own id: the sidecar tests)
    /health                         200 "ok" or 503 (Backend.healthy); counted in
                                    health_checks, not in requests

Every response carries `X-Backend: <name>`. Request bodies are read as they
arrive (Content-Length or chunked), counted and checksummed (CRC-32: a
check against bytes lost or reordered, cheap at 1 GiB), never held whole
(the first MiB is kept), so a 1 GiB upload costs the test nothing; an
`Expect: 100-continue` gets its interim response first. While a request
waits (hold, stream, slow) the backend watches its connection, so a test
can see the proxy close it (wait_conn_closed).
"""
import json
import select
import socket
import struct
import threading
import time
import urllib.parse
import zlib

from .launch import free_port
from .timeouts import T

BODY_KEEP = 1 << 20
PATTERN = bytes(range(256)) * 4096  # 1 MiB; byte i of any /bytes body is i % 256
HEAD_MAX = 65536


class PeerGone(Exception):
    """The client (the proxy) closed or reset the connection."""


class Received:
    """One request as the backend received it."""

    def __init__(self, backend, conn, index, peer, method, target, version, headers):
        self.backend = backend
        self.conn = conn              # connection number (1, 2, ...) on this backend
        self.index = index            # requests before it on that connection
        self.peer = peer              # "127.0.0.1:51234"
        self.method, self.target, self.version = method, target, version
        self.headers = headers        # [(name, value)] in order, as sent
        self.body_length = 0
        self.body = bytearray()       # the first BODY_KEEP bytes
        self.complete = False         # the whole body (per its framing) was read
        self.body_started = threading.Event()  # set at the first body byte (or at the end)
        self.finished = threading.Event()      # the body was read (or the read failed)
        self.body_crc32 = 0           # CRC-32 of the whole body (zlib.crc32)

    @property
    def path(self):
        return urllib.parse.urlsplit(self.target).path

    def header(self, name):
        """All values of field `name` (case ignored) joined with ", ", or None."""
        vals = self.header_values(name)
        return ", ".join(vals) if vals else None

    def header_values(self, name):
        n = name.lower()
        return [v for k, v in self.headers if k.lower() == n]

    def as_json(self):
        return {"backend": self.backend, "method": self.method, "target": self.target,
                "version": self.version, "headers": [[k, v] for k, v in self.headers],
                "body_length": self.body_length, "body_crc32": self.body_crc32,
                "complete": self.complete, "conn": self.conn, "index": self.index,
                "peer": self.peer}

    def __repr__(self):
        return (f"<{self.backend} conn {self.conn}: {self.method} {self.target} {self.version}, "
                f"{len(self.headers)} fields, {self.body_length} body bytes>")


class _Reader:
    """Buffered reads from a blocking socket, for heads, lines and bodies."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()

    def _more(self, n=65536):
        data = self.sock.recv(n)
        if not data:
            raise EOFError
        self.buf += data

    def until(self, sep, limit):
        start = 0
        while True:
            i = self.buf.find(sep, start)
            if i >= 0:
                out = bytes(self.buf[:i + len(sep)])
                del self.buf[:i + len(sep)]
                return out
            if len(self.buf) > limit:
                raise ValueError("line or head too long")
            start = max(0, len(self.buf) - len(sep) + 1)
            self._more()

    def some(self, n):
        """Up to n bytes (at least one)."""
        if not self.buf:
            self._more(min(max(n, 1), 1 << 20))
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out


class Backend:
    def __init__(self, name="origin", host="127.0.0.1"):
        self.name, self.host = name, host
        self.port = None
        self.healthy = True
        self.requests = []
        self.health_checks = 0
        self.connections = 0
        self._cond = threading.Condition()
        self._released, self._arrived = set(), {}
        self._open = {}       # connection number -> socket
        self._closed = set()  # connection numbers that ended
        self._lsock = None
        self._stopped = False

    # ---- control -------------------------------------------------------------

    def start(self, port=None):
        self.port = port or self.port or free_port(self.host)
        self.up()
        return self

    @property
    def hostport(self):
        return f"{self.host}:{self.port}"

    @property
    def addr(self):
        return (self.host, self.port)

    def up(self):
        """Listen (again, on the same port)."""
        if self._lsock is not None:
            return self
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, self.port))
        s.listen(128)
        self._lsock = s
        threading.Thread(target=self._accept_loop, args=(s,), daemon=True,
                         name=f"backend-{self.name}").start()
        return self

    def down(self):
        """Stop listening (new connections are refused) and drop open connections."""
        s, self._lsock = self._lsock, None
        if s is not None:
            try:
                s.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the thread
            except OSError:
                pass
            s.close()
        with self._cond:
            socks = list(self._open.values())
        for c in socks:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return self

    def stop(self):
        self._stopped = True
        self.down()
        with self._cond:
            self._cond.notify_all()

    def release(self, key):
        """Let /hold/<key> and /stream/<key> go on."""
        with self._cond:
            self._released.add(str(key))
            self._cond.notify_all()

    # ---- waiting for what happened ------------------------------------------

    def _wait(self, pred, timeout):
        deadline = time.monotonic() + (T(10) if timeout is None else timeout)
        with self._cond:
            while True:
                v = pred()
                if v:
                    return v
                left = deadline - time.monotonic()
                if left <= 0:
                    return v
                self._cond.wait(min(left, 0.2))

    def wait_requests(self, n, timeout=None):
        """The first n requests (heads), once that many arrived; fewer on timeout."""
        self._wait(lambda: len(self.requests) >= n, timeout)
        return self.requests[:n]

    def wait_arrived(self, key, timeout=None):
        """The Received of /hold/<key> or /stream/<key> once it arrived, else None."""
        return self._wait(lambda: self._arrived.get(str(key)), timeout)

    def wait_health_checks(self, n, timeout=None):
        return self._wait(lambda: self.health_checks >= n, timeout)

    def wait_conn_closed(self, conn, timeout=None):
        """True once connection number conn has ended (the peer closed or reset it)."""
        return bool(self._wait(lambda: conn in self._closed, timeout))

    def open_connections(self):
        with self._cond:
            return sorted(self._open)

    # ---- serving -------------------------------------------------------------

    def _accept_loop(self, lsock):
        while True:
            try:
                c, peer = lsock.accept()
            except OSError:
                return
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._cond:
                self.connections += 1
                n = self.connections
                self._open[n] = c
                self._cond.notify_all()
            threading.Thread(target=self._serve, args=(c, n, f"{peer[0]}:{peer[1]}"),
                             daemon=True, name=f"backend-{self.name}-{n}").start()

    def _serve(self, sock, n, peer):
        rd = _Reader(sock)
        index = 0
        try:
            while not self._stopped:
                try:
                    head = rd.until(b"\r\n\r\n", HEAD_MAX)
                except EOFError:
                    return
                rec, close = self._parse_head(head, n, index, peer)
                index += 1
                if rec.path == "/health":
                    self._body(rd, rec, sock)
                    with self._cond:
                        self.health_checks += 1
                        self._cond.notify_all()
                    ok = self.healthy
                    self._send(sock, 200 if ok else 503, b"ok\n" if ok else b"sick\n",
                               "text/plain", close)
                else:
                    with self._cond:
                        self.requests.append(rec)
                        self._cond.notify_all()
                    if self._respond(rd, sock, rec, close) == "closed":
                        return
                if close:
                    return
        except (OSError, EOFError, ValueError, PeerGone):
            return
        finally:
            try:
                sock.close()
            except OSError:
                pass
            with self._cond:
                self._open.pop(n, None)
                self._closed.add(n)
                self._cond.notify_all()

    def _parse_head(self, head, n, index, peer):
        lines = head[:-4].decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name, value.strip(" \t")))
        rec = Received(self.name, n, index, peer, method, target, version, headers)
        conn_tokens = {t.strip().lower() for t in (rec.header("Connection") or "").split(",")}
        close = "close" in conn_tokens or (version == "HTTP/1.0" and "keep-alive" not in conn_tokens)
        return rec, close

    def _body(self, rd, rec, sock):
        """Reads the request body as it arrives (Content-Length or chunked)."""
        if (rec.header("Expect") or "").lower() == "100-continue":
            sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        te = (rec.header("Transfer-Encoding") or "").lower()
        try:
            if "chunked" in te:
                while True:
                    size = int(rd.until(b"\r\n", 4096).split(b";")[0].strip(), 16)
                    if size == 0:
                        while rd.until(b"\r\n", 65536) != b"\r\n":
                            pass  # trailer fields
                        break
                    self._take(rd, rec, size)
                    if rd.until(b"\r\n", 2) != b"\r\n":
                        raise ValueError("no CRLF after chunk data")
            else:
                self._take(rd, rec, int(rec.header("Content-Length") or 0))
            rec.complete = True
        finally:
            rec.body_started.set()
            rec.finished.set()

    def _take(self, rd, rec, n):
        scratch = None
        while n > 0:
            if rd.buf:
                data = rd.some(min(n, 1 << 20))
            else:  # straight from the socket: no copies through the read buffer
                scratch = scratch or memoryview(bytearray(1 << 20))
                got = rd.sock.recv_into(scratch, min(n, 1 << 20))
                if not got:
                    raise EOFError
                data = scratch[:got]
            n -= len(data)
            rec.body_length += len(data)
            rec.body_crc32 = zlib.crc32(data, rec.body_crc32)
            if len(rec.body) < BODY_KEEP:
                rec.body += data[:BODY_KEEP - len(rec.body)]
            rec.body_started.set()

    def _respond(self, rd, sock, rec, close):
        parts = [p for p in rec.path.split("/") if p]
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(rec.target).query)
        what = parts[0] if parts else "echo"
        arg = parts[1] if len(parts) > 1 else ""
        if what in ("close-before", "reset-before"):
            self._drop(sock, reset=what == "reset-before")
            return "closed"
        self._body(rd, rec, sock)
        if what == "status" and arg.isdigit():
            code = int(arg)
            body = b"" if code < 200 or code in (204, 304) else self._echo(rec)
            self._send(sock, code, body, "application/json", close, head_only=rec.method == "HEAD")
        elif what == "slow" and arg.isdigit():
            self._hold(sock, lambda: False, time.monotonic() + int(arg) / 1000)
            self._send(sock, 200, self._echo(rec), "application/json", close,
                       head_only=rec.method == "HEAD")
        elif what == "hold":
            self._mark_arrived(arg, rec)
            self._hold(sock, lambda: arg in self._released, time.monotonic() + T(60))
            self._send(sock, 200, self._echo(rec), "application/json", close,
                       head_only=rec.method == "HEAD")
        elif what == "stream":
            total = int(query.get("total", ["65536"])[0])
            first = min(int(query.get("first", ["1024"])[0]), total)
            chunked = query.get("chunked", ["0"])[0] == "1"
            self._send_head(sock, 200, "application/octet-stream", close,
                            None if chunked else total, chunked=chunked)
            self._send_pattern(sock, 0, first, chunked)
            self._mark_arrived(arg, rec)
            self._hold(sock, lambda: arg in self._released, time.monotonic() + T(60))
            self._send_pattern(sock, first, total - first, chunked)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        elif what == "bytes" and arg.isdigit():
            total = int(arg)
            chunked = query.get("chunked", ["0"])[0] == "1"
            delimited = query.get("close", ["0"])[0] == "1"
            self._send_head(sock, 200, "application/octet-stream", close or delimited,
                            None if chunked or delimited else total, chunked=chunked)
            if rec.method != "HEAD":
                self._send_pattern(sock, 0, total, chunked)
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
            if delimited:
                self._drop(sock, reset=False)
                return "closed"
        elif what in ("close-mid", "reset-mid"):
            self._send_head(sock, 200, "application/octet-stream", False, 100000)
            self._send_pattern(sock, 0, 1000, False)
            self._drop(sock, reset=what == "reset-mid")
            return "closed"
        elif what == "hop":
            extra = [("Connection", "X-Hop-Resp"), ("X-Hop-Resp", "1"),
                     ("Keep-Alive", "timeout=30"), ("Proxy-Connection", "keep-alive"),
                     ("Proxy-Authenticate", 'Basic realm="osnet"')]
            self._send(sock, 200, self._echo(rec), "application/json", close, extra=extra)
        elif what == "with-request-id" and arg:
            self._send(sock, 200, self._echo(rec), "application/json", close,
                       head_only=rec.method == "HEAD", extra=[("X-Request-Id", arg)])
        else:
            self._send(sock, 200, self._echo(rec), "application/json", close,
                       head_only=rec.method == "HEAD")
        return "open"

    def _mark_arrived(self, key, rec):
        with self._cond:
            self._arrived[key] = rec
            self._cond.notify_all()

    def _hold(self, sock, done, deadline):
        """Waits until done() or the deadline; raises PeerGone if the peer
        closes or resets the connection meanwhile (a pipelined next request
        does not count: it stays unread)."""
        while not self._stopped:
            with self._cond:
                if done():
                    return
            left = deadline - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([sock], [], [], min(left, 0.05))
            if r:
                try:
                    peek = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
                except BlockingIOError:
                    continue
                except OSError:
                    raise PeerGone from None
                if not peek:
                    raise PeerGone
                time.sleep(0.05)  # readable because of pipelined bytes: keep waiting
        raise PeerGone  # the backend was stopped

    def _echo(self, rec):
        return json.dumps(rec.as_json()).encode() + b"\n"

    def _send_head(self, sock, code, ctype, close, length, chunked=False, extra=()):
        lines = [f"HTTP/1.1 {code} {REASONS.get(code, 'Status')}",
                 f"X-Backend: {self.name}", f"Content-Type: {ctype}"]
        if length is not None:
            lines.append(f"Content-Length: {length}")
        elif chunked:
            lines.append("Transfer-Encoding: chunked")
        if close:
            lines.append("Connection: close")
        lines += [f"{k}: {v}" for k, v in extra]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def _send(self, sock, code, body, ctype, close, head_only=False, extra=()):
        bodyless = code < 200 or code in (204, 304)
        self._send_head(sock, code, ctype, close, None if bodyless else len(body), extra=extra)
        if body and not head_only and not bodyless:
            sock.sendall(body)

    def _send_pattern(self, sock, start, n, chunked):
        mv = memoryview(PATTERN)
        off = start % 256
        while n > 0:
            k = min(n, len(PATTERN) - off)
            if chunked:
                sock.sendall(b"%x\r\n" % k)
            sock.sendall(mv[off:off + k])
            if chunked:
                sock.sendall(b"\r\n")
            n -= k
            off = 0

    @staticmethod
    def _drop(sock, reset):
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        sock.close()


def pattern(start, n):
    """Bytes start..start+n of every /bytes and /stream body."""
    return bytes((start + i) % 256 for i in range(n))


REASONS = {100: "Continue", 200: "OK", 201: "Created", 204: "No Content",
           301: "Moved Permanently", 304: "Not Modified", 400: "Bad Request",
           404: "Not Found", 500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout"}
