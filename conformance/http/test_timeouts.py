"""HTTP-024, HTTP-025: a head dribbled slowly (slowloris), idle keep-alive."""
import pathlib
import sys
import threading
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import Conn, HttpError, describe, exchange, get, show  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402

HEADER_TIMEOUT = 2
IDLE_TIMEOUT = 2
# How long past the configured timeout the server may take to close: generous
# (three times the timeout), because no test here measures how fast the server
# is, only that the close happens, and long before a slow client would be
# done. Yet 2 + 6 s stays below the defaults (10 s for the head, 15 s idle),
# so a server that ignores the option and keeps its default is caught
# (unless OSNET_TIMEOUT_MULTIPLIER stretches the grace past them).
GRACE = 6
PACE = 0.2  # seconds between the dribbled bytes


class Dribbler(threading.Thread):
    """Sends a request head one byte every PACE seconds, for longer than the
    bound, noting when (and how) the server ended the connection."""

    def __init__(self, addr, seconds):
        super().__init__(daemon=True)
        self.conn = Conn(addr)
        n = int(seconds / PACE) + 50
        self.head = (b"GET /hello.txt HTTP/1.1\r\nHost: osnet.test\r\nX-Slow: "
                     + b"s" * n + b"\r\n\r\n")
        self.sent = 0
        self.closed_after = None   # seconds from the first byte to the end of the stream
        self.how = None            # 'eof', 'reset', 'send failed: ...'
        self.received = b""
        self.stop = threading.Event()

    def run(self):
        sock = self.conn.sock
        start = time.monotonic()
        sock.setblocking(False)
        try:
            while self.sent < len(self.head) and not self.stop.is_set():
                try:
                    sock.send(self.head[self.sent:self.sent + 1])
                    self.sent += 1
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError as e:
                    self.how = f"send failed: {e.strerror}"
                    break
                if self._drain():
                    break
                self.stop.wait(PACE)
        finally:
            if self.how is not None:
                self.closed_after = time.monotonic() - start
            self.conn.close()

    def _drain(self):
        """Read what the server sent; True once it ended the connection."""
        while True:
            try:
                b = self.conn.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return False
            except ConnectionResetError:
                self.how = "reset"
                return True
            if not b:
                self.how = "eof"
                return True
            self.received += b


@pytest.mark.req("HTTP-024")
def test_slow_head_is_cut_off(launcher, site, report):
    s = launcher.start(args=["--header-timeout", str(HEADER_TIMEOUT)])
    bound = HEADER_TIMEOUT + T(GRACE)
    d = Dribbler(s.addr, bound + T(10))
    d.start()
    try:
        d.join(bound + T(5))
    finally:
        d.stop.set()
        d.join(T(5))
    what = (f"started with --header-timeout {HEADER_TIMEOUT}, a client sends a request head "
            f"one byte every {PACE}s")
    if d.closed_after is None:
        raise HttpError(f"{what}: after {d.sent} bytes ({d.sent * PACE:.0f}s) the connection "
                        f"was still open; expected the server to close it soon after "
                        f"{HEADER_TIMEOUT}s (bound: {bound:.0f}s). A timeout that restarts on "
                        f"every read never expires for a slowloris client.")
    if d.received and not d.received.startswith(b"HTTP/1.1 408"):
        raise HttpError(f"{what}: before closing, the server sent {show(d.received)}; expected "
                        f"nothing, or a 408 response\n" + describe(d.head[:d.sent], "close"))
    if d.closed_after > bound:
        raise HttpError(f"{what}: the server closed the connection ({d.how}) only after "
                        f"{d.closed_after:.1f}s, {d.sent} bytes in; expected it within "
                        f"{bound:.0f}s (a server that ignores --header-timeout and keeps "
                        f"its default closes only after that default)")


@pytest.mark.req("HTTP-024")
def test_others_are_served_while_a_head_dribbles(launcher, site, report):
    # A header timeout far longer than the wait for each GET: a server that
    # serves the next client only once the slow one is cut off (one connection
    # at a time) cannot answer in time, whatever the machine's speed.
    long_timeout = int(T(120))
    s = launcher.start(args=["--header-timeout", str(long_timeout)])
    d = Dribbler(s.addr, T(60))
    d.start()
    try:
        # Wait for the slow head to start (the Dribbler sends a byte every PACE).
        started = time.monotonic() + T(10)
        while d.sent < 3 and d.is_alive() and time.monotonic() < started:
            time.sleep(0.05)
        for i in range(3):
            rq = get("/hello.txt")
            try:
                c, r = exchange(s.addr, rq, timeout=T(10))
                c.close()
            except HttpError as e:
                raise HttpError(f"started with --header-timeout {long_timeout}, while another "
                                f"client dribbles its request head a byte every {PACE}s, a "
                                f"normal GET was not answered: {e}") from None
            if r.status != 200 or r.body != site["/hello.txt"]:
                raise HttpError("while another client dribbles its head, a normal GET got:\n"
                                + r.summary())
        if not d.is_alive():
            raise HttpError(f"started with --header-timeout {long_timeout}, the server ended a "
                            f"slow client's connection ({d.how}) after {d.sent} bytes, long "
                            f"before that timeout")
    finally:
        d.stop.set()
        d.join(T(5))


@pytest.mark.req("HTTP-025")
def test_idle_keep_alive_connection_is_closed(launcher, site, report):
    s = launcher.start(args=["--idle-timeout", str(IDLE_TIMEOUT)])
    rq = get("/hello.txt")
    c, r = exchange(s.addr, rq)
    with c:
        if r.status != 200:
            raise HttpError("GET /hello.txt:\n" + r.summary())
        bound = IDLE_TIMEOUT + T(GRACE)
        start = time.monotonic()
        extra, why = c.read_eof(timeout=bound)
        took = time.monotonic() - start
    if why == "timeout":
        raise HttpError(f"started with --idle-timeout {IDLE_TIMEOUT}, a keep-alive connection "
                        f"left idle after one response was still open after {took:.0f}s "
                        f"(a server that ignores --idle-timeout and keeps its default "
                        f"closes only after that default)")
    if extra:
        raise HttpError(f"an idle keep-alive connection must be closed with no response; the "
                        f"server sent {show(extra)} before closing it")
