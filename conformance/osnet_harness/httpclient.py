"""A raw-socket HTTP/1.1 client for the tests of every HTTP component (http,
https, proxy, lb, sidecar): `from osnet_harness.httpclient import Conn, get`.

Nothing here hides the protocol: requests are the bytes the test wrote, and
responses are parsed by hand from the bytes received: the status line, each
field line, and a body delimited exactly as RFC 9112 §6.3 says (no body for
HEAD, 1xx, 204 and 304; chunked; Content-Length; otherwise until the server
closes). What does not follow the grammar is either recorded in
`Response.problems` (small deviations that still leave the message readable,
such as a bare LF line end) or raised as a `ProtocolError` saying what was
received and where it went wrong. Every wait goes through T().
"""
import calendar
import re
import socket
import time

from osnet_harness.net import connect, printf_escape
from osnet_harness.timeouts import T

IDLE = 10  # seconds (scaled) without a byte before a read gives up

TOKEN = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
STATUS_LINE = re.compile(rb"^HTTP/(\d)\.(\d) (\d{3})(?: ([\t\x20-\x7e\x80-\xff]*))?$")
IMF_FIXDATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) "
                         r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) "
                         r"(\d\d):(\d\d):(\d\d) GMT$")
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class HttpError(AssertionError):
    """An expectation about the server's HTTP behaviour failed."""


class ProtocolError(HttpError):
    """The bytes received are not a well-formed HTTP/1.1 response."""


def show(data, n=200):
    """Bytes for a report: repr without the b, long ones cut with their length."""
    data = bytes(data)
    if len(data) > n:
        return repr(data[:n])[1:] + f"... ({len(data)} bytes)"
    return repr(data)[1:]


def show_head(data, n=1200, width=100, max_lines=24):
    """A request or response head, one line per line (long lines cut), for reports."""
    data = bytes(data)
    lines = data[:n].split(b"\n")
    cut = len(data) > n or len(lines) > max_lines
    lines = lines[:max_lines]
    out = []
    for i, line in enumerate(lines):
        if i < len(lines) - 1:
            line += b"\n"
        if not line:
            continue
        text = repr(line[:width])[2:-1]
        if len(line) > width:
            text += f"... ({len(line)} bytes)"
        out.append("    " + text)
    if cut:
        out.append(f"    ... ({len(data)} bytes in all)")
    return "\n".join(out)


def imf_fixdate(ts):
    """The IMF-fixdate (RFC 9110 §5.6.7) of a Unix time."""
    t = time.gmtime(ts)
    return (f"{DAYS[t.tm_wday]}, {t.tm_mday:02d} {MONTHS[t.tm_mon - 1]} {t.tm_year} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT")


def parse_imf_fixdate(text):
    """Unix time of an IMF-fixdate, or None if text is not one (weekday checked)."""
    m = IMF_FIXDATE.match(text or "")
    if not m:
        return None
    wday, day, mon, year, hh, mm, ss = m.groups()
    try:
        ts = calendar.timegm((int(year), MONTHS.index(mon) + 1, int(day), int(hh), int(mm),
                              int(ss), 0, 0, 0))
        t = time.gmtime(ts)
    except (ValueError, OverflowError):
        return None
    if (t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec) != (int(day), int(hh), int(mm), int(ss)):
        return None  # 31 Feb and the like
    if DAYS[t.tm_wday] != wday:
        return None
    return ts


