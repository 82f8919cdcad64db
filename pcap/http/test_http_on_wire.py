"""HTTP-021, HTTP-023, HTTP-016, HTTP-013: what the wire shows of HTTP/1.1
connections.

Each test captures the loopback with tcpdump around one connection and reads
the capture back: how many handshakes it took, which responses the server's
bytes hold, who sent the first FIN and after which byte, RSTs, and (with ss)
which side holds TIME_WAIT. The capture is kept as an artifact; open it in
Wireshark (see also pcap/golden/http-keepalive-pipelined.pcapng).
"""
import pytest

from osnet_harness.httpclient import Conn, HttpError, exchange, get, pipeline, request
from httpwire import listing, responses, stream_offset, syn_count
from osnet_harness.timeouts import T
from wire import ended_flow, start_capture, time_wait_sockets


def capture(workdir, server, name):
    return start_capture(workdir, server.host, server.port, name)

def check_responses(flow, reqs, site):
    """The server's bytes on the wire are exactly the responses to reqs, in order."""
    methods = [r.split(b" ", 1)[0].decode() for r in reqs]
    got, err, left = responses(flow, methods)
    assert err is None, (f"the server's bytes on the wire are not {len(reqs)} complete "
                         f"responses: {err}\n" + listing(flow))
    for i, (rq, r) in enumerate(zip(reqs, got)):
        target = rq.split(b" ")[1].decode()
        want = b"" if methods[i] == "HEAD" else site[target]
        assert r.status == 200 and r.body == want, (
            f"response #{i + 1} on the wire ({r.status}, {len(r.body)} body bytes) is not the "
            f"answer to request #{i + 1} ({methods[i]} {target}: 200, {len(want)} bytes)\n"
            + listing(flow))
    assert not left, (f"{len(left)} bytes on the wire from the server after the "
                      f"{len(reqs)} responses: {left[:80]!r}\n" + listing(flow))
    return got


def no_rst(flow, who=None):
    rsts = [s for s in flow.rsts() if who is None or s.src == getattr(flow, who)]
    assert not rsts, (f"RST on the wire (segment #{rsts[0].index}, from the "
                      f"{'client' if rsts[0].src == flow.client else 'server'}): an orderly "
                      f"close uses FIN\n" + listing(flow))


ONE_AT_A_TIME = ["/hello.txt", "/index.html", "/small.bin", "/sub/page.txt", "/empty.txt"]
PIPELINED = ["/sub/index.html", "/hello.txt", "/types/file.json", "/small.bin", "/index.html"]


@pytest.mark.req("HTTP-021", "HTTP-023")
def test_keepalive_and_pipelining_share_one_handshake(server, site, workdir, report):
    """Five requests one at a time, then five in one write: one SYN, one
    connection, ten responses on it, and the client (not the server) ends it."""
    singles = [get(p) for p in ONE_AT_A_TIME]
    burst = [get(p) for p in PIPELINED]
    cap = capture(workdir, server, "http-keepalive")
    report.artifact(cap.path)
    try:
        with Conn(server.addr) as c:
            port = c.sock.getsockname()[1]
            for i, rq in enumerate(singles):
                try:
                    exchange(server.addr, rq, conn=c)
                except HttpError as e:
                    raise HttpError(f"request #{i + 1}, sent after the previous response on one "
                                    f"connection: {e}") from None
            pipeline(c, burst)
            # Still open: had the server closed, the client would see EOF here.
            assert c.still_open(0.2), ("the server closed the keep-alive connection after "
                                       "10 requests none of which asked it to")
        flow = ended_flow(cap, port)
    finally:
        cap.__exit__(None, None, None)

    syns = syn_count(flow)
    assert syns == 1 and flow.handshake(), (
        f"{syns} SYNs from client port {port}: the ten requests should share one three-way "
        f"handshake at the start (HTTP-021: connections are persistent)\n" + listing(flow))
    assert flow.payload("client") == b"".join(singles + burst), (
        "the client's bytes on the wire are not the ten requests (capture incomplete?)\n"
        + listing(flow))
    # The scenario needs the five pipelined requests in one segment; on lo one
    # small write is one segment, so anything else is a problem of the test host.
    joined = b"".join(burst)
    seg = next((s for s in flow.from_client() if s.payload == joined), None)
    assert seg is not None, ("the five pipelined requests did not travel in one segment, so "
                             "this capture does not show pipelining\n" + listing(flow))
    check_responses(flow, singles + burst, site)
    no_rst(flow)
    first = flow.fins()[0]
    assert first.src == flow.client, (
        f"the server sent the first FIN (segment #{first.index}) on a keep-alive connection "
        f"the client was still using; the client closes it when it is done\n" + listing(flow))


