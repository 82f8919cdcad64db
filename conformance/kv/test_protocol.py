"""KV-010..019: the RESP2 request parser and the shape of replies."""
import pathlib
import time

import pytest

from kvclient import (INCOMPLETE, ClosedWhileSending, Error, KvError, Simple, encode,
                      encode_many, repro, repro_raw, resp, show)
from osnet_harness.net import describe_diff
from osnet_harness.timeouts import T

ALL_BYTES = bytes(range(256))


def expect_raw(c, data, want, what, report=None):
    """Send data; the replies (as many as want holds) must be want, byte for byte."""
    if report is not None:
        report.repro(repro_raw(c.addr, data))
    c.send_raw(data)
    n = count_replies(want)
    got = c.read_raw(n)
    if got != want:
        raise KvError(f"{what}: the replies differ from the expected bytes\n"
                      + describe_diff(want, got) + f"\n  reproduce: {repro_raw(c.addr, data)}")


def count_replies(raw):
    from kvclient import Parser
    p = Parser()
    p.feed(raw)
    n = 0
    while p.get() is not None:
        n += 1
    return n


def expect_closed(c, what):
    """After an error reply the server closes the connection."""
    got, how = c.wait_closed(T(10))
    assert how in ("eof", "reset") and not got, (
        f"{what}: after the error reply the connection should be closed; "
        + (f"it stayed open {T(10):.0f}s" if how == "open" else f"it was ({how})")
        + (f" and carried more replies: {show(got)}" if got else ""))


@pytest.mark.req("KV-010")
def test_binary_safe_arguments(kv, key, report):
    k = key() + ALL_BYTES
    v = ALL_BYTES + b"\r\n" + ALL_BYTES[::-1] + b"\r\n"
    report.repro(repro(kv.addr, ("SET", k, v), ("GET", k)))
    kv.expect(("SET", k, v), Simple("OK"), "a key and a value holding every byte value")
    kv.expect(("GET", k), v, "every byte value and CR LF inside the value, returned exactly")
    kv.expect(("EXISTS", k), 1)
    # The empty string: as a value, and as a key.
    e = key("empty")
    kv.expect(("SET", e, b""), Simple("OK"))
    kv.expect(("GET", e), b"", "the empty value is $0\\r\\n\\r\\n, not the null bulk")
    kv.expect(("SET", b"", b"value of the empty key"), Simple("OK"))
    kv.expect(("GET", b""), b"value of the empty key", "the empty key")
    kv.expect(("DEL", b""), 1)
    # A key differing only in its last byte is another key.
    kv.expect(("GET", k[:-1] + b"\x00"), None, "a key one byte different")


def split_pipeline(key):
    """Requests of every shape, and the exact bytes they are answered with."""
    k = key("split")
    v = b"v\r\n\x00\xff*$-:+"
    data = (encode("SET", k, v) + encode("GET", k) + b"PING\r\n" + encode("ECHO", b"")
            + b"*0\r\n" + b"ECHO inline\n" + encode("DEL", k) + encode("GET", k))
    want = (b"+OK\r\n" + resp(v) + b"+PONG\r\n$0\r\n\r\n" + b"$6\r\ninline\r\n" + b":1\r\n"
            + b"$-1\r\n")
    return data, want


@pytest.mark.req("KV-011")
def test_split_at_every_byte(kv, key, report):
    data, want = split_pipeline(key)
    report.repro(repro_raw(kv.addr, data))
    expect_raw(kv, data, want, "the pipeline in one write")
    for i in range(1, len(data)):
        kv.send_raw(data[:i])
        time.sleep(0.0005)  # let the first part arrive alone, whatever the kernel does
        kv.send_raw(data[i:])
        got = kv.read_raw(count_replies(want))
        if got != want:
            raise KvError(f"the pipeline split into two writes after byte {i} of {len(data)} "
                          f"({show(data[:i][-20:])} | {show(data[i:][:20])}) is answered "
                          f"differently from the same bytes in one write:\n"
                          + describe_diff(want, got))


@pytest.mark.req("KV-011")
def test_one_byte_per_write(kv, key, report):
    data, want = split_pipeline(key)
    report.repro(repro_raw(kv.addr, data))
    for i in range(len(data)):
        kv.send_raw(data[i:i + 1])
        if i % 4 == 0:
            time.sleep(0.0005)
    got = kv.read_raw(count_replies(want))
    if got != want:
        raise KvError("the pipeline sent one byte per write is answered differently from the "
                      "same bytes in one write:\n" + describe_diff(want, got))


@pytest.mark.req("KV-012")
def test_inline_commands(kv, key, report):
    k = key("inline").decode()
    expect_raw(kv, b"PING\r\n", b"+PONG\r\n", "the inline command PING\\r\\n", report)
    expect_raw(kv, f"SET {k} v\n".encode(), b"+OK\r\n", "an inline SET ended by LF alone")
    expect_raw(kv, f"  GET\t{k} \t\r\n".encode(), b"$1\r\nv\r\n",
               "an inline GET with spaces and tabs around its arguments")
    expect_raw(kv, f"set {k} \t two\r\nget {k}\r\n".encode(), b"+OK\r\n$3\r\ntwo\r\n",
               "two inline commands, lower case, runs of blanks between arguments")
    # Empty lines get no reply: the only reply is PING's.
    expect_raw(kv, b"\r\n\n   \r\n\t\nPING\r\n", b"+PONG\r\n",
               "empty lines (and lines of blanks) then PING: one reply only")
    expect_raw(kv, b"ECHO after\r\n", b"$5\r\nafter\r\n",
               "the command after the empty lines: nothing was owed before it")