class Response:
    """One parsed response."""

    def __init__(self):
        self.version = None      # "HTTP/1.1"
        self.status = None       # int
        self.reason = b""
        self.fields = []         # [(name bytes as sent, value bytes)] in order
        self.head = b""          # the raw bytes of the head, empty line included
        self.body = b""
        self.framing = None      # "none", "content-length", "chunked", "close"
        self.trailers = []
        self.problems = []       # deviations from the grammar that did not stop parsing
        self.interim = []        # 1xx responses received before this one
        self.request = b""       # what was sent for it (set by the caller, for reports)

    def get_all(self, name):
        """Values (str, latin-1) of every field with this name, in order."""
        n = name.lower().encode()
        return [v.decode("latin-1") for k, v in self.fields if k.lower() == n]

    def get(self, name):
        """The value of the field (several fields joined with ', '), or None."""
        vals = self.get_all(name)
        return ", ".join(vals) if vals else None

    def tokens(self, name):
        """Lower-cased comma-separated tokens of a list field (Connection, Allow)."""
        out = []
        for v in self.get_all(name):
            out += [t.strip().lower() for t in v.split(",") if t.strip()]
        return out

    def media_type(self):
        ct = self.get("Content-Type")
        return None if ct is None else ct.split(";")[0].strip().lower()

    def summary(self, body=120):
        """Status line, fields and the start of the body, for a report."""
        out = [show_head(self.head)]
        if self.interim:
            out.insert(0, "    (after interim responses: "
                       + ", ".join(str(r.status) for r in self.interim) + ")")
        if self.body:
            out.append(f"    body ({len(self.body)} bytes, {self.framing}): {show(self.body, body)}")
        else:
            out.append(f"    no body ({self.framing})")
        return "\n".join(out)

    def __repr__(self):
        return f"<Response {self.status} {self.framing} {len(self.body)} bytes>"


