"""KV-051..053: many clients, --maxclients, --timeout; KV-032 QUIT and
KV-033 the commands client libraries send on connecting."""
import time

import pytest

from kvclient import Conn, Error, KvError, Simple, encode, repro, repro_raw, show
from osnet_harness.net import connect_many
from osnet_harness.timeouts import T


@pytest.mark.req("KV-051")
def test_1000_clients(server, key, report):
    n = 1000
    socks = connect_many(server.addr, n, timeout=T(60))
    clients = [Conn(server.addr, name=f"client {i}", sock=s) for i, s in enumerate(socks)]
    try:
        k = key("counter")
        for c in clients:
            c.send("INCR", k)
        got = [c.read_reply(T(30)) for c in clients]
        assert sorted(got) == list(range(1, n + 1)), (
            f"{n} clients connected at once, each sent INCR once: the replies are not 1..{n} "
            f"(first ones: {show(got[:10])})")
        # Each one is still served: every client reads back the final count.
        for c in clients:
            c.send("GET", k)
        for i, c in enumerate(clients):
            v = c.read_reply(T(30))
            assert v == b"%d" % n, f"client {i} of {n}: GET {show(k)} gave {show(v)}"
    finally:
        for c in clients:
            c.close()


@pytest.mark.req("KV-051")
def test_half_request_does_not_delay_others(server, conns, key, report):
    k = key()
    half = conns(server.addr, name="client with half a request")
    head = b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$9\r\nhalf" % (len(k), k)
    half.send_raw(head)
    report.repro(f"(printf '{head.decode()}'; sleep 30) | nc {server.host} {server.port} &  "
                 f"redis-cli -p {server.port} PING")
    for i in range(5):
        o = conns(server.addr, name=f"other client {i}")
        o.expect(("PING",), Simple("PONG"), "while another client has sent half a request")
        o.expect(("GET", k), None, "the half-sent SET is not applied")
    half.send_raw(b"-done\r\n")
    got = half.read_reply()
    assert got == Simple("OK"), f"the rest of the half request arrived: {show(got)}, expected +OK"
    assert conns(server.addr).call("GET", k) == b"half-done"


MAXCLIENTS = Error("ERR max number of clients reached")


@pytest.mark.req("KV-052")
def test_maxclients(start, conns, report):
    s = start("--maxclients", 3)
    report.repro(f"# started with --maxclients 3; with three clients connected:\n  "
                 f"redis-cli -p {s.port} PING   # -> (error) ERR max number of clients reached")
    # One at a time, each served before the next connects: by then the
    # server has noticed the readiness probe's connection is gone.
    inside = []
    for i in range(3):
        c = conns(s.addr, name=f"client {i + 1} of 3")
        c.expect(("PING",), Simple("PONG"), f"client {i + 1} of 3 (--maxclients 3)")
        inside.append(c)
    extra = conns(s.addr, name="client 4 of 3")
    extra.send("PING")
    got, how = extra.wait_closed(T(10))
    assert how != "open", (f"the 4th client with --maxclients 3 was not closed within "
                           f"{T(10):.0f}s (replies: {show(got)})")
    assert got == [MAXCLIENTS], (f"the 4th client with --maxclients 3 got {show(got)} before its "
                                 f"connection ended ({how}); expected exactly "
                                 f"-ERR max number of clients reached")
    for i, c in enumerate(inside):
        c.expect(("PING",), Simple("PONG"), f"client {i + 1}, connected before the refused one")
    inside.pop().close()
    deadline = time.monotonic() + T(10)
    while True:
        again = conns(s.addr, name="client after one left")
        again.send("PING")
        r = again.read_reply(T(10))
        if r == Simple("PONG"):
            break
        if r != MAXCLIENTS or time.monotonic() > deadline:
            raise KvError(f"once one of the 3 clients left, a new client got {show(r)}; "
                          f"expected +PONG")
        time.sleep(0.02)


@pytest.mark.req("KV-052")
def test_maxclients_not_counting_a_client_that_quit(start, conns, report):
    """A client that sent QUIT is gone for the server once it has its +OK,
    even if its own end of the socket stays open: it no longer counts."""
    s = start("--maxclients", 3)
    report.repro(f"# started with --maxclients 3; three clients connected, one sent QUIT, got "
                 f"+OK and keeps its socket open:\n  redis-cli -p {s.port} PING   # -> PONG")
    inside = []
    for i in range(3):
        c = conns(s.addr, name=f"client {i + 1} of 3")
        c.expect(("PING",), Simple("PONG"), f"client {i + 1} of 3 (--maxclients 3)")
        inside.append(c)
    quitter = inside[0]
    quitter.send("QUIT")
    r = quitter.read_reply(T(10))
    assert r == Simple("OK"), f"QUIT: {show(r)}, expected +OK"
    # The server's end of the connection: its last byte was +OK. Not closing
    # ours, wait for the end of the stream it sends after the reply.
    got, how = quitter.wait_closed(T(10))
    assert how != "open" and not got, (
        f"after QUIT and +OK the server did not end its side of the connection within "
        f"{T(10):.0f}s (then got {show(got)}, {how})")
    new = conns(s.addr, name="client after one sent QUIT")
    new.send("PING")
    r = new.read_reply(T(10))
    assert r == Simple("PONG"), (
        f"with --maxclients 3, after one of 3 clients sent QUIT and got +OK (its socket still "
        f"open on the client's side), a new client's PING got {show(r)}; expected +PONG: a "
        f"client that quit no longer counts")


