"""KV-020..027: PING, ECHO, SET and its options, GET, DEL, EXISTS, INCR
and friends, MGET, MSET. Replies compared byte for byte."""
import pytest

from kvclient import Error, Simple, repro

NOT_INT = Error("ERR value is not an integer or out of range")
SYNTAX = Error("ERR syntax error")
BAD_EXPIRE = Error("ERR invalid expire time in 'set' command")
OVERFLOW = Error("ERR increment or decrement would overflow")
MAX = 9223372036854775807
MIN = -9223372036854775808


@pytest.mark.req("KV-020")
def test_ping_echo(kv, report):
    report.repro(repro(kv.addr, ("PING",), ("PING", "hello"), ("ECHO", "hi there")))
    kv.expect(("PING",), Simple("PONG"))
    kv.expect(("PING", "hello"), b"hello", "PING with a message is a bulk string")
    kv.expect(("ECHO", "hi there"), b"hi there")
    kv.expect(("ECHO", b"\x00\r\n\xff"), b"\x00\r\n\xff", "ECHO of binary bytes")
    kv.expect(("ECHO", b""), b"")


@pytest.mark.req("KV-021")
def test_set_get_replace(kv, key, report):
    k = key()
    report.repro(repro(kv.addr, ("SET", k, "one"), ("GET", k), ("SET", k, "two"), ("GET", k)))
    kv.expect(("GET", k), None, "GET of a key never set")
    kv.expect(("SET", k, "one"), Simple("OK"))
    kv.expect(("GET", k), b"one")
    kv.expect(("SET", k, "two"), Simple("OK"))
    kv.expect(("GET", k), b"two", "SET replaces the value")


@pytest.mark.req("KV-021")
def test_set_discards_ttl(kv, key, report):
    k = key()
    report.repro(repro(kv.addr, ("SET", k, "v", "EX", 100), ("SET", k, "w"), ("TTL", k)))
    kv.expect(("SET", k, "v", "EX", 100), Simple("OK"))
    ttl = kv.call("TTL", k)
    assert ttl in (99, 100), f"TTL after SET EX 100: {ttl!r}"
    kv.expect(("SET", k, "w"), Simple("OK"))
    kv.expect(("TTL", k), -1, "a plain SET discards the time to live")
    kv.expect(("GET", k), b"w")


@pytest.mark.req("KV-022")
def test_set_ex_px(kv, key, report):
    a, b = key("ex"), key("px")
    report.repro(repro(kv.addr, ("SET", a, "v", "EX", 100), ("TTL", a),
                       ("SET", b, "v", "PX", 100000), ("PTTL", b)))
    kv.expect(("SET", a, "v", "EX", 100), Simple("OK"))
    ttl = kv.call("TTL", a)
    assert ttl in (99, 100), f"TTL right after SET EX 100: {ttl!r}, expected 99 or 100"
    kv.expect(("SET", b, "v", "px", 100000), Simple("OK"), "px in lower case")
    pttl = kv.call("PTTL", b)
    assert isinstance(pttl, int) and 90000 < pttl <= 100000, (
        f"PTTL right after SET PX 100000: {pttl!r}")
    kv.expect(("GET", a), b"v")


@pytest.mark.req("KV-022")
@pytest.mark.parametrize("opts,err", [
    (("EX", 0), BAD_EXPIRE), (("EX", -1), BAD_EXPIRE), (("PX", 0), BAD_EXPIRE),
    (("PX", -100), BAD_EXPIRE), (("EX", "ten"), NOT_INT), (("PX", "1.5"), NOT_INT),
    (("EX", 10, "PX", 10000), SYNTAX), (("PX", 10, "EX", 10), SYNTAX), (("FOO",), SYNTAX),
    (("EX",), SYNTAX), (("EX", 10, "BAR"), SYNTAX),
], ids=["ex-0", "ex-negative", "px-0", "px-negative", "ex-nan", "px-fraction", "ex-and-px",
        "px-and-ex", "unknown-option", "ex-without-value", "trailing-unknown"])