class Conn:
    """One client connection: send raw bytes, read responses one at a time."""

    def __init__(self, addr, timeout=None, sock=None, rcvbuf=None):
        self.addr = addr
        self.sock = sock if sock is not None else connect(addr, timeout=timeout, rcvbuf=rcvbuf)
        self.buf = bytearray()
        self.sent = bytearray()   # everything written, for reports
        self.eof = None           # None, or 'eof' / 'reset' once the stream ended
        self.received = 0         # bytes received so far

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        """Write all of data (one sendall: the kernel may still split it)."""
        self.sent += data
        self.sock.sendall(data)

    def send_slowly(self, data, piece=1, pause=0.0):
        """Write data in pieces of `piece` bytes, one write each."""
        for i in range(0, len(data), piece):
            self.send(data[i:i + piece])
            if pause:
                time.sleep(pause)

    def _fill(self, deadline, idle):
        """Read more into buf. Returns False at end of stream; raises on a timeout."""
        if self.eof:
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timeout")
        self.sock.settimeout(min(left, idle))
        try:
            b = self.sock.recv(1 << 16)
        except socket.timeout:
            raise TimeoutError(f"no byte for {min(left, idle):.0f}s") from None
        except ConnectionResetError:
            self.eof = "reset"
            return False
        if not b:
            self.eof = "eof"
            return False
        self.buf += b
        self.received += len(b)
        return True

    def _line(self, deadline, idle, limit, what):
        """One line (without its end) from buf, reading more as needed."""
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 1]
                bare = not line.endswith(b"\r")
                return (line if bare else line[:-1]), bare
            if len(self.buf) > limit:
                raise ProtocolError(f"{what}: no line end within {limit} bytes: {show(self.buf)}")
            if not self._fill(deadline, idle):
                raise ProtocolError(f"{what}: the connection ended ({self.eof}) in the middle "
                                    f"of a line; received: {show(self.buf)}")

    def _exact(self, n, deadline, idle, what):
        while len(self.buf) < n:
            if not self._fill(deadline, idle):
                raise ProtocolError(f"{what}: expected {n} bytes, the connection ended "
                                    f"({self.eof}) after {len(self.buf)}")
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def read_response(self, method="GET", timeout=None, idle=None, keep_interim=False):
        """Read one response (interim 1xx ones are collected into .interim and
        skipped, unless keep_interim). `method` is the request's method: a
        response to HEAD has no body. Raises ProtocolError or HttpError."""
        deadline = time.monotonic() + (T(30) if timeout is None else timeout)
        idle = T(IDLE) if idle is None else idle
        interim = []
        while True:
            try:
                r = self._read_one(method, deadline, idle)
            except TimeoutError as e:
                got = f"received so far on this response: {show(self.buf)}" if self.buf \
                    else "nothing received for it"
                raise HttpError(f"no complete response ({e}); {got}") from None
            if 100 <= r.status < 200 and r.status != 101 and not keep_interim:
                interim.append(r)
                continue
            r.interim = interim
            return r

    def _read_one(self, method, deadline, idle):
        r = Response()
        start = len(self.buf)
        # Empty lines before a status line break the grammar; tolerated, and recorded.
        while True:
            if not self.buf and not self._fill(deadline, idle):
                raise ProtocolError(f"the connection ended ({self.eof}) before a response "
                                    f"began" + (" (no byte of it was received)" if start == 0 else ""))
            if self.buf[:1] in (b"\r", b"\n"):
                line, _ = self._line(deadline, idle, 2, "empty line before the status line")
                r.problems.append("empty line before the status line")
                continue
            break
        head = bytearray()
        line, bare = self._line(deadline, idle, 8192, "status line")
        head += line + (b"\n" if bare else b"\r\n")
        if bare:
            r.problems.append("status line ends with a bare LF, not CRLF")
        m = STATUS_LINE.match(line)
        if not m:
            raise ProtocolError(f"not an HTTP status line: {show(line)} (expected "
                                f"'HTTP/1.1 <3 digits> <reason>')")
        r.version = f"HTTP/{m.group(1).decode()}.{m.group(2).decode()}"
        r.status = int(m.group(3))
        r.reason = m.group(4) if m.group(4) is not None else b""
        if m.group(4) is None:
            r.problems.append("status line has no SP after the status code")
        nfields = 0
        while True:
            line, bare = self._line(deadline, idle, 65536, "header field line")
            head += line + (b"\n" if bare else b"\r\n")
            if bare:
                r.problems.append(f"field line ends with a bare LF: {show(line, 60)}")
            if line == b"":
                break
            nfields += 1
            if nfields > 1000:
                raise ProtocolError("more than 1000 header field lines in one response")
            if line[:1] in (b" ", b"\t"):
                r.problems.append(f"obs-fold (a field line starting with whitespace): {show(line, 60)}")
                if r.fields:
                    k, v = r.fields[-1]
                    r.fields[-1] = (k, v + b" " + line.strip())
                continue
            name, colon, value = line.partition(b":")
            if not colon:
                raise ProtocolError(f"header field line without a colon: {show(line)}\n"
                                    f"head so far:\n{show_head(head)}")
            if not TOKEN.match(name):
                r.problems.append(f"field name is not a token (whitespace before the colon?): "
                                  f"{show(name, 60)}")
                name = name.strip()
            r.fields.append((name, value.strip(b" \t")))
        r.head = bytes(head)
        self._read_body(r, method, deadline, idle)
        return r

    def _read_body(self, r, method, deadline, idle):
        te = r.tokens("Transfer-Encoding")
        cls = r.get_all("Content-Length")
        if method == "HEAD" or 100 <= r.status < 200 or r.status in (204, 304):
            r.framing = "none"
            return
        if te:
            if te[-1] != "chunked":
                raise ProtocolError(f"response Transfer-Encoding {r.get('Transfer-Encoding')!r}"
                                    f" does not end in chunked: its length cannot be known")
            r.framing = "chunked"
            r.body = self._read_chunked(r, deadline, idle)
            return
        if cls:
            values = {v.strip() for c in cls for v in c.split(",")}
            if len(values) != 1 or not all(v.isdigit() for v in values):
                raise ProtocolError(f"invalid Content-Length in the response: {cls!r}")
            n = int(values.pop())
            r.framing = "content-length"
            try:
                r.body = self._exact(n, deadline, idle, f"body of the {r.status} response "
                                                        f"(Content-Length: {n})")
            except TimeoutError as e:
                raise HttpError(f"the {r.status} response announced Content-Length: {n} but only "
                                f"{len(self.buf)} body bytes came ({e})\nhead:\n"
                                f"{show_head(r.head)}") from None
            return
        # Neither: the body runs until the server closes (RFC 9112 §6.3 item 8).
        r.framing = "close"
        try:
            while self._fill(deadline, idle):
                pass
        except TimeoutError as e:
            raise HttpError(f"the {r.status} response has neither Content-Length nor chunked "
                            f"framing, so its body ends only when the server closes, and the "
                            f"server did not close ({e})\nhead:\n{show_head(r.head)}\n"
                            f"bytes after the head: {show(self.buf)}") from None
        r.body = bytes(self.buf)
        self.buf.clear()

    def _read_chunked(self, r, deadline, idle):
        body = bytearray()
        while True:
            line, _ = self._line(deadline, idle, 4096, "chunk size line")
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise ProtocolError(f"bad chunk size line {show(line)} after {len(body)} "
                                    f"body bytes") from None
            if size == 0:
                break
            body += self._exact(size, deadline, idle, "chunk data")
            end = self._exact(2, deadline, idle, "CRLF after chunk data")
            if end != b"\r\n":
                raise ProtocolError(f"chunk of {size} bytes not followed by CRLF but {show(end)}")
        while True:
            line, _ = self._line(deadline, idle, 8192, "trailer field line")
            if line == b"":
                return bytes(body)
            r.trailers.append(line)

    def read_eof(self, timeout=None):
        """Wait for the server to end the connection. Returns (bytes that came
        first, why): why is 'eof', 'reset' or 'timeout'. Bytes already
        buffered count as having come first."""
        deadline = time.monotonic() + (T(10) if timeout is None else timeout)
        while True:
            try:
                if not self._fill(deadline, deadline - time.monotonic() + 1):
                    break
            except TimeoutError:
                return bytes(self.buf), "timeout"
        extra = bytes(self.buf)
        self.buf.clear()
        return extra, self.eof

    def still_open(self, wait):
        """True if the server has not closed the connection within `wait`
        seconds (and sent nothing meanwhile); bytes received are kept."""
        try:
            self._fill(time.monotonic() + wait, wait)
        except TimeoutError:
            return True
        return False


