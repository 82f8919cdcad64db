"""KV-029..031: KEYS, SCAN, DBSIZE, FLUSHDB."""
import pytest

from kvclient import Conn, Error, KvError, Simple, repro, show

NAMES = [b"hello", b"hallo", b"hxllo", b"hllo", b"heeeello", b"h*llo", b"h?llo", b"h[llo",
         b"h\\llo", b"h\x00llo", b"h\xffllo", b"H-llo"]


def keys(kv, pattern):
    got = kv.call("KEYS", pattern)
    if not isinstance(got, list):
        raise KvError(f"KEYS {show(pattern)}: {show(got)}, expected an array")
    return got


PATTERNS = [
    (b"h?llo", [b"hello", b"hallo", b"hxllo", b"h*llo", b"h?llo", b"h[llo", b"h\\llo",
                b"h\x00llo", b"h\xffllo"]),
    (b"h*llo", [n for n in NAMES if n != b"H-llo"]),
    (b"h[ae]llo", [b"hello", b"hallo"]),
    (b"h[^e]llo", [b"hallo", b"hxllo", b"h*llo", b"h?llo", b"h[llo", b"h\\llo", b"h\x00llo",
                   b"h\xffllo"]),
    (b"h[a-x]llo", [b"hello", b"hallo", b"hxllo"]),
    (b"h\\*llo", [b"h*llo"]),
    (b"h\\?llo", [b"h?llo"]),
    (b"h\\\\llo", [b"h\\llo"]),
    (b"h\x00llo", [b"h\x00llo"]),
    (b"h[\xff]llo", [b"h\xffllo"]),
    (b"*", NAMES),
    (b"hello", [b"hello"]),
    (b"HELLO", []),
]


@pytest.mark.req("KV-029")
def test_keys_glob(fresh, report):
    """Each pattern over the same twelve keys (in a fresh keyspace): ? * [ae]
    [^e] [a-x], escapes, a NUL and a 0xff byte, case."""
    kv = Conn(fresh.addr)
    try:
        pairs = []
        for n in NAMES:
            pairs += [n, b"1"]
        assert kv.call("MSET", *pairs) == Simple("OK")
        wrong = []
        for pattern, want in PATTERNS:
            got = keys(kv, pattern)
            if sorted(got) != sorted(want):
                wrong.append(f"KEYS {show(pattern)}: got {show(sorted(got), 300)}, expected "
                             f"{show(sorted(want), 300)}")
                report.repro(repro(kv.addr, ("MSET", *pairs), ("KEYS", pattern)))
        assert not wrong, (f"over the keys {show(NAMES, 300)} (replies in any order):\n  "
                           + "\n  ".join(wrong))
    finally:
        kv.close()


def scan_all(kv, match=None, count=None, during=None):
    """A full SCAN iteration; during(i) runs after the i-th call. Returns
    (set of keys, number of calls)."""
    cursor = b"0"
    seen = set()
    calls = 0
    while True:
        args = ["SCAN", cursor]
        if match is not None:
            args += ["MATCH", match]
        if count is not None:
            args += ["COUNT", count]
        r = kv.call(*args)
        calls += 1
        if (not isinstance(r, list) or len(r) != 2 or not isinstance(r[0], bytes)
                or not isinstance(r[1], list) or not all(isinstance(x, bytes) for x in r[1])):
            raise KvError(f"{' '.join(map(str, args))}: {show(r, 200)}; expected a two-element "
                          f"array: the cursor as a bulk string, then an array of keys")
        cursor = r[0]
        seen.update(r[1])
        if during is not None:
            during(calls)
        if cursor == b"0":
            return seen, calls
        if calls > 1_000_000:
            raise KvError("SCAN never returned cursor 0 after a million calls")


