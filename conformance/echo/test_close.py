"""ECHO-010..012: half-close, the server's close, abrupt disconnects."""
import socket

import pytest

from osnet_harness.net import (assert_serves, connect, expect_bytes, fill_pipeline, payload,
                               preview, recv_exact, recv_until_eof, repro_nc, rst_close)
from osnet_harness.timeouts import T


@pytest.mark.req("ECHO-010")
@pytest.mark.parametrize("size", [96 << 10, 64 << 20])
def test_half_close_returns_pending_bytes(server, size):
    """The client sends without reading until the whole path to the server and
    back is full (or `size` is sent), then shuts down its sending side, and
    only then reads. The server holds echo bytes when the FIN reaches it; all
    of them must still come back."""
    data = payload(size, seed=size)
    with connect(server.addr, rcvbuf=4096) as c:
        n = fill_pipeline(c, data)
        c.shutdown(socket.SHUT_WR)
        got, why = recv_exact(c, n, T(60), idle=T(10))
    expect_bytes(data[:n], got, why,
                 what=f"echo of the {n} bytes sent before the client shut down its sending side "
                      f"(half-close)",
                 repro=f"head -c {n} /dev/urandom > /tmp/in; "
                       f"nc -N {server.host} {server.port} < /tmp/in > /tmp/out; cmp /tmp/in /tmp/out")


@pytest.mark.req("ECHO-011")
def test_server_closes_after_client_eof(server):
    data = b"last words\n"
    with connect(server.addr) as c:
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)
        got, why = recv_until_eof(c, T(10))
    if why != "eof":
        what = {"timeout": f"the connection was still open {T(10):.0f}s after the client's FIN",
                "reset": "the connection was reset (RST) instead of closed (FIN)",
                "limit": f"{len(got)} bytes came back for {len(data)} sent, and still no "
                         f"end-of-file"}.get(why, why)
        raise AssertionError(f"after echoing, the server must close its side: {what}; "
                             f"received {preview(got)}\nreproduce by hand:\n  "
                             + repro_nc(server.addr, data) + "   # must return")
    expect_bytes(data, got, "eof", what="bytes before end-of-file")


@pytest.mark.req("ECHO-012")
@pytest.mark.parametrize("scenario", ["rst-while-server-writes", "close-with-unread-echo",
                                      "rst-right-after-connect", "rst-after-half-close"])
def test_abrupt_disconnect(server, scenario):
    for rnd in range(3):
        c = connect(server.addr, rcvbuf=8192)
        # Everything happens on this thread: a close() from another thread
        # while one is blocked in send() would only drop the descriptor, and
        # no RST would go out.
        if scenario == "rst-while-server-writes":
            fill_pipeline(c, payload(8 << 20, seed=rnd))  # the server is stuck writing to us
            rst_close(c)
        elif scenario == "close-with-unread-echo":
            fill_pipeline(c, payload(200000, seed=rnd))
            recv_exact(c, 1000)
            c.close()  # unread data in the receive queue: the kernel sends RST
        elif scenario == "rst-right-after-connect":
            rst_close(c)
        else:
            fill_pipeline(c, payload(8 << 20, seed=rnd))
            c.shutdown(socket.SHUT_WR)
            rst_close(c)
        assert_serves(server, f"after a client disconnected abruptly ({scenario}, round {rnd + 1})",
                      seed=rnd)
    if not server.alive():
        raise AssertionError("the server process died\n" + server.stderr_block())
