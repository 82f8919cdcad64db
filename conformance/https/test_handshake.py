"""HTTPS-007..009: handshakes that stall or fail, and plain HTTP on the TLS port."""
import random
import socket
import time

import pytest

from osnet_harness.net import connect, rst_close
from osnet_harness.timeouts import T
from https.tlsclient import (ALERT, ALERTS, TLS13, TLSFailure, assert_serves, client_context,
                             client_hello_bytes, parse_records, tls_connect)

PLAIN_REQUEST = b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: osnet-https\r\n\r\n"


def read_to_end(sock, deadline):
    """Read until the server ends the connection. Returns (bytes, how, when):
    how is 'eof', 'reset' or 'open' (still open at the deadline)."""
    data = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return data, "open", time.monotonic()
        sock.settimeout(left)
        try:
            b = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return data, "reset", time.monotonic()
        if not b:
            return data, "eof", time.monotonic()
        data += b


def describe_reply(data):
    if not data:
        return "nothing"
    recs, _, err = parse_records(data)
    if not err and recs and all(r[0] == ALERT for r in recs):
        return "alert " + ", ".join(ALERTS.get(r[2][1], str(r[2][1])) for r in recs if len(r[2]) > 1)
    return f"{len(data)} bytes: {data[:120]!r}"


@pytest.mark.req("HTTPS-007")
def test_stalled_handshakes_dropped(launcher, certs, report):
    timeout = 2
    s = launcher.start(args=["--handshake-timeout", str(timeout)])
    report.repro(f"nc {s.host} {s.port}   # send nothing: the server must close within "
                 f"about {timeout} s")
    hello = client_hello_bytes(client_context(certs, version=TLS13))
    t0 = time.monotonic()
    silent = connect(s.addr)
    partial = connect(s.addr)
    try:
        partial.sendall(hello[:40])  # a record header and part of a ClientHello, then nothing
        # Stalled handshakes hold nothing up: another client is served meanwhile.
        assert_serves(s, certs, "two clients started a handshake and stalled")
        # A generous grace (three times the timeout), yet 2 + 6 s is short of
        # the default of 10 s: a server that ignores --handshake-timeout fails.
        deadline = t0 + timeout + T(6)
        for sock, what in ((silent, "a client that connected and sent nothing"),
                           (partial, "a client that sent 40 bytes of a ClientHello and stopped")):
            data, how, when = read_to_end(sock, deadline)
            assert how != "open", (
                f"{what}: the connection was still open {when - t0:.1f} s after it was "
                f"accepted, with --handshake-timeout {timeout} (the server sent "
                f"{describe_reply(data)})")
    finally:
        silent.close()
        partial.close()


def plaintext_exchange(server, request=PLAIN_REQUEST):
    with connect(server.addr, timeout=T(5)) as c:
        c.sendall(request)
        return read_to_end(c, time.monotonic() + T(5))


@pytest.mark.req("HTTPS-008")
def test_plaintext_request_closed(server, certs, report):
    report.repro(f"printf 'GET / HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n' | nc {server.host} "
                 f"{server.port} | od -c | head")
    data, how, _ = plaintext_exchange(server)
    assert how != "open", (f"plain HTTP sent to the TLS port: the connection was still open "
                           f"after {T(5):.0f} s (the server sent {describe_reply(data)})")
    assert_serves(server, certs, "a plain HTTP request on the TLS port")


@pytest.mark.req("HTTPS-008")
def test_garbage_closed(server, certs, report):
    # A handshake record whose message is nonsense: type 255, a length that
    # does not fit. Then random bytes on another connection, the first one
    # made an invalid record type (1): bytes that happened to look like a
    # record header announcing 16 KiB would make the server wait for the
    # rest, and only the handshake timeout would end that.
    bad_record = b"\x16\x03\x01\x00\x05" + b"\xff\x00\x00\x09\x00"
    junk = b"\x01" + random.Random(8).randbytes(2047)
    for what, data in (("a malformed handshake record", bad_record),
                       ("2048 random bytes", junk)):
        with connect(server.addr, timeout=T(5)) as c:
            c.sendall(data)
            got, how, _ = read_to_end(c, time.monotonic() + T(5))
        assert how != "open", (f"{what} instead of a ClientHello: the connection was still open "
                               f"after {T(5):.0f} s (the server sent {describe_reply(got)})")
        assert_serves(server, certs, what)


@pytest.mark.req("HTTPS-008")
def test_reset_in_mid_handshake(server, certs, report):
    hello = client_hello_bytes(client_context(certs, version=TLS13))
    for i in range(5):
        c = connect(server.addr)
        c.sendall(hello)
        c.settimeout(T(5))
        try:
            c.recv(5)  # the server is in the middle of its handshake
        except OSError:
            pass
        rst_close(c)
    assert_serves(server, certs, "5 clients that reset in the middle of the handshake")


@pytest.mark.req("HTTPS-008")
def test_client_rejects_certificate(server, certs, report):
    ctx = client_context(certs)
    for i in range(3):
        try:
            tls_connect(server.addr, ctx, hostname="other.invalid").close()
        except TLSFailure:
            pass  # expected: the certificate is not for other.invalid; the client aborts
    assert_serves(server, certs, "3 clients that rejected the certificate and aborted")


@pytest.mark.req("HTTPS-009")
@pytest.mark.parametrize("request_bytes", [
    PLAIN_REQUEST,
    b"GET /hello.txt HTTP/1.0\r\n\r\n",
    b"HEAD / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
], ids=["get-1.1", "get-1.0", "head-close"])
def test_no_plaintext_response(server, report, request_bytes):
    shown = request_bytes.decode().replace("\r", "\\r").replace("\n", "\\n")
    report.repro(f"printf '{shown}' | nc {server.host} {server.port} | od -c | head")
    data, how, _ = plaintext_exchange(server, request_bytes)
    assert b"HTTP/" not in data, (
        f"plain HTTP sent to the TLS port got a plaintext HTTP response ({how} after it): "
        f"{data[:300]!r}")