def test_set_option_errors(kv, key, opts, err, report):
    k = key()
    report.repro(repro(kv.addr, ("SET", k, "new", *opts)))
    kv.expect(("SET", k, "old"), Simple("OK"))
    kv.expect(("SET", k, "new", *opts), err, f"SET with {' '.join(map(str, opts))}")
    kv.expect(("GET", k), b"old", "an erroneous SET changes nothing")
    kv.expect(("TTL", k), -1, "an erroneous SET sets no time to live")


@pytest.mark.req("KV-023")
def test_set_nx_xx(kv, key, report):
    k = key()
    report.repro(repro(kv.addr, ("SET", k, "a", "NX"), ("SET", k, "b", "NX"),
                       ("SET", k, "c", "XX"), ("GET", k)))
    kv.expect(("SET", k, "x", "XX"), None, "XX on a missing key is refused with $-1")
    kv.expect(("EXISTS", k), 0, "a refused XX creates nothing")
    kv.expect(("SET", k, "a", "NX", "EX", 100), Simple("OK"), "NX on a missing key sets it")
    kv.expect(("SET", k, "b", "nx"), None, "NX on an existing key is refused with $-1")
    kv.expect(("GET", k), b"a", "a refused NX changes nothing")
    ttl = kv.call("TTL", k)
    assert ttl in (99, 100), f"a refused SET NX changed the time to live: TTL {ttl!r}"
    kv.expect(("SET", k, "c", "XX"), Simple("OK"), "XX on an existing key sets it")
    kv.expect(("GET", k), b"c")
    kv.expect(("SET", k, "d", "NX", "XX"), SYNTAX, "NX with XX")
    kv.expect(("GET", k), b"c")


@pytest.mark.req("KV-024")
def test_set_get_option(kv, key, report):
    k = key()
    report.repro(repro(kv.addr, ("SET", k, "one", "GET"), ("SET", k, "two", "GET"),
                       ("SET", k, "three", "NX", "GET"), ("SET", k, "four", "XX", "GET")))
    kv.expect(("SET", k, "one", "GET"), None, "SET GET on a missing key: no old value")
    kv.expect(("SET", k, "two", "GET"), b"one", "SET GET returns the old value")
    kv.expect(("GET", k), b"two")
    kv.expect(("SET", k, "three", "NX", "GET"), b"two",
              "SET NX GET on an existing key: the old value, nothing set")
    kv.expect(("GET", k), b"two")
    kv.expect(("SET", k, "four", "XX", "GET"), b"two", "SET XX GET on an existing key")
    kv.expect(("GET", k), b"four")
    m = key("missing")
    kv.expect(("SET", m, "x", "XX", "GET"), None, "SET XX GET on a missing key")
    kv.expect(("EXISTS", m), 0)
    kv.expect(("SET", m, "y", "NX", "GET"), None, "SET NX GET on a missing key sets it")
    kv.expect(("GET", m), b"y")


@pytest.mark.req("KV-025")
def test_del_exists(kv, key, report):
    a, b, c = key("a"), key("b"), key("c")
    report.repro(repro(kv.addr, ("SET", a, 1), ("EXISTS", a, a, b), ("DEL", a, b, a)))
    kv.expect(("MSET", a, 1, b, 2), Simple("OK"))
    kv.expect(("EXISTS", a), 1)
    kv.expect(("EXISTS", a, a, c), 2, "a key named twice counts twice")
    kv.expect(("EXISTS", c), 0)
    kv.expect(("DEL", a, c, b, a), 2, "DEL counts the keys that existed")
    kv.expect(("EXISTS", a, b), 0)
    kv.expect(("DEL", a), 0)


