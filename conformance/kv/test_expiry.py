"""KV-028, KV-040..043: times to live.

"Not early" is checked with long times (EX 100): the key must be there and
its TTL must not have lost more than the moment the check took. "Gone
eventually" is checked with short ones (PX 50) and polling with a
deadline, never with a fixed sleep."""
import time

import pytest

from kvclient import Conn, Error, KvError, Simple, repro, show
from osnet_harness.timeouts import T

NOT_INT = Error("ERR value is not an integer or out of range")


def wait_gone(kv, k, what, timeout=None):
    """Poll PTTL until it says -2 (the key is gone)."""
    deadline = time.monotonic() + (T(10) if timeout is None else timeout)
    last = None
    while time.monotonic() < deadline:
        last = kv.call("PTTL", k)
        if last == -2:
            return
        time.sleep(0.01)
    raise KvError(f"{what}: {show(k)} is still there {T(10):.0f}s later (PTTL {last!r})")


@pytest.mark.req("KV-028")
def test_expire_ttl_persist(kv, key, report):
    k, m = key(), key("missing")
    report.repro(repro(kv.addr, ("SET", k, "v"), ("EXPIRE", k, 100), ("TTL", k), ("PERSIST", k)))
    kv.expect(("TTL", m), -2, "TTL of a missing key")
    kv.expect(("PTTL", m), -2, "PTTL of a missing key")
    kv.expect(("EXPIRE", m, 100), 0, "EXPIRE of a missing key")
    kv.expect(("PEXPIRE", m, 100000), 0, "PEXPIRE of a missing key")
    kv.expect(("EXISTS", m), 0)
    kv.expect(("SET", k, "v"), Simple("OK"))
    kv.expect(("TTL", k), -1, "TTL of a key without a time to live")
    kv.expect(("PTTL", k), -1)
    kv.expect(("PERSIST", k), 0, "PERSIST of a key without a time to live")
    kv.expect(("EXPIRE", k, 100), 1)
    ttl = kv.call("TTL", k)
    assert ttl in (99, 100), f"TTL right after EXPIRE 100: {ttl!r}"
    kv.expect(("PEXPIRE", k, 200000), 1)
    pttl = kv.call("PTTL", k)
    assert isinstance(pttl, int) and 190000 < pttl <= 200000, (
        f"PTTL right after PEXPIRE 200000: {pttl!r}")
    kv.expect(("PERSIST", k), 1, "PERSIST of a key with a time to live")
    kv.expect(("TTL", k), -1)
    kv.expect(("PERSIST", m), 0, "PERSIST of a missing key")
    kv.expect(("EXPIRE", k, "soon"), NOT_INT)
    kv.expect(("PEXPIRE", k, "1.5"), NOT_INT)
    kv.expect(("TTL", k), -1, "an erroneous EXPIRE changes nothing")


@pytest.mark.req("KV-028")
@pytest.mark.parametrize("cmd,t", [("EXPIRE", 0), ("EXPIRE", -10), ("PEXPIRE", 0),
                                   ("PEXPIRE", -1)],
                         ids=["expire-0", "expire-negative", "pexpire-0", "pexpire-negative"])
def test_expire_non_positive_deletes(kv, key, cmd, t, report):
    k = key()
    report.repro(repro(kv.addr, ("SET", k, "v"), (cmd, k, t), ("EXISTS", k)))
    kv.expect(("SET", k, "v"), Simple("OK"))
    kv.expect((cmd, k, t), 1, f"{cmd} {t} of an existing key")
    kv.expect(("EXISTS", k), 0, f"{cmd} {t} deletes the key")
    kv.expect(("GET", k), None)


@pytest.mark.req("KV-040")
def test_expired_key_gone_for_every_command(kv, key, report):
    names = ["get", "exists", "ttl", "keys", "scan", "incr", "setnx", "mget"]
    ks = {n: key("exp-" + n) for n in names}
    keep = key("exp-keeper")
    probe = key("exp-probe")
    report.repro(repro(kv.addr, ("SET", ks["get"], "v", "PX", 50), ("GET", ks["get"])))
    kv.pipeline([("SET", ks[n], "5", "PX", 50) for n in names]
                + [("SET", keep, "stays", "EX", 100), ("SET", probe, "p", "PX", 50)])
    # The probe was set last: once it is gone, every other PX 50 key is too.
    wait_gone(kv, probe, "a key SET with PX 50")
    kv.expect(("GET", ks["get"]), None, "GET of an expired key")
    kv.expect(("EXISTS", ks["exists"], keep), 1, "EXISTS of an expired key (and a live one)")
    kv.expect(("TTL", ks["ttl"]), -2, "TTL of an expired key")
    prefix = keep.rsplit(b":", 1)[0] + b":exp-*"
    got = kv.call("KEYS", prefix)
    assert isinstance(got, list) and sorted(got) == [keep], (
        f"KEYS {show(prefix)}: {show(got)}; expected only the live key {show(keep)}")
    seen, cursor = set(), b"0"
    for _ in range(100000):
        r = kv.call("SCAN", cursor, "MATCH", prefix, "COUNT", 1000)
        cursor = r[0]
        seen.update(r[1])
        if cursor == b"0":
            break
    assert seen == {keep}, f"SCAN MATCH {show(prefix)}: {show(sorted(seen))}; expected only " \
                           f"{show(keep)}"
    kv.expect(("INCR", ks["incr"]), 1, "INCR of an expired key starts again from 0")
    kv.expect(("TTL", ks["incr"]), -1, "the new counter has no time to live")
    kv.expect(("SET", ks["setnx"], "new", "NX"), Simple("OK"), "SET NX of an expired key")
    kv.expect(("GET", ks["setnx"]), b"new")
    kv.expect(("MGET", ks["mget"], keep), [None, b"stays"], "MGET of an expired key")


