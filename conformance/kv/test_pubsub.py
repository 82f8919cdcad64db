"""KV-060..067: SUBSCRIBE, PUBLISH, patterns, subscribed mode, and
subscribers that do not read or go away."""
import time

import pytest

from kvclient import Conn, Error, KvError, Simple, encode, repro, repro_raw, resp, show
from osnet_harness.timeouts import T


@pytest.mark.req("KV-060")
def test_subscribe_replies(kv, key, report):
    a, b = key("a"), key("b")
    report.repro(repro(kv.addr, ("SUBSCRIBE", a, b)))
    kv.send("SUBSCRIBE", a, b)
    raw = kv.read_raw(2)
    want = resp([b"subscribe", a, 1]) + resp([b"subscribe", b, 2])
    assert raw == want, f"SUBSCRIBE a b: {show(raw)}, expected {show(want)}"
    kv.send("SUBSCRIBE", a, key("c"))
    got = kv.read_replies(2)
    assert got == [[b"subscribe", a, 2], [b"subscribe", key("c"), 3]], (
        f"SUBSCRIBE of a channel already subscribed and a new one: {show(got)}; the count is "
        f"the number of distinct subscriptions")


@pytest.mark.req("KV-061")
def test_publish_delivers_in_order(server, conns, key, report):
    ch = key("ch")
    subs = [conns(server.addr, name=f"subscriber {i}") for i in range(2)]
    for s in subs:
        s.subscribe(ch)
    other = conns(server.addr, name="subscriber of another channel")
    other.subscribe(key("other"))
    pub = conns(server.addr, name="publisher")
    report.repro(f"redis-cli -p {server.port} SUBSCRIBE {ch.decode()} &  "
                 + repro(pub.addr, ("PUBLISH", ch, "hello")))
    n = pub.call("PUBLISH", ch, "hello")
    assert n == 2, f"PUBLISH to a channel with 2 subscribers replied {show(n)}"
    for s in subs:
        raw = s.read_raw(1)
        want = resp([b"message", ch, b"hello"])
        assert raw == want, f"{s.name} received {show(raw)}, expected {show(want)}"
    msgs = [b"%d:" % i + bytes(range(256)) + b"\r\n" for i in range(300)]
    replies = pub.pipeline([("PUBLISH", ch, m) for m in msgs])
    assert replies == [2] * len(msgs), f"300 PUBLISH replies: {show(replies)}"
    for s in subs:
        got = s.read_replies(len(msgs), what="messages")
        for i, (g, m) in enumerate(zip(got, msgs)):
            if g != [b"message", ch, m]:
                raise KvError(f"{s.name}: message {i} of 300 is {show(g)}, expected "
                              f"[message, ch, {show(m, 40)}] (binary, in publish order)")
    assert pub.call("PUBLISH", key("nobody"), "x") == 0, "PUBLISH to a channel nobody listens to"
    # The subscriber of another channel got nothing: its next reply is PING's.
    other.send("PING")
    got = other.read_reply()
    assert got == [b"pong", b""], f"a subscriber of another channel received {show(got)}"


@pytest.mark.req("KV-062")
def test_psubscribe(server, conns, key, report):
    base = key("news")
    pat = base + b".*"
    s = conns(server.addr, name="pattern subscriber")
    report.repro(repro(s.addr, ("PSUBSCRIBE", pat)))
    s.send("PSUBSCRIBE", pat, base + b".[ab]?")
    got = s.read_replies(2)
    assert got == [[b"psubscribe", pat, 1], [b"psubscribe", base + b".[ab]?", 2]], (
        f"PSUBSCRIBE of two patterns: {show(got)}")
    pub = conns(server.addr, name="publisher")
    n = pub.call("PUBLISH", base + b".art", "m1")
    assert n == 1, f"PUBLISH to a channel matching one pattern: {show(n)}"
    m = s.read_message()
    assert m == [b"pmessage", pat, base + b".art", b"m1"], f"pattern message: {show(m)}"
    n = pub.call("PUBLISH", base + b".ax", "m2")
    assert n == 2, f"PUBLISH to a channel matching both patterns: {show(n)}, expected 2"
    got = s.read_replies(2)
    want = [[b"pmessage", pat, base + b".ax", b"m2"], [b"pmessage", base + b".[ab]?",
                                                        base + b".ax", b"m2"]]
    assert sorted(got) == sorted(want), f"a message matching two patterns: {show(got)}"
    assert pub.call("PUBLISH", base + b"-x", "m3") == 0, "a channel matching no pattern"
    # A channel subscription and a matching pattern on one client: two deliveries.
    both = conns(server.addr, name="channel and pattern subscriber")
    ch = base + b".both"
    both.subscribe(ch)
    both.send("PSUBSCRIBE", pat)
    assert both.read_reply() == [b"psubscribe", pat, 2], "count of channels and patterns"
    n = pub.call("PUBLISH", ch, "twice")
    assert n == 3, (f"PUBLISH to a channel one client subscribes to by name and by pattern, and "
                    f"another by pattern: {show(n)}, expected 3")
    got = both.read_replies(2)
    assert sorted(got) == sorted([[b"message", ch, b"twice"],
                                  [b"pmessage", pat, ch, b"twice"]]), (
        f"the client subscribed to the channel and to a pattern matching it: {show(got)}")