@pytest.mark.req("KV-026")
def test_incr_decr(kv, key, report):
    k = key()
    report.repro(repro(kv.addr, ("INCR", k), ("INCRBY", k, 41), ("DECR", k), ("DECRBY", k, 50)))
    kv.expect(("INCR", k), 1, "INCR of a missing key")
    kv.expect(("INCRBY", k, 41), 42)
    kv.expect(("DECR", k), 41)
    kv.expect(("DECRBY", k, 50), -9)
    kv.expect(("GET", k), b"-9", "the counter is stored as its decimal string")
    kv.expect(("INCRBY", k, -1), -10)
    kv.expect(("DECRBY", key("d"), 5), -5, "DECRBY of a missing key")
    kv.expect(("SET", k, "100"), Simple("OK"))
    kv.expect(("INCR", k), 101, "INCR of a value SET as a string of digits")


@pytest.mark.req("KV-026")
@pytest.mark.parametrize("stored", [b"abc", b"1.5", b" 1", b"01", b"+1", b"", b"1\x00",
                                    b"9223372036854775808"],
                         ids=["letters", "fraction", "blank", "leading-zero", "plus", "empty",
                              "nul", "over-64-bit"])
def test_incr_not_an_integer(kv, key, stored, report):
    k = key()
    report.repro(repro(kv.addr, ("SET", k, stored), ("INCR", k)))
    kv.expect(("SET", k, stored), Simple("OK"))
    kv.expect(("INCR", k), NOT_INT, f"INCR of the value {stored!r}")
    kv.expect(("DECRBY", k, 1), NOT_INT)
    kv.expect(("GET", k), stored, "the value is unchanged")


@pytest.mark.req("KV-026")
def test_incrby_bad_argument(kv, key, report):
    k = key()
    kv.expect(("SET", k, 5), Simple("OK"))
    for arg in ("x", "1.0", " 1", "9223372036854775808", ""):
        kv.expect(("INCRBY", k, arg), NOT_INT, f"INCRBY with the argument {arg!r}")
        kv.expect(("DECRBY", k, arg), NOT_INT, f"DECRBY with the argument {arg!r}")
    kv.expect(("GET", k), b"5")


@pytest.mark.req("KV-026")
def test_incr_overflow(kv, key, report):
    k, n = key("max"), key("min")
    report.repro(repro(kv.addr, ("SET", k, MAX), ("INCR", k)))
    kv.expect(("SET", k, MAX), Simple("OK"))
    kv.expect(("INCR", k), OVERFLOW, "INCR of 2^63-1")
    kv.expect(("INCRBY", k, 1), OVERFLOW)
    kv.expect(("GET", k), str(MAX).encode(), "the value is unchanged after the overflow")
    kv.expect(("SET", n, MIN), Simple("OK"))
    kv.expect(("DECR", n), OVERFLOW, "DECR of -2^63")
    kv.expect(("INCRBY", n, -1), OVERFLOW)
    kv.expect(("GET", n), str(MIN).encode())
    kv.expect(("INCRBY", n, MAX), -1, "-2^63 + (2^63-1) is in range")


@pytest.mark.req("KV-027")
def test_mget_mset(kv, key, report):
    a, b, c = key("a"), key("b"), key("c")
    report.repro(repro(kv.addr, ("MSET", a, 1, b, 2), ("MGET", a, c, b)))
    kv.expect(("MSET", a, "1", b, "2", a, "3"), Simple("OK"),
              "MSET (the later pair for a key wins)")
    kv.expect(("MGET", a, c, b), [b"3", None, b"2"], "MGET with a missing key in the middle")
    kv.expect(("MGET", c), [None])
    kv.expect(("SET", c, "x", "EX", 100), Simple("OK"))
    kv.expect(("MSET", c, "y"), Simple("OK"))
    kv.expect(("TTL", c), -1, "MSET replaces the value like SET: no time to live")


@pytest.mark.req("KV-027")
def test_mset_odd_arguments(kv, key, report):
    a, b = key("a"), key("b")
    report.repro(repro(kv.addr, ("MSET", a, 1, b)))
    kv.expect(("MSET", a, "1", b), Error("ERR wrong number of arguments for 'mset' command"))
    kv.expect(("MSET", a), Error("ERR wrong number of arguments for 'mset' command"))
    kv.expect(("EXISTS", a, b), 0, "a refused MSET sets nothing")