@pytest.mark.req("KV-013")
def test_inline_quoting(kv, key, report):
    k = key("quoted").decode()
    expect_raw(kv, f'SET {k} "a b"\r\nGET {k}\r\n'.encode(), b"+OK\r\n$3\r\na b\r\n",
               'a double-quoted argument "a b"', report)
    expect_raw(kv, f"SET {k} 'a b'\r\nGET {k}\r\n".encode(), b"+OK\r\n$3\r\na b\r\n",
               "a single-quoted argument 'a b'")
    expect_raw(kv, f'SET {k} "\\n\\r\\t\\b\\a\\\\\\"\\x41\\xff\\q"\r\nGET {k}\r\n'.encode(),
               b"+OK\r\n$10\r\n\n\r\t\b\a\\\"A\xffq\r\n",
               "escapes inside double quotes: \\n \\r \\t \\b \\a \\\\ \\\" \\x41 \\xff \\q")
    expect_raw(kv, f"SET {k} 'it\\'s \\n'\r\nGET {k}\r\n".encode(),
               b"+OK\r\n$7\r\nit's \\n\r\n",
               "inside single quotes only \\' is an escape")
    expect_raw(kv, b'ECHO ""\r\n', b"$0\r\n\r\n", 'the empty quoted argument ""')


@pytest.mark.req("KV-013")
@pytest.mark.parametrize("line", [b'SET k "a b\r\n', b"SET k 'a b\r\n", b'SET k "ab"c\r\n'],
                         ids=["open-double", "open-single", "quote-then-text"])
def test_unbalanced_quotes(kv, line, report):
    expect_raw(kv, b"PING\r\n" + line,
               b"+PONG\r\n-ERR Protocol error: unbalanced quotes in request\r\n",
               f"the inline line {show(line)}", report)
    expect_closed(kv, "unbalanced quotes")


@pytest.mark.req("KV-014")
def test_reply_types_exactly(kv, key, report):
    k, m = key("a"), key("missing")
    cmds = [("SET", k, "hello"), ("GET", k), ("GET", m), ("EXISTS", k, m), ("DEL", m),
            ("ECHO", ""), ("MGET", k, m), ("KEYS", key("nothing-matches") + b"*"),
            ("INCRBY", key("n"), -12), ("PING",), ("GET",)]
    want = (b"+OK\r\n" b"$5\r\nhello\r\n" b"$-1\r\n" b":1\r\n" b":0\r\n" b"$0\r\n\r\n"
            b"*2\r\n$5\r\nhello\r\n$-1\r\n" b"*0\r\n" b":-12\r\n" b"+PONG\r\n"
            b"-ERR wrong number of arguments for 'get' command\r\n")
    data = encode_many(cmds)
    report.repro(repro_raw(kv.addr, data))
    expect_raw(kv, data, want, "SET, GET, GET of a missing key, EXISTS, DEL, ECHO \"\", MGET, "
               "KEYS with no match, INCRBY -12, PING, GET without a key")


MALFORMED = [
    (b"*x\r\n", "Protocol error: invalid multibulk length"),
    (b"*1\r\n$x\r\n", "Protocol error: invalid bulk length"),
    (b"*2\r\n$3\r\nGET\r\n$-5\r\n", "Protocol error: invalid bulk length"),
    (b"*1\r\n:1\r\n", "Protocol error: expected '$', got ':'"),
    (b"*2\r\n$4\r\nECHO\r\n+hi\r\n", "Protocol error: expected '$', got '+'"),
]


@pytest.mark.req("KV-015")
@pytest.mark.parametrize("bad,msg", MALFORMED, ids=["count-nan", "length-nan", "length-negative",
                                                   "integer-element", "simple-element"])
def test_protocol_errors(kv, key, bad, msg, report):
    k = key()
    before = encode("SET", k, "1") + b"PING\r\n" + encode("GET", k)
    expect_raw(kv, before + bad + encode("PING"),
               b"+OK\r\n+PONG\r\n$1\r\n1\r\n-ERR " + msg.encode() + b"\r\n",
               f"three commands then the malformed request {show(bad)}", report)
    expect_closed(kv, f"the malformed request {show(bad)}")


@pytest.mark.req("KV-016")
@pytest.mark.parametrize("bad,msg", [
    (b"*1\r\n$536870913\r\n", "Protocol error: invalid bulk length"),
    (b"*2147483648\r\n", "Protocol error: invalid multibulk length"),
    (b"A" * 70000, "Protocol error: too big inline request"),
], ids=["bulk-over-512MiB", "count-over-2^31-1", "inline-over-64KiB"])
def test_request_limits(kv, bad, msg, report):
    expect_raw(kv, b"PING\r\n" + bad, b"+PONG\r\n-ERR " + msg.encode() + b"\r\n",
               f"a request past a limit ({show(bad, 40)})", report)
    expect_closed(kv, "a request past a limit")


