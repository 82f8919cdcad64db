"""KV-054 under load: many clients reset (RST) their connection with big
pipelines the program has not answered, or read, yet; and in the middle
of a request (a pipeline of SETs cut inside one, a 1 MiB bulk cut half
way)."""
import os
import time

import pytest

from inject import fd_count, wait_fds_at_most
from kvfaults import (Conn, Status, encode, expect, fail_note, rss_kib, serves, show,
                      wait_server_read)
from osnet_harness.timeouts import T

EPISODES = 5
READERS = 10       # clients that ask for a lot and read nothing
GETS = 100         # ... GETs of VALUE each: 6.4 MiB of replies
VALUE = 64 << 10
CUTTERS = 5        # clients whose pipeline of SETs is cut inside a command
SETS = 1000
BULKS = 5          # clients whose 1 MiB SET is cut half way
BULK = 1 << 20
SLACK = 2          # descriptors allowed above the count before
BUDGET = 48 << 20  # growth of resident memory allowed from the first episode to the last


def cut_pipeline(ep, c):
    """SETS commands SET r<ep>:<c>:<i> v<i>, cut in the middle of the last
    one's value: (the bytes, the cut command's key)."""
    whole = b"".join(encode("SET", f"r{ep}:{c}:{i}", f"v{i}") for i in range(SETS - 1))
    last = encode("SET", f"r{ep}:{c}:{SETS - 1}", b"w" * 100)
    return whole + last[:len(last) - 40], f"r{ep}:{c}:{SETS - 1}"


@pytest.mark.req("KV-054")
def test_resets_with_big_pipelines(launcher):
    """Expectation: a 64 KiB value is stored; a watcher client is connected;
    the program's descriptors and resident memory are counted. Five
    episodes, each: ten clients with 4 KiB receive buffers send 100 GETs
    of the value in one write and read nothing (6.4 MiB of replies each);
    five send 1000 SETs of keys of their own in one write, the last one cut
    40 bytes before its end; five send a SET of a 1 MiB value cut half way.
    Once the program has read what the cutters sent (their socket's receive
    queue is empty, or 5 s passed) and each reader has some of its
    replies, the watcher's SET and GET are answered, and all twenty reset
    their connections (RST) at once. Then the watcher GETs the value
    intact, a new client can SET and GET, the cut SET's key and the cut
    bulk's key do not exist (a request cut short is never run), and every
    SET of a cut pipeline that was whole is there with its value or not at
    all. At the end the program runs, holds at most 2 descriptors more than
    at first, and within 30 s of the fifth episode its resident memory is
    within 48 MiB of what it was after the first (the memory of reset
    clients, about 70 MiB an episode, is given back, not kept episode after
    episode)."""
    s = launcher.start()
    val = os.urandom(VALUE)
    w = Conn(s.addr)
    try:
        expect(w, ("SET", "big", val), Status("OK"), "before any reset, the watcher", s)
        base = fd_count(s)
        rss = []
        for ep in range(1, EPISODES + 1):
            what = f"episode {ep} of {EPISODES}"
            readers = [Conn(s.addr, rcvbuf=4096) for _ in range(READERS)]
            cutters = [Conn(s.addr) for _ in range(CUTTERS)]
            bulks = [Conn(s.addr) for _ in range(BULKS)]
            cut_keys = []
            try:
                for r in readers:
                    r.send_raw(encode("GET", "big") * GETS)
                for c, conn in enumerate(cutters):
                    data, key = cut_pipeline(ep, c)
                    cut_keys.append(key)
                    conn.send_raw(data)
                for b, conn in enumerate(bulks):
                    key = f"b{ep}:{b}"
                    cut_keys.append(key)
                    conn.send_raw(encode("SET", key, b"z" * BULK)[:BULK // 2])
                for conn in cutters + bulks:
                    wait_server_read(s.port, conn.sock, T(5))
                deadline = time.monotonic() + T(15)
                for i, r in enumerate(readers):
                    while r.unread() == 0:
                        if time.monotonic() > deadline:
                            raise AssertionError(f"{what}: reader {i + 1} got no byte of its "
                                                 f"replies within {T(15):.0f}s" + fail_note(s))
                        time.sleep(0.01)
                expect(w, ("SET", f"w{ep}", "x"), Status("OK"),
                       f"{what}, with 20 clients holding big pipelines, the watcher", s)
                expect(w, ("GET", f"w{ep}"), b"x", f"{what}, the watcher", s)
            finally:
                for conn in readers + cutters + bulks:
                    conn.reset()
            what += ": after 20 clients reset with big pipelines"
            expect(w, ("GET", "big"), val, f"{what}, the watcher", s)
            serves(s, what)
            with Conn(s.addr) as c:
                for key in cut_keys:
                    got = c.cmd("EXISTS", key)
                    if got != 0:
                        raise AssertionError(f"{what}: EXISTS {key} answered {show(got)}: the "
                                             f"request that sets it was cut short and reset, "
                                             f"yet it was run" + fail_note(s))
                for k in range(CUTTERS):
                    keys = [f"r{ep}:{k}:{i}" for i in range(SETS - 1)]
                    got = c.cmd("MGET", *keys)
                    bad = [(key, g) for i, (key, g) in enumerate(zip(keys, got))
                           if g is not None and g != b"v%d" % i]
                    if bad:
                        raise AssertionError(f"{what}: {bad[0][0]} holds {show(bad[0][1])}, not "
                                             f"the value its SET gave" + fail_note(s))
            n, ok = wait_fds_at_most(s, base + SLACK, T(10))
            if not ok:
                raise AssertionError(f"{what}: the program holds {n} descriptors; it held "
                                     f"{base} before, at most {base + SLACK} are allowed: "
                                     f"descriptors of reset connections are left open"
                                     + fail_note(s))
            rss.append(rss_kib(s))
        # An allocator may keep freed pages a while before it gives them
        # back (jemalloc's decay, about 10 s): wait for that, up to 30 s.
        bound = rss[0] + (BUDGET >> 10)
        deadline = time.monotonic() + T(30)
        while rss_kib(s) > bound and time.monotonic() < deadline:
            time.sleep(0.2)
        now = rss_kib(s)
        if now > bound:
            raise AssertionError(f"the program's resident memory is {now >> 10} MiB {T(30):.0f} s "
                                 f"after the last episode, {(now - rss[0]) >> 10} MiB more than "
                                 f"after the first (after each: "
                                 f"{', '.join(str(x >> 10) for x in rss)} MiB); at most "
                                 f"{BUDGET >> 20} MiB more is allowed: the memory of reset "
                                 f"clients (6.4 MiB of replies each) is kept" + fail_note(s))
    finally:
        w.close()
    assert s.alive(), "the program exited after clients reset" + fail_note(s)