@pytest.mark.req("HTTP-021", "HTTP-016")
def test_connection_close_server_sends_first_fin(server, site, workdir, report):
    """GET with Connection: close: the server answers, sends the first FIN right
    after the last response byte, and so holds TIME_WAIT; no RST."""
    rq = get("/hello.txt", [("Connection", "close")])
    cap = capture(workdir, server, "http-connection-close")
    report.artifact(cap.path)
    try:
        c, r = exchange(server.addr, rq)
        with c:
            port = c.sock.getsockname()[1]
            extra, why = c.read_eof(T(10))
            # The client closes only after it has seen the server's FIN (or gives up).
        flow = ended_flow(cap, port)
    finally:
        cap.__exit__(None, None, None)
    assert why == "eof" and not extra, (
        f"after answering GET with Connection: close the server should close the connection; "
        f"the client saw {why}" + (f" after {len(extra)} more bytes" if extra else "")
        + "\n" + listing(flow))
    assert flow.handshake(), "no three-way handshake at the start\n" + listing(flow)
    (resp,) = check_responses(flow, [rq], site)
    assert "close" in resp.tokens("Connection"), (
        "the response after which the server closed does not say Connection: close "
        "(HTTP-016)\n" + resp.summary())
    no_rst(flow)
    fins = flow.fins()
    first = fins[0]
    assert first.src == flow.server, (
        f"the client sent the first FIN (segment #{first.index}), but it closed only after "
        f"reading end-of-file: the server must close first after Connection: close\n"
        + listing(flow))
    total = len(flow.payload("server"))
    at = stream_offset(flow, first)
    assert at == total, (f"the server's FIN (segment #{first.index}) sits after {at} bytes of "
                         f"its stream, not after the whole response ({total} bytes)\n"
                         + listing(flow))
    tw_server = time_wait_sockets(local_port=server.port, remote_port=port)
    tw_client = time_wait_sockets(local_port=port, remote_port=server.port)
    assert tw_server, (f"no TIME_WAIT with the server's port {server.port} as local address "
                       f"although the server sent the first FIN; ss shows on the client's "
                       f"side: {tw_client}")
    assert not tw_client, f"TIME_WAIT on the client's side too: {tw_client}"


BAD = b"GET /hello.txt HTTP/1.1 extra\r\nHost: osnet.test\r\n\r\n"
# A request after the refused one, in the same write: the server never answers it
# (HTTP-013), and must not let it turn its close into an RST (RFC 9112 §9.6).
# Its body (256 KiB) is more than any server reads in one go, so input is
# still unread when the server decides to close.
AFTER = request("POST", "/hello.txt", body=b"b" * (256 * 1024))


@pytest.mark.req("HTTP-013")
@pytest.mark.parametrize("more", [False, True], ids=["alone", "with-request-behind"])
def test_refusal_ends_with_fin_after_the_whole_response(server, workdir, report, more):
    """A malformed request line gets a 400; the client receives all of it, then
    the server's FIN, and no RST while the client sends nothing more (with a
    request behind the bad one in the same write, only a lingering close, a
    FIN first while the server reads and drops the rest, avoids the RST)."""
    data = BAD + (AFTER if more else b"")
    cap = capture(workdir, server, "http-refusal-" + ("more" if more else "alone"))
    report.artifact(cap.path)
    try:
        with Conn(server.addr) as c:
            port = c.sock.getsockname()[1]
            try:
                c.send(data)
                r = c.read_response("GET")
            except (HttpError, OSError) as e:
                r = e  # the capture says why (an RST, most likely)
            extra, why = c.read_eof(T(10))
        flow = ended_flow(cap, port)
    finally:
        cap.__exit__(None, None, None)
    rsts = flow.rsts()
    assert not rsts, (
        f"RST from the {'server' if rsts[0].src == flow.server else 'client'} (segment "
        f"#{rsts[0].index}) although the client sent nothing after its request: a server "
        f"that closes a socket with unread input sends an RST instead of a FIN, and the "
        f"client's kernel may throw away the response; it should shut down its sending side "
        f"first and read and drop the rest (a lingering close, RFC 9112 §9.6)\n"
        + listing(flow))
    if isinstance(r, Exception):
        raise HttpError(f"no complete response to a malformed request line: {r}\n"
                        + listing(flow))
    assert r.status == 400, f"status {r.status} for a malformed request line, expected 400\n" \
        + r.summary()
    assert why == "eof" and not extra, (
        f"after the 400 the client saw {why}"
        + (f" after {len(extra)} more bytes: {extra[:80]!r}" if extra else "")
        + ": the server should close with a FIN and answer nothing more\n" + listing(flow))
    assert flow.payload("client") == data, ("the client's bytes on the wire are not what it "
                                            "sent\n" + listing(flow))
    got, err, left = responses(flow, ["GET"])
    assert err is None and not left, (f"the server's bytes on the wire are not exactly one "
                                      f"response: {err or f'{len(left)} bytes after it'}\n"
                                      + listing(flow))
    first = flow.fins()[0]
    assert first.src == flow.server, (f"the client sent the first FIN (segment #{first.index}),"
                                      f" but it waited for end-of-file\n" + listing(flow))
    total = len(flow.payload("server"))
    at = stream_offset(flow, first)
    assert at == total, (f"the server's FIN (segment #{first.index}) sits after {at} bytes of "
                         f"its stream, not after the whole {total}-byte response\n"
                         + listing(flow))
