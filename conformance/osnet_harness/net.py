"""Client-side helpers for tests over real sockets, and readable mismatches."""
import errno
import fcntl
import os
import random
import select
import socket
import struct
import termios
import threading
import time

from .timeouts import T


class Mismatch(AssertionError):
    """Raised with a report of what was sent, expected and received."""


def connect(addr, timeout=None, rcvbuf=None, sndbuf=None):
    """A connected blocking TCP socket with a timeout on every call.

    rcvbuf/sndbuf are set before connect, so the window the client
    advertises is small from the first segment.
    """
    host, port = addr
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    try:
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if sndbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        s.settimeout(T(10) if timeout is None else timeout)
        s.connect((host, port))
    except BaseException:
        s.close()
        raise
    return s


def rst_close(sock):
    """Close so the kernel sends RST instead of FIN (SO_LINGER on, 0 seconds)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def recv_exact(sock, n, timeout=None, idle=None):
    """Read up to n bytes; return (data, why) with why in
    'complete', 'eof', 'timeout', 'reset'. `timeout` bounds the whole read,
    `idle` the wait for any next byte (so lost bytes are noticed without
    waiting out a long overall timeout)."""
    deadline = time.monotonic() + (T(10) if timeout is None else timeout)
    chunks, got = [], 0
    while got < n:
        left = deadline - time.monotonic()
        if left <= 0:
            return b"".join(chunks), "timeout"
        wait = left if idle is None else min(left, idle)
        sock.settimeout(wait)
        try:
            b = sock.recv(min(n - got, 1 << 20))
        except socket.timeout:
            if wait < left:
                return b"".join(chunks), f"timeout (no byte for {wait:.0f}s)"
            return b"".join(chunks), "timeout"
        except ConnectionResetError:
            return b"".join(chunks), "reset"
        if not b:
            return b"".join(chunks), "eof"
        chunks.append(b)
        got += len(b)
    return b"".join(chunks), "complete"


def recv_until_eof(sock, timeout=None, limit=16 << 20):
    """Read until end-of-file; return (data, why) with why in 'eof', 'timeout',
    'reset', 'limit'. The limit keeps a peer that never stops sending (a
    chargen where an echo should be) from filling the test's memory."""
    data, why = recv_exact(sock, limit, timeout)
    return data, ("limit" if why == "complete" else why)


def wait_eof(sock, timeout=None):
    """Wait for end-of-file with nothing more to read; return (extra, why)."""
    return recv_until_eof(sock, timeout, limit=1 << 20)


class Sender(threading.Thread):
    """Sends data on a socket in the background (so the test can read at once)."""

    def __init__(self, sock, data, chunk=1 << 16, shutdown=False):
        super().__init__(daemon=True)
        self.sock, self.data, self.chunk, self.shutdown_after = sock, data, chunk, shutdown
        self.sent = 0
        self.error = None

    def run(self):
        # data is bytes (sent in chunks of `chunk`) or a list of pieces, each
        # handed to the kernel in its own write.
        try:
            if isinstance(self.data, list):
                for piece in self.data:
                    self.sock.sendall(piece)
                    self.sent += len(piece)
            else:
                view = memoryview(self.data)
                while self.sent < len(view):
                    self.sent += self.sock.send(view[self.sent:self.sent + self.chunk])
            if self.shutdown_after:
                self.sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            self.error = e

    def finish(self, timeout=None):
        self.join(T(30) if timeout is None else timeout)
        return not self.is_alive()


def roundtrip(sock, data, timeout=None, shutdown=False):
    """Send data while reading the echo concurrently.

    Returns (received, why): why as for recv_exact, or 'send-error: ...'."""
    sender = Sender(sock, data, shutdown=shutdown)
    sender.start()
    got, why = recv_exact(sock, len(data), timeout, idle=T(10))
    sender.finish(T(5))
    if sender.error is not None and why != "complete":
        why = f"{why} (sending failed after {sender.sent} bytes: {sender.error})"
    return got, why


def hexline(data, start, width, mark=None):
    """One hexdump row of data[start:start+width], and a caret row under mark."""
    chunk = data[start:start + width]
    hx = " ".join(f"{b:02x}" for b in chunk)
    asc = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
    caret = ""
    if mark is not None and start <= mark < start + width:
        caret = " " * (3 * (mark - start)) + "^^"
    return hx, asc, caret


def describe_diff(expected, got, why=None):
    """Text saying where `got` first differs from `expected`, with a caret."""
    lines = [f"expected {len(expected)} bytes, received {len(got)} bytes"
             + (f" (then: {why})" if why and why != "complete" else "")]
    first = next((i for i, (a, b) in enumerate(zip(expected, got)) if a != b), None)
    if first is None:
        if len(got) == len(expected):
            return lines[0] + "; contents equal"
        first = min(len(got), len(expected))
        short = "missing" if len(got) < len(expected) else "extra"
        lines.append(f"first {first} bytes equal, then {abs(len(got) - len(expected))} bytes {short}")
    else:
        lines.append(f"first difference at byte offset {first}")
    width = 16
    start = max(0, first - first % width - (width if first >= width else 0))
    for label, buf in (("expected", expected), ("received", got)):
        for row in range(start, min(start + 2 * width, max(len(buf), start + 1)), width):
            hx, asc, caret = hexline(buf, row, width, first)
            lines.append(f"  {label} @{row:>8}: {hx:<{3 * width}} |{asc}|")
            if caret:
                lines.append(" " * len(f"  {label} @{row:>8}: ") + caret)
            label = " " * len(label)
    return "\n".join(lines)


