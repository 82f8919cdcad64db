"""PROXY-035, PROXY-049, PROXY-050: clients reset (RST) in the middle of a
large upload."""
import time

import pytest

from osnet_harness.httpclient import Conn, request
from osnet_harness.timeouts import T
from proxyfaults import (answered_by, dead_note, describe_fds, expect_no_fd_leak, fd_count,
                         pattern, rst)

TOTAL = 64 << 20   # the upload the client announces
SENT = 1 << 20     # what it sends of it before the reset
PIECE = 64 << 10   # chunk size of the chunked uploads
EPISODES = 6       # PROXY-049: six resets
SLACK = 3          # PROXY-049: idle pooled upstream connections
FRAMINGS = [False, True]
IDS = ["content-length", "chunked"]


def upload_head(target, chunked):
    fields = [("Content-Type", "application/octet-stream")]
    fields.append(("Transfer-Encoding", "chunked") if chunked else ("Content-Length", str(TOTAL)))
    return request("POST", target, fields)


def upload_start(chunked):
    """The first SENT bytes of the body as they go on the wire."""
    data = pattern(0, SENT)
    if not chunked:
        return data
    return b"".join(b"%x\r\n" % PIECE + data[i:i + PIECE] + b"\r\n"
                    for i in range(0, SENT, PIECE))


def arrived(origin, target, timeout):
    """The origin's record of the request for target, once its head came."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for rec in list(origin.requests):
            if rec.target == target:
                return rec
        time.sleep(0.02)
    return None


def reset_mid_upload(s, origin, target, chunked, what):
    """A client sends the head of a 64 MiB upload and its first MiB, waits
    until the origin has the request (and, if the proxy streams, its first
    body bytes), then resets. Returns the origin's record of the request."""
    c = Conn(s.addr, timeout=T(10))
    try:
        c.send(upload_head(target, chunked))
        c.send(upload_start(chunked))
        rec = arrived(origin, target, T(15))
        if rec is None:
            raise AssertionError(f"{what}: the head of POST {target} never reached the origin "
                                 f"(the client sent it and {SENT} body bytes).{dead_note(s)}\n"
                                 + s.stderr_block())
        # A proxy that streams has begun the body; one that does not (against
        # PROXY-020) is reset with the upload in its hands, which is fine here.
        rec.body_started.wait(T(5))
    finally:
        rst(c)
    return rec


def answered(s, origin, what):
    answered_by(s, origin, request("POST", "/echo?after", [("Connection", "close")],
                                   body=b"after"), what)


@pytest.mark.req("PROXY-035")
@pytest.mark.parametrize("chunked", FRAMINGS, ids=IDS)
def test_upload_reset_closes_the_upstream(server, origin, chunked):
    """Expectation: a client announces a 64 MiB upload (Content-Length, or
    chunked), sends 1 MiB of it and resets (SO_LINGER 0: RST). The origin,
    which has the request head and is reading the body, sees its connection
    end; the proxy keeps running and answers the next client. Twice."""
    framing = "chunked" if chunked else "Content-Length"
    for ep in range(1, 3):
        what = f"reset {ep} of 2 in the middle of a {framing} upload"
        rec = reset_mid_upload(server, origin, f"/echo?upload={ep}", chunked, what)
        if not origin.wait_conn_closed(rec.conn, T(10)):
            raise AssertionError(f"{what}: {T(10):.0f}s after the client reset, the origin's "
                                 f"connection (which had the request and {rec.body_length} body "
                                 f"bytes) is still open: the proxy must close the upstream "
                                 f"connection of an exchange whose client is gone."
                                 f"{dead_note(server)}")
        answered(server, origin, what)
    assert server.alive(), "the proxy exited after clients reset uploads\n" + server.stderr_block()


@pytest.mark.req("PROXY-050")
@pytest.mark.parametrize("chunked", FRAMINGS, ids=IDS)
def test_upload_reset_never_completes_the_request(server, origin, chunked):
    """Expectation: as above, a client resets 1 MiB into a 64 MiB upload.
    Whatever else the proxy does, the origin never reads a complete request
    body: not the announced 64 MiB (bytes made up), nor a last chunk after
    the bytes that came (a truncated upload that looks whole). Its reading
    ends when the upstream connection ends (or is still waiting after 10 s,
    which PROXY-035 is about). Twice."""
    framing = "chunked" if chunked else "Content-Length"
    for ep in range(1, 3):
        what = f"reset {ep} of 2 in the middle of a {framing} upload"
        rec = reset_mid_upload(server, origin, f"/echo?cut={ep}", chunked, what)
        rec.finished.wait(T(10))
        if rec.complete:
            raise AssertionError(
                f"{what}: the client sent {SENT} of its body bytes and reset, yet the origin "
                f"read a complete request body of {rec.body_length} bytes"
                + (" (a last chunk the client never sent)" if chunked else "")
                + ": a cut upload must reach the origin as a cut one")
        if rec.body_length > SENT or rec.body != pattern(0, len(rec.body)):
            raise AssertionError(f"{what}: the origin received {rec.body_length} body bytes, "
                                 f"not a prefix of the {SENT} the client sent")
        answered(server, origin, what)


@pytest.mark.req("PROXY-049")
def test_upload_resets_leak_no_descriptors(server, origin):
    """Expectation: after a first exchange (its upstream connection may stay
    pooled), the proxy's descriptors are counted in /proc over every process
    of its group. Then six clients, one after another, reset 1 MiB into a
    64 MiB upload (Content-Length and chunked in turn), each followed by a
    new client's request. Afterwards the proxy holds at most 3 descriptors
    more than at first (idle pooled upstream connections): both connections
    of every cut exchange are closed."""
    answered(server, origin, "before the fault")
    base = fd_count(server)
    before = describe_fds(server)
    for ep in range(EPISODES):
        what = f"reset {ep + 1} of {EPISODES}"
        rec = reset_mid_upload(server, origin, f"/echo?leak={ep}", ep % 2 == 1, what)
        origin.wait_conn_closed(rec.conn, T(10))
        answered(server, origin, what)
    expect_no_fd_leak(server, base, before, SLACK,
                      f"after {EPISODES} clients reset in the middle of an upload and the proxy "
                      f"answered again")