@pytest.mark.req("KV-041")
def test_not_early(kv, key, report):
    a, b, c = key("ex"), key("px"), key("expire")
    report.repro(repro(kv.addr, ("SET", a, "v", "EX", 100), ("TTL", a)))
    kv.pipeline([("SET", a, "v", "EX", 100), ("SET", b, "v", "PX", 100000), ("SET", c, "v"),
                 ("EXPIRE", c, 100)])
    for _ in range(3):
        ttl = kv.call("TTL", a)
        assert ttl in (99, 100), f"TTL after SET EX 100: {ttl!r}; expected 99 or 100"
        pttl = kv.call("PTTL", b)
        assert isinstance(pttl, int) and 0 < pttl <= 100000, (
            f"PTTL after SET PX 100000: {pttl!r}; expected above 0 and at most 100000")
        ttl = kv.call("TTL", c)
        assert ttl in (99, 100), f"TTL after EXPIRE 100: {ttl!r}; expected 99 or 100"
        kv.expect(("MGET", a, b, c), [b"v", b"v", b"v"], "keys with 100 s to live")
    # A short time: above 0 while it lasts, never above what was given.
    d = key("short")
    kv.expect(("SET", d, "v", "PX", 2000), Simple("OK"))
    pttl = kv.call("PTTL", d)
    assert isinstance(pttl, int) and 0 < pttl <= 2000, f"PTTL right after SET PX 2000: {pttl!r}"


@pytest.mark.req("KV-042")
def test_active_expiry(fresh, report):
    kv = Conn(fresh.addr)
    try:
        n = 1000
        kv.pipeline([("SET", b"short:%d" % i, "v", "PX", 50) for i in range(n)])
        report.repro(f"redis-cli -p {fresh.port} DBSIZE  # after {n} SET key PX 50, with no "
                     f"command touching the keys")
        deadline = time.monotonic() + T(15)
        size = None
        while time.monotonic() < deadline:
            size = kv.call("DBSIZE")
            if size == 0:
                return
            time.sleep(0.05)
        raise KvError(f"{n} keys SET with PX 50 and never touched again: DBSIZE is still {size} "
                      f"{T(15):.0f}s later; expired keys must be reclaimed without a client "
                      f"reading them")
    finally:
        kv.close()


@pytest.mark.req("KV-043")
def test_ttl_rules(kv, key, report):
    k = key()
    report.repro(repro(kv.addr, ("SET", k, 5, "EX", 100), ("INCR", k), ("TTL", k)))
    kv.expect(("SET", k, "5", "EX", 100), Simple("OK"))
    for cmd in (("INCR", k), ("DECR", k), ("INCRBY", k, 10), ("DECRBY", k, 3)):
        kv.call(*cmd)
        ttl = kv.call("TTL", k)
        assert ttl in (99, 100), (f"{cmd[0]} must keep the time to live: TTL is {ttl!r} after "
                                  f"it (SET EX 100 before)")
    kv.expect(("GET", k), b"12")
    kv.expect(("EXPIRE", k, 500), 1)
    ttl = kv.call("TTL", k)
    assert ttl in (499, 500), f"EXPIRE replaces the time to live: TTL {ttl!r} after EXPIRE 500"
    kv.expect(("EXPIRE", k, 50), 1)
    ttl = kv.call("TTL", k)
    assert ttl in (49, 50), f"EXPIRE replaces a longer time to live too: TTL {ttl!r}"
    kv.expect(("PERSIST", k), 1)
    kv.expect(("TTL", k), -1, "PERSIST removes the time to live")
    kv.expect(("EXPIRE", k, 100), 1)
    kv.expect(("SET", k, "plain"), Simple("OK"))
    kv.expect(("TTL", k), -1, "SET without KEEPTTL discards the time to live")
    kv.expect(("SET", k, "again", "EX", 100), Simple("OK"))
    kv.expect(("SET", k, "x", "PX", 300000), Simple("OK"))
    pttl = kv.call("PTTL", k)
    assert isinstance(pttl, int) and 290000 < pttl <= 300000, (
        f"SET PX 300000 over a key with EX 100: PTTL {pttl!r}")