@pytest.mark.req("KV-030")
def test_scan_full_iteration(fresh, report):
    kv = Conn(fresh.addr)
    try:
        names = [b"key:%d" % i for i in range(1000)] + [b"other:%d" % i for i in range(100)]
        kv.pipeline([("SET", n, "v") for n in names])
        report.repro(repro(kv.addr, ("SCAN", 0, "COUNT", 100)))
        seen, calls = scan_all(kv, count=100)
        missing = set(names) - seen
        assert not missing, (f"a full SCAN over {len(names)} keys missed {len(missing)}: "
                             f"{show(sorted(missing)[:5])}")
        assert seen == set(names), (
            f"SCAN returned keys that do not exist: {show(seen - set(names))}")
        seen, _ = scan_all(kv, match=b"other:*")
        assert seen == {n for n in names if n.startswith(b"other:")}, (
            f"SCAN MATCH other:* returned {len(seen)} keys: {show(sorted(seen)[:5])}..., expected "
            f"the 100 keys other:0..other:99")
    finally:
        kv.close()


@pytest.mark.req("KV-030")
def test_scan_while_keys_come_and_go(fresh, report):
    """2000 keys stay for the whole iteration while 20000 others are added
    and then removed between its calls (the table grows, then shrinks):
    every stable key must be returned."""
    kv = Conn(fresh.addr, name="scanner")
    writer = Conn(fresh.addr, name="writer")
    try:
        stable = [b"stable:%d" % i for i in range(2000)]
        kv.pipeline([("SET", n, "s") for n in stable])
        churn = [b"churn:%d" % i for i in range(20000)]
        step = 1000

        def during(i):
            # Calls 1..20 add 1000 keys each; calls 21..40 remove them again.
            if i <= 20:
                part = churn[(i - 1) * step:i * step]
                writer.pipeline([("SET", n, "c") for n in part])
            elif i <= 40:
                part = churn[(i - 21) * step:(i - 20) * step]
                writer.pipeline([("DEL", n) for n in part])

        seen, calls = scan_all(kv, count=10, during=during)
        missing = set(stable) - seen
        assert not missing, (
            f"a full SCAN (COUNT 10, {calls} calls) while 20000 keys were added and then removed "
            f"missed {len(missing)} of the 2000 keys present throughout: "
            f"{show(sorted(missing)[:5])}")
        extra = seen - set(stable) - set(churn)
        assert not extra, f"SCAN returned keys nobody set: {show(sorted(extra)[:5])}"
    finally:
        kv.close()
        writer.close()


@pytest.mark.req("KV-030")
def test_scan_errors(kv, report):
    kv.expect(("SCAN", "x"), Error("ERR invalid cursor"), "a cursor that is not a number")
    kv.expect(("SCAN", 0, "FOO"), Error("ERR syntax error"), "an unknown SCAN option")
    kv.expect(("PING",), Simple("PONG"))


@pytest.mark.req("KV-031")
def test_dbsize_flushdb(fresh, report):
    kv = Conn(fresh.addr)
    try:
        report.repro(repro(kv.addr, ("MSET", "a", 1, "b", 2), ("DBSIZE",), ("FLUSHDB",),
                           ("DBSIZE",)))
        kv.expect(("DBSIZE",), 0, "a fresh server")
        kv.pipeline([("SET", b"k%d" % i, i) for i in range(500)])
        kv.expect(("DBSIZE",), 500, "after 500 SETs")
        kv.expect(("SET", "k1", "again"), Simple("OK"))
        kv.expect(("DEL", "k2", "k3", "nokey"), 2)
        kv.expect(("DBSIZE",), 498, "after a SET of an existing key and two DELs")
        kv.expect(("FLUSHDB",), Simple("OK"))
        kv.expect(("DBSIZE",), 0, "after FLUSHDB")
        kv.expect(("GET", "k7"), None)
        kv.expect(("KEYS", "*"), [])
        kv.expect(("SET", "k7", "new"), Simple("OK"), "the keyspace works after FLUSHDB")
        kv.expect(("DBSIZE",), 1)
    finally:
        kv.close()