def request(method, target, headers=(), body=b"", version="HTTP/1.1", host="osnet.test"):
    """The bytes of a request: request line, Host (unless host is None),
    the given (name, value) headers in order, Content-Length when a body is
    given and no framing header is, then the body."""
    if isinstance(target, str):
        target = target.encode()
    lines = [method.encode() + b" " + target + b" " + version.encode()]
    names = set()
    if host is not None:
        lines.append(b"Host: " + host.encode())
    for k, v in headers:
        k = k.encode() if isinstance(k, str) else k
        v = v.encode() if isinstance(v, str) else v
        names.add(k.lower())
        lines.append(k + b": " + v)
    if body and b"content-length" not in names and b"transfer-encoding" not in names:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def get(target, headers=(), version="HTTP/1.1", **kw):
    return request("GET", target, headers, version=version, **kw)


def chunked(pieces, ext=b"", trailers=(), upper=False):
    """A chunked body made of the given pieces, each chunk's size line
    carrying `ext` (e.g. b';name=value'), then the trailer lines."""
    out = bytearray()
    for p in pieces:
        size = (b"%X" if upper else b"%x") % len(p)
        out += size + ext + b"\r\n" + p + b"\r\n"
    out += b"0" + ext + b"\r\n"
    for t in trailers:
        out += t + b"\r\n"
    out += b"\r\n"
    return bytes(out)


def bytes_expr(data, run=16):
    """A Python expression for data, runs of one byte written as b'x' * n."""
    parts, i, lit = [], 0, bytearray()
    while i < len(data):
        j = i
        while j < len(data) and data[j] == data[i]:
            j += 1
        if j - i >= run:
            if lit:
                parts.append(repr(bytes(lit)))
                lit.clear()
            parts.append(f"{bytes(data[i:i + 1])!r} * {j - i}")
        else:
            lit += data[i:j]
        i = j
    if lit:
        parts.append(repr(bytes(lit)))
    return " + ".join(parts) or "b''"