UNSUB_NONE = b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"
PUNSUB_NONE = b"*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n"


@pytest.mark.req("KV-063")
def test_unsubscribe(kv, key, report):
    a, b, c = key("a"), key("b"), key("c")
    p = key("p") + b"*"
    report.repro(repro(kv.addr, ("UNSUBSCRIBE",)))
    kv.send("UNSUBSCRIBE")
    raw = kv.read_raw(1)
    assert raw == UNSUB_NONE, f"UNSUBSCRIBE with nothing subscribed: {show(raw)}"
    kv.send("PUNSUBSCRIBE")
    raw = kv.read_raw(1)
    assert raw == PUNSUB_NONE, f"PUNSUBSCRIBE with nothing subscribed: {show(raw)}"
    kv.expect(("PING",), Simple("PONG"), "not in subscribed mode")
    kv.subscribe(a, b, c)
    kv.send("PSUBSCRIBE", p)
    assert kv.read_reply() == [b"psubscribe", p, 4]
    kv.send("UNSUBSCRIBE", b)
    got = kv.read_reply()
    assert got == [b"unsubscribe", b, 3], f"UNSUBSCRIBE b: {show(got)}"
    kv.send("UNSUBSCRIBE")
    got = kv.read_replies(2)
    assert all(g[0] == b"unsubscribe" for g in got) and {g[1] for g in got} == {a, c} and \
        [g[2] for g in got] == [2, 1], (
        f"UNSUBSCRIBE without arguments, subscribed to a, c and one pattern: {show(got)}; "
        f"expected [unsubscribe, a|c, 2] then [unsubscribe, c|a, 1]")
    kv.send("GET", a)
    got = kv.read_reply()
    assert isinstance(got, Error) and "only (P|S)SUBSCRIBE" in got.text, (
        f"still subscribed to a pattern, GET is not allowed: {show(got)}")
    kv.send("PUNSUBSCRIBE", p)
    got = kv.read_reply()
    assert got == [b"punsubscribe", p, 0], f"PUNSUBSCRIBE of the last pattern: {show(got)}"
    kv.expect(("SET", a, "v"), Simple("OK"), "the count reached 0: out of subscribed mode")
    kv.expect(("GET", a), b"v")
    kv.expect(("PING",), Simple("PONG"), "PING out of subscribed mode is +PONG again")


@pytest.mark.req("KV-063")
def test_punsubscribe_all(kv, key, report):
    p1, p2 = key("x") + b"*", key("y") + b"?"
    kv.subscribe(p1, p2, pattern=True)
    kv.send("PUNSUBSCRIBE")
    got = kv.read_replies(2)
    assert {g[1] for g in got} == {p1, p2} and [g[2] for g in got] == [1, 0] and \
        all(g[0] == b"punsubscribe" for g in got), f"PUNSUBSCRIBE without arguments: {show(got)}"
    kv.expect(("PING",), Simple("PONG"), "out of subscribed mode")


NOT_ALLOWED = ("ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
               "RESET are allowed in this context")


@pytest.mark.req("KV-064")
def test_subscribed_mode(kv, key, report):
    ch = key("ch")
    kv.subscribe(ch)
    report.repro(repro_raw(kv.addr, encode("SUBSCRIBE", ch) + encode("GET", "k")
                           + encode("PING")))
    kv.expect(("GET", "k"), Error(NOT_ALLOWED.format("get")), "GET in subscribed mode")
    kv.expect(("SeT", "k", "v"), Error(NOT_ALLOWED.format("set")),
              "SeT in subscribed mode (the name in lower case in the error)")
    kv.expect(("PING",), [b"pong", b""], "PING in subscribed mode")
    kv.expect(("PING", "hi"), [b"pong", b"hi"], "PING hi in subscribed mode")
    with Conn(kv.addr) as o:
        o.expect(("EXISTS", "k"), 0, "the refused SET was not run")
    kv.send("QUIT")
    got, how = kv.wait_closed(T(10))
    assert got == [Simple("OK")] and how != "open", (
        f"QUIT in subscribed mode: {show(got)} then {how}; expected +OK and the end")


