"""HTTPS-014: on the wire, an HTTPS exchange is TLS records and nothing else.

tcpdump on lo around one request/response over TLS 1.3 and over TLS 1.2,
then the capture is read back: the TCP handshake, the ClientHello and
ServerHello in handshake records, application_data records both ways, every
byte of both directions parsing as well-formed records, and none of the
plaintext (the request line, the unique path, the response's status line and
the file's bytes) in any TCP payload. The capture is kept as an artifact;
open it in Wireshark.
"""
import secrets

import pytest

from https.tlsclient import (TLS12, TLS13, VNAME, client_context, expect_file, request,
                             tls_connect)
from https.tlswire import (APPLICATION_DATA, CLIENT_HELLO, SERVER_HELLO, describe, is_hello,
                           records)
from wire import start_capture


def capture(workdir, server, name):
    return start_capture(workdir, server.host, server.port, name)

def exchange(server, certs, version, path, body):
    """One GET over TLS with Connection: close. Returns (client port, what
    went wrong for the client or None): the wire is checked either way."""
    ctx = client_context(certs, version=version, alpn=["http/1.1"])
    port = None
    try:
        with tls_connect(server.addr, ctx, what=f"a {VNAME[version]} client") as c:
            port = c.sock.getsockname()[1]
            c.send(request(path, headers=[("Connection", "close")]))
            expect_file(c.read_response(), body, f"GET {path} over {VNAME[version]}")
            c.read_until_closed()
    except AssertionError as e:
        return port, e
    return port, None


@pytest.mark.req("HTTPS-014")
@pytest.mark.parametrize("version", [TLS13, TLS12], ids=["tls1.3", "tls1.2"])
def test_only_tls_records_on_the_wire(server, certs, docroot, workdir, report, version):
    tag = secrets.token_hex(8)
    path = f"/osnet-wire-{tag}.txt"
    # A body that spans several records and is unmistakable in plaintext.
    body = (f"osnet wire secret {tag}\n" * 2000).encode()
    (docroot / path.lstrip("/")).write_bytes(body)
    cap = capture(workdir, server, f"https-{VNAME[version].replace(' ', '')}")
    report.artifact(cap.path)
    try:
        port, client_error = exchange(server, certs, version, path, body)
        if port is None:
            raise client_error
        flows = cap.wait_for(lambda fs: any(f.client[1] == port and (f.closed_by_both() or f.rsts())
                                            for f in fs),
                             what="the end of the TLS connection (both FINs, or an RST)")
    finally:
        cap.__exit__(None, None, None)
    flow = next(f for f in flows if f.client[1] == port)
    assert flow.handshake(), "no TCP three-way handshake at the start\n" + flow.describe()

    # The plaintext never crosses the wire, in any segment or across two.
    markers = [b"GET /", path.encode(), b"HTTP/1.1", f"osnet wire secret {tag}".encode()]
    for side in ("client", "server"):
        stream = flow.payload(side)
        sent = flow.from_client() if side == "client" else flow.from_server()
        for m in markers:
            seg = next((s for s in sent if m in s.payload), None)
            assert m not in stream and seg is None, (
                f"{m!r} is in the clear in what the {side} sent"
                + (f" (segment #{seg.index})" if seg else "") + ": it should only travel "
                f"inside TLS application_data records\n{flow.describe()}")

    recs = {}
    for side in ("client", "server"):
        rs, rest, err = records(flow, side)
        recs[side] = rs
        assert err is None, (f"what the {side} sent is not a sequence of TLS records: {err}\n"
                             f"records before it:\n{describe(rs)}")
        assert not rest, (f"the {side}'s bytes end with {len(rest)} bytes of an incomplete "
                          f"record\n{describe(rs)}")
    c, s = recs["client"], recs["server"]
    assert c and is_hello(c[0], CLIENT_HELLO), (
        "the client's first record is not a ClientHello (handshake record, type 22)\n" + describe(c))
    assert s and is_hello(s[0], SERVER_HELLO), (
        "the server's first record is not a ServerHello (handshake record, type 22): the server "
        "must answer the ClientHello before anything else\n" + describe(s))
    for side, rs in (("client", c), ("server", s)):
        assert any(r.ctype == APPLICATION_DATA for r in rs), (
            f"no application_data record (type 23) from the {side}: the request and response "
            f"travel in those\n" + describe(rs))
    if client_error is not None:
        raise client_error