@pytest.mark.req("KV-053")
def test_timeout(start, conns, report):
    s = start("--timeout", 1)
    report.repro(f"# started with --timeout 1\n  (printf 'PING\\r\\n'; sleep 5) | "
                 f"nc {s.host} {s.port}   # closed after a second or two")
    sub = conns(s.addr, name="subscriber")
    sub.subscribe("news")
    idle = conns(s.addr, name="idle client")
    idle.expect(("PING",), Simple("PONG"))
    t0 = time.monotonic()
    got, how = idle.wait_closed(T(15))
    assert how != "open", (f"a client idle for {T(15):.0f}s was not closed (--timeout 1)")
    assert not got, f"the idle client got {show(got)} before it was closed"
    # The subscriber has been idle as long; wait for a second client's
    # timeout too, then it has been idle well past the limit.
    idle2 = conns(s.addr, name="second idle client")
    idle2.expect(("PING",), Simple("PONG"))
    _, how2 = idle2.wait_closed(T(15))
    assert how2 != "open", "a second idle client was not closed (--timeout 1)"
    waited = time.monotonic() - t0
    pub = conns(s.addr, name="publisher")
    n = pub.call("PUBLISH", "news", "still there?")
    assert n == 1, (f"after idling about {waited:.1f}s with --timeout 1, the subscriber no longer "
                    f"counts: PUBLISH gave {show(n)}; subscribers are not subject to the timeout")
    m = sub.read_message()
    assert m == [b"message", b"news", b"still there?"], f"the subscriber got {show(m)}"


@pytest.mark.req("KV-032")
def test_quit(kv, report):
    report.repro(repro_raw(kv.addr, b"QUIT\r\nPING\r\n"))
    kv.send_raw(encode("QUIT") + encode("PING"))
    got, how = kv.wait_closed(T(10))
    assert how != "open", f"after QUIT the connection stayed open {T(10):.0f}s (got {show(got)})"
    assert got == [Simple("OK")], (f"QUIT then PING in one write: got {show(got)} before the end "
                                   f"of the connection; expected +OK alone")


def pairs(reply, what):
    if not isinstance(reply, list) or len(reply) % 2:
        raise KvError(f"{what}: {show(reply, 300)}; expected a flat array of field/value pairs")
    return dict(zip(reply[0::2], reply[1::2]))


@pytest.mark.req("KV-033")
def test_hello(kv, conns, server, report):
    report.repro(repro(kv.addr, ("HELLO",)))
    for args in (("HELLO",), ("HELLO", 2), ("hello", "2")):
        d = pairs(kv.call(*args), " ".join(map(str, args)))
        assert d.get(b"proto") == 2, (f"{' '.join(map(str, args))}: the field proto is "
                                      f"{show(d.get(b'proto'))}, expected the integer 2; "
                                      f"fields: {show(list(d), 200)}")
    kv.expect(("PING",), Simple("PONG"), "after HELLO 2 the connection speaks RESP2")
    # HELLO 3: a RESP3 map (%...) or -NOPROTO; either way not RESP2's shape.
    c3 = conns(server.addr, name="HELLO 3 client")
    c3.send_raw(encode("HELLO", 3))
    c3._recv(T(10))
    first = c3.parser.pending()
    assert first.startswith((b"%", b"-NOPROTO")), (
        f"HELLO 3: {show(first)}; expected a RESP3 map (%) or -NOPROTO")


@pytest.mark.req("KV-033")
def test_command_config_select(fresh, conns, report):
    kv = conns(fresh.addr)
    report.repro(repro(kv.addr, ("COMMAND", "COUNT"), ("CONFIG", "GET", "appendonly")))
    n = kv.call("COMMAND", "COUNT")
    assert isinstance(n, int) and n > 0, f"COMMAND COUNT: {show(n)}; expected a positive integer"
    docs = kv.call("COMMAND", "DOCS")
    assert isinstance(docs, list), f"COMMAND DOCS: {show(docs)}; expected an array"
    kv.expect(("CONFIG", "GET", "appendonly"), [b"appendonly", b"no"],
              "a server started without --appendonly")
    kv.expect(("CONFIG", "GET", "appendfsync"), [b"appendfsync", b"everysec"],
              "a server started without --appendfsync")
    got = kv.call("CONFIG", "GET", "save")
    assert isinstance(got, list) and len(got) == 2 and got[0] == b"save" and \
        isinstance(got[1], bytes), f"CONFIG GET save: {show(got)}; expected [save, <value>]"
    kv.expect(("CONFIG", "GET", "no-such-parameter"), [], "an unknown parameter")
    kv.expect(("SELECT", 0), Simple("OK"))
    kv.expect(("SELECT", 16), Error("ERR DB index is out of range"))
    kv.expect(("SELECT", "x"), Error("ERR value is not an integer or out of range"))
    kv.expect(("PING",), Simple("PONG"))