def unread_bound(sndbuf):
    """The most bytes a loopback connection can hold that the server has
    not read: the server's receive buffer at its largest (autotuned up to
    tcp_rmem's maximum, or set up to twice rmem_max) and ours (SO_SNDBUF
    sndbuf, doubled by the kernel). 64 MiB where /proc does not say."""
    try:
        rmem = int(pathlib.Path("/proc/sys/net/ipv4/tcp_rmem").read_text().split()[2])
        core = int(pathlib.Path("/proc/sys/net/core/rmem_max").read_text())
        return max(rmem, 2 * core) + 2 * sndbuf
    except (OSError, ValueError, IndexError):
        return 64 << 20


@pytest.mark.req("KV-016")
def test_bulk_of_512MiB_is_not_refused(conns, server):
    """The bound itself is allowed: the server waits for the data rather
    than refusing. Checked with part of it: more of the bulk than the two
    sockets' buffers can hold is sent, so the server has read the header
    (and refused it, if it was going to: the connection would be closed
    under the rest, or an error reply waiting); then another client is
    served while this one's request stays open and unanswered."""
    sndbuf = 1 << 16
    kv = conns(server.addr, name="client sending a 512 MiB bulk", sndbuf=sndbuf)
    head = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n"
    part = min(unread_bound(sndbuf) + (1 << 20), 256 << 20)
    try:
        kv.send_raw(head + b"x" * part)
    except ClosedWhileSending as e:
        raise KvError(f"a bulk of exactly 512 MiB (the limit) was refused: {e}") from None
    other = conns(server.addr, name="another client")
    assert other.call("PING") == Simple("PONG")
    r = kv.try_reply(0.3)
    assert r is INCOMPLETE and not kv.eof, (
        f"a bulk of exactly 512 MiB (the limit) was refused after {part >> 20} MiB of it: "
        f"{show(r) if r is not INCOMPLETE else 'no reply'} ({kv.eof or 'still open'})")


@pytest.mark.req("KV-017")
def test_32MiB_value(kv, key, report):
    k = key("big")
    v = bytes(range(256)) * (128 << 10)   # 32 MiB, every byte value
    assert len(v) == 32 << 20
    report.repro(f"head -c 33554432 /dev/urandom > /tmp/v; redis-cli -h {kv.addr[0]} "
                 f"-p {kv.addr[1]} -x SET bigkey < /tmp/v; redis-cli -h {kv.addr[0]} "
                 f"-p {kv.addr[1]} --raw GET bigkey | head -c 33554432 | cmp - /tmp/v")
    got = kv.call("SET", k, v, timeout=T(60))
    assert got == Simple("OK"), f"SET of a 32 MiB value: {show(got)}"
    got = kv.call("GET", k, timeout=T(60))
    if got != v:
        raise KvError("GET of the 32 MiB value: " + (
            describe_diff(v, got) if isinstance(got, bytes) else f"got {show(got)}"))
    kv.expect(("DEL", k), 1)


@pytest.mark.req("KV-018")
def test_unknown_command(kv, key, report):
    report.repro(repro(kv.addr, ("FOO", "a", "b")))
    kv.expect(("FOO", "a", "b"), Error("ERR unknown command 'FOO', with args beginning with: "
                                       "'a' 'b' "), "an unknown command with two arguments")
    kv.expect(("fRoB",), Error("ERR unknown command 'fRoB', with args beginning with: "),
              "an unknown command without arguments, the name as sent")
    kv.expect(("PING",), Simple("PONG"), "after an unknown command the connection stays open")


@pytest.mark.req("KV-018")
def test_command_names_any_case(kv, key, report):
    k = key()
    kv.expect(("sEt", k, "v"), Simple("OK"), "sEt")
    kv.expect(("get", k), b"v", "get")
    kv.expect(("GeT", k), b"v", "GeT")
    kv.expect(("ping",), Simple("PONG"), "ping")
    kv.expect(("Del", k), 1, "Del")


@pytest.mark.req("KV-019")
@pytest.mark.parametrize("args,name", [(("GET",), "get"), (("GeT", "a", "b"), "get"),
                                       (("set", "k"), "set"), (("INCRBY", "k"), "incrby"),
                                       (("ECHO",), "echo"), (("Expire", "k"), "expire"),
                                       (("DEL",), "del")],
                         ids=["get-0", "get-2-mixed-case", "set-1", "incrby-1", "echo-0",
                              "expire-1", "del-0"])
def test_wrong_number_of_arguments(kv, args, name, report):
    report.repro(repro(kv.addr, args))
    kv.expect(args, Error(f"ERR wrong number of arguments for '{name}' command"),
              "a known command with the wrong number of arguments")
    kv.expect(("PING",), Simple("PONG"), "the connection stays open")