class NonReader:
    """A subscriber with a 4 KiB receive buffer that never reads."""

    def __init__(self, conns, addr, ch):
        self.c = conns(addr, name="subscriber that never reads", rcvbuf=4096)
        self.c.subscribe(ch)


@pytest.mark.req("KV-065")
def test_non_reader_does_not_delay_publish(start, conns, key, report):
    """--pubsub-limit 0 (no limit): 16 MiB of messages pile up for a
    subscriber that reads nothing; every PUBLISH must still be answered and
    the subscriber that reads must get every message, in order."""
    s = start("--pubsub-limit", 0)
    ch = key("ch")
    stuck = NonReader(conns, s.addr, ch)
    reader = conns(s.addr, name="subscriber that reads")
    reader.subscribe(ch)
    pub = conns(s.addr, name="publisher")
    report.repro(f"# a subscriber that never reads (4 KiB receive buffer), then 256 x "
                 f"PUBLISH of 64 KiB from redis-cli -p {s.port}")
    body = b"m" * 65536
    for i in range(256):
        msg = b"%06d" % i + body
        pub.send("PUBLISH", ch, msg)
        n = pub.read_reply(T(10), what=f"the reply to PUBLISH {i + 1} of 256 (64 KiB each)")
        assert n == 2, f"PUBLISH {i + 1}: {show(n)}, expected 2 (both subscribers)"
        m = reader.read_message(T(10))
        assert m == [b"message", ch, msg], (
            f"the subscriber that reads: message {i + 1} is {show(m)}, expected message "
            f"{i + 1} of 64 KiB, while the other subscriber reads nothing")
    assert stuck.c.eof is None


@pytest.mark.req("KV-066")
def test_pubsub_limit_disconnects(start, conns, key, report):
    s = start("--pubsub-limit", "1m")
    ch = key("ch")
    stuck = NonReader(conns, s.addr, ch)
    reader = conns(s.addr, name="subscriber that reads")
    reader.subscribe(ch)
    pub = conns(s.addr, name="publisher")
    report.repro("# started with --pubsub-limit 1m; a subscriber that never reads, then "
                 "PUBLISH of 64 KiB messages until PUBLISH replies 1")
    body = b"m" * 65536
    sent, dropped_at = 0, None
    limit = 1024    # 64 MiB: far past 1 MiB plus any socket buffers
    for i in range(limit):
        pub.send("PUBLISH", ch, body)
        n = pub.read_reply(T(10), what=f"the reply to PUBLISH {i + 1} (64 KiB)")
        reader.read_message(T(10))
        sent += 1
        if n == 1:
            dropped_at = i
            break
        assert n == 2, f"PUBLISH {i + 1}: {show(n)}, expected 2 or (once it is dropped) 1"
    assert dropped_at is not None, (
        f"a subscriber that reads nothing was not disconnected after {sent} messages of 64 KiB "
        f"({sent // 16} MiB) with --pubsub-limit 1m: PUBLISH still counts it")
    for i in range(3):
        n = pub.call("PUBLISH", ch, "after")
        assert n == 1, f"PUBLISH after the subscriber was dropped: {show(n)}, expected 1"
    total, how = stuck.c.drain(T(15))
    assert how in ("eof", "reset"), (
        f"the dropped subscriber's connection did not end: read {total} bytes, then it stayed "
        f"open {T(15):.0f}s")


DONE = {"close": "closed", "reset": "reset"}


@pytest.mark.req("KV-067")
@pytest.mark.parametrize("how", ["close", "reset"])
def test_gone_subscriber_forgotten(server, conns, key, how, report):
    ch = key("ch")
    pat = key("p") + b"*"
    a = conns(server.addr, name="staying subscriber")
    a.subscribe(ch)
    b = conns(server.addr, name="leaving subscriber")
    b.subscribe(ch)
    b.send("PSUBSCRIBE", pat)
    b.read_reply()
    pub = conns(server.addr, name="publisher")
    assert pub.call("PUBLISH", ch, "x") == 2
    b.reset() if how == "reset" else b.close()
    deadline = time.monotonic() + T(10)
    ys = 0
    while True:
        n = pub.call("PUBLISH", ch, "y")
        ys += 1
        if n == 1:
            break
        assert n == 2 and time.monotonic() < deadline, (
            f"a subscriber {DONE[how]} its connection: PUBLISH still replies {show(n)} "
            f"{T(10):.0f}s later; expected 1")
        time.sleep(0.01)
    for _ in range(3):
        assert pub.call("PUBLISH", ch, "y") == 1
    ys += 3
    assert pub.call("PUBLISH", pat[:-1] + b"zz", "z") == 0, (
        "the pattern of the subscriber that left still counts")
    got = [m[2] for m in a.read_replies(1 + ys)]
    assert got == [b"x"] + [b"y"] * ys, f"the staying subscriber received {show(got)}"