def expect_bytes(expected, got, why=None, what="echo", repro=None, sent=None):
    """Raise Mismatch with a full report unless got == expected."""
    if got == expected:
        return
    msg = [f"{what}: bytes differ"]
    if sent is not None and sent is not expected:
        msg.append(f"sent {len(sent)} bytes: {preview(sent)}")
    msg.append(describe_diff(expected, got, why))
    if repro:
        msg.append("reproduce by hand:\n  " + repro)
    raise Mismatch("\n".join(msg))


def preview(data, n=48):
    s = repr(bytes(data[:n]))
    return s + (f" ... ({len(data)} bytes)" if len(data) > n else "")


def printf_escape(data):
    """data as a printf(1) format string: printable ASCII kept, others octal."""
    out = []
    for b in data:
        c = chr(b)
        if c == "%":
            out.append("%%")
        elif c == "\\":
            out.append("\\\\")
        elif c == "'":
            out.append("\\047")
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append(f"\\{b:03o}")
    return "".join(out)


def repro_nc(addr, data=None, size=None):
    """A shell command that sends the same bytes to the server by hand."""
    host, port = addr
    if data is not None and len(data) <= 64:
        return (f"printf '{printf_escape(data)}' | nc -N {host} {port} | od -An -tx1")
    n = size if size is not None else len(data)
    return (f"head -c {n} /dev/urandom > /tmp/in; nc -N {host} {port} < /tmp/in > /tmp/out; "
            f"cmp /tmp/in /tmp/out && echo same")


def readable(sock, timeout):
    r, _, _ = select.select([sock], [], [], timeout)
    return bool(r)


def payload(n, seed):
    """n reproducible pseudo-random bytes (all 256 values occur)."""
    return random.Random(seed).randbytes(n)


def start_sender(sock, data, shutdown=False, chunk=1 << 16):
    s = Sender(sock, data, chunk=chunk, shutdown=shutdown)
    s.start()
    return s


def wait_stalled(sender, quiet=None, limit=None):
    """Wait until a background Sender stops making progress (its peer applies
    backpressure) or finishes. Returns True if it stalled, False if it finished.
    A slow machine makes this return later, never wrongly for a correct peer."""
    quiet = T(1) if quiet is None else quiet
    deadline = time.monotonic() + (T(30) if limit is None else limit)
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        if not sender.is_alive():
            return False
        if sender.sent != last:
            last, since = sender.sent, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return True
        time.sleep(0.02)
    return not sender.is_alive()


def connect_many(addr, n, timeout=None):
    """n connected blocking sockets, their connects run in parallel.

    Connecting one at a time would wait out a SYN retransmission (1 s, 3 s,
    ...) for every SYN a full accept queue drops; in parallel those waits
    overlap. Raises OSError naming how many connected if any fails."""
    host, port = addr
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    deadline = time.monotonic() + (T(30) if timeout is None else timeout)
    socks, pending = [], {}
    poller = select.poll()
    try:
        for _ in range(n):
            s = socket.socket(fam, socket.SOCK_STREAM)
            socks.append(s)
            s.setblocking(False)
            err = s.connect_ex((host, port))
            if err not in (0, errno.EINPROGRESS):
                raise OSError(err, f"connect: {os.strerror(err)}")
            pending[s.fileno()] = s
            poller.register(s, select.POLLOUT)
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise OSError(errno.ETIMEDOUT, f"{len(pending)} of {n} connections were not "
                                               f"established within {T(30):.0f}s")
            for fd, _ in poller.poll(min(left, 0.5) * 1000):
                s = pending.pop(fd)
                poller.unregister(fd)
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise OSError(err, f"connect #{socks.index(s)}: {os.strerror(err)} "
                                       f"({n - len(pending) - 1} others connected)")
        for s in socks:
            s.setblocking(True)
            s.settimeout(T(10))
        return socks
    except BaseException:
        for s in socks:
            s.close()
        raise


def socket_queues(sock):
    """(bytes received but not read, bytes sent but not acknowledged) of sock."""
    buf = fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0")
    unread = struct.unpack("i", buf)[0]
    buf = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")  # = SIOCOUTQ
    return unread, struct.unpack("i", buf)[0]


def fill_pipeline(sock, data, quiet=None, limit=None):
    """Send data without reading until the peer stops taking it, or all of it
    is sent. Returns the number of bytes sent.

    "Stops taking it" means: no room to write for two quiet windows in a row,
    with our socket's queues (unread bytes, unacknowledged bytes) unchanged
    across both, so a server that was only descheduled for a moment is not
    mistaken for one that is blocked. Then the whole path is full: our send
    buffer, the server's receive buffer, what the server holds, its send
    buffer and our receive buffer."""
    quiet = T(0.4) if quiet is None else quiet
    deadline = time.monotonic() + (T(60) if limit is None else limit)
    saved = sock.gettimeout()
    sock.setblocking(False)
    sent = 0
    view = memoryview(data)
    last = None
    try:
        while sent < len(view) and time.monotonic() < deadline:
            try:
                sent += sock.send(view[sent:sent + (1 << 16)])
                last = None
                continue
            except BlockingIOError:
                pass
            _, w, _ = select.select([], [sock], [], quiet)
            if w:
                last = None
                continue
            now = socket_queues(sock)
            if now == last:
                break
            last = now
    finally:
        sock.settimeout(saved)
    return sent


def assert_serves(server, context, size=2048, seed=0):
    """A new client gets its echo, or AssertionError saying so in `context`
    (and whether the server process is gone, with its stderr)."""
    data = payload(size, seed=seed)
    try:
        with connect(server.addr, timeout=T(15)) as c:
            got, why = roundtrip(c, data, timeout=T(15))
    except OSError as e:
        got, why = b"", f"connect failed: {e}"
    if got != data:
        dead = "" if server.alive() else " The server process is gone."
        raise AssertionError(f"{context}: a new client was not served ({why}).{dead}\n"
                             + server.stderr_block())