def repro(addr, data, hold=2):
    """A shell command that sends the same bytes by hand and shows the answer."""
    host, port = addr
    if len(data) <= 400:
        return f"(printf '{printf_escape(data)}'; sleep {hold}) | nc {host} {port}"
    expr = bytes_expr(data)
    if len(expr) > 2000:
        return (f"# a {len(data)}-byte request starting {show(data, 80)}: "
                f"see the test's source; send it with nc {host} {port}")
    for ch in ("\\", '"', "$", "`"):
        expr = expr.replace(ch, "\\" + ch)
    return (f"(/usr/bin/python3 -c \"import sys; sys.stdout.buffer.write({expr})\"; "
            f"sleep {hold}) | nc {host} {port}")


def curl(addr, target, extra=""):
    host, port = addr
    return f"curl -sv {extra}'http://{host}:{port}{target}' -o /dev/null".replace("  ", " ")


def describe(sent, expected, got=None, note=None):
    """The standard failure text: what was sent, what was expected, what came back."""
    out = [f"sent ({len(sent)} bytes):\n{show_head(sent)}", f"expected: {expected}"]
    if isinstance(got, Response):
        out.append("received:\n" + got.summary())
    elif got is not None:
        out.append(f"received: {got}")
    if note:
        out.append(note)
    return "\n".join(out)


def exchange(addr, data, method=None, timeout=None, conn=None):
    """Send one request on a fresh connection (or conn) and read its response.
    Returns (conn, response); a ProtocolError or timeout is re-raised with
    what was sent."""
    c = conn or Conn(addr)
    c.send(data)
    if method is None:
        method = data.split(b" ", 1)[0].decode("latin-1")
    try:
        r = c.read_response(method, timeout=timeout)
    except HttpError as e:
        c.close()
        raise type(e)(f"{e}\n" + describe(data, "a complete HTTP/1.1 response")) from None
    r.request = data
    return c, r


def fetch(addr, data, method=None, timeout=None):
    """exchange() on a fresh connection that is closed afterwards."""
    c, r = exchange(addr, data, method, timeout)
    c.close()
    return r


def expect_status(resp, codes, what, sent=None, addr=None):
    """Raise HttpError unless resp.status is one of codes (an int or a set)."""
    if isinstance(codes, int):
        codes = {codes}
    if resp.status in codes:
        return
    want = " or ".join(str(c) for c in sorted(codes))
    msg = f"{what}: status {resp.status}, expected {want}\n" + describe(
        sent if sent is not None else resp.request, want, resp)
    if addr is not None:
        msg += "\nreproduce by hand:\n  " + repro(addr, sent if sent is not None else resp.request)
    raise HttpError(msg)


def expect_closed(conn, what, sent, timeout=None, allow_response=None):
    """Raise HttpError unless the server ends the connection (FIN or RST)
    within timeout with nothing more sent. allow_response: a status whose
    response may come first (e.g. 408)."""
    extra, why = conn.read_eof(timeout)
    if extra and allow_response is not None and extra.startswith(b"HTTP/1.1 %d" % allow_response):
        extra = b""
    if why == "timeout" or extra:
        t = T(10) if timeout is None else timeout
        got = (f"the connection still open after {t:.0f}s" if why == "timeout"
               else f"the connection ended ({why})")
        if extra:
            got += f", after {len(extra)} more bytes: {show(extra)}"
        raise HttpError(f"{what}\n" + describe(sent, "the server closes the connection "
                                               "and sends nothing more", got))


def pipeline(conn, reqs, timeout=None, write=True):
    """Send every request in reqs in one write (unless write=False: already
    sent), then read their responses in order. Returns the responses; a
    failure names the request whose response could not be read and what
    came before it."""
    if write:
        conn.send(b"".join(reqs))
    out = []
    for i, rq in enumerate(reqs):
        method = rq.split(b" ", 1)[0].decode("latin-1")
        try:
            r = conn.read_response(method, timeout=timeout)
        except HttpError as e:
            before = "; ".join(f"#{j + 1} {x.status} ({len(x.body)} body bytes)"
                               for j, x in enumerate(out)) or "none"
            raise type(e)(f"reading the response to request #{i + 1} of {len(reqs)} "
                          f"sent back to back on one connection: {e}\n"
                          f"that request:\n{show_head(rq, 300)}\n"
                          f"responses read before it: {before}") from None
        r.request = rq
        out.append(r)
    return out
