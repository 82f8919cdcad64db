"""KV-081: memory runs out inside kv (libfiu's libc/mm points, switched on
and off through its control FIFO), modelled on faults/items/test_malloc.py:
windows in which malloc, calloc and realloc fail, every call or a quarter
of them, while commands come one at a time and a burst of clients at once.

redis-server aborts when an allocation fails (zmalloc's out-of-memory
handler), by design: conformance/references.toml skips KV-081 for it."""
import os

import pytest

from inject import BURST, Fiu, malloc_scenario
from kvfaults import Closed, Conn, Err, Model, NoReply, Status, fail_note, show, show_cmd
from osnet_harness.timeouts import T

WINDOWS = ((1.0, 6), (0.25, 48))  # (probability, commands one at a time)
BIG = 100 << 10                   # the size of the values SET on the kept connection


def oom_error(reply):
    """Is reply an error that says memory ran out? (ours: -OOM out of
    memory; redis words its maxmemory refusal -OOM command not allowed ...)"""
    return isinstance(reply, Err) and (reply.code == "OOM" or "memory" in reply.text.lower())


class Probe:
    """Commands of six shapes in turn, each checked: SET of a new key
    (every other one with EX, new connection), GET of a known key (kept
    connection), MSET of three new keys (new connection), INCR of a counter
    (kept), PING (new connection), SET of a 100 KiB value on one key
    (kept). It records in a Model what was acknowledged, refused (an error
    reply) or left without a reply; the counter's replies must follow each
    other. With `shape`, every command has that one shape."""

    def __init__(self, server, model, known, read_timeout, who="command", shape=None, base=0):
        self.server, self.model, self.known = server, model, known
        self.read_timeout = read_timeout
        self.who, self.shape = who, shape
        self.kept = None
        self.n = base
        self.counts = {"ok": 0, "error": 0, "closed": 0}
        self.ctr = [0, 0]  # the counter is between these (unsure INCRs widen it)

    def close(self):
        if self.kept is not None:
            self.kept.close()
            self.kept = None

    def _command(self, i, shape):
        """(args, keys changed, their values if it succeeds, kept?)"""
        if shape == 0:
            key, val = f"mm:{i}", b"v%d" % i
            args = ("SET", key, val) + (("EX", "100000") if i % 2 else ())
            return args, [key], [val], False
        if shape == 1:
            return ("GET", self.known[0]), [], [], True
        if shape == 2:
            keys = [f"mm:{i}:{x}" for x in "abc"]
            vals = [b"m%d%s" % (i, x.encode()) for x in "abc"]
            args = ["MSET"]
            for k, v in zip(keys, vals):
                args += [k, v]
            return tuple(args), keys, vals, False
        if shape == 3:
            return ("INCR", "mm:counter"), ["mm:counter"], [None], True
        if shape == 4:
            return ("PING",), [], [], False
        val = (b"%08d" % i) * (BIG // 8)
        return ("SET", "mm:big", val), ["mm:big"], [val], True

    def one(self):
        """Send the next command; returns ('ok' | 'error' | 'closed', detail).
        Raises AssertionError for a wrong reply or none at all."""
        i = self.n
        self.n += 1
        shape = i % 6 if self.shape is None else self.shape
        args, keys, vals, kept = self._command(i, shape)
        what = f"{self.who} #{i + 1} ({show_cmd(args)})"
        conn = None
        try:
            if kept:
                if self.kept is None:
                    self.kept = Conn(self.server.addr)
                conn = self.kept
            else:
                conn = Conn(self.server.addr)
            r = conn.cmd(*args, timeout=self.read_timeout)
        except NoReply as e:
            self._drop(conn, kept)
            raise AssertionError(f"{what}: neither answered nor closed within "
                                 f"{self.read_timeout:.0f}s ({e})") from None
        except (Closed, OSError) as e:  # refused, reset, closed without a reply
            self._drop(conn, kept)
            if shape == 3:
                self.ctr[1] += 1
                self.model.state.pop("mm:counter", None)  # the bounds check it
            elif keys:
                self.model.maybe(keys, vals)
            self.counts["closed"] += 1
            return "closed", str(e)
        if not kept:
            self._drop(conn, kept)
        if isinstance(r, Err):
            if not oom_error(r):
                raise AssertionError(f"{what}: error reply {show(r)}, which does not say memory "
                                     f"ran out: a valid command refused as if it were wrong "
                                     f"(expected the right reply or -OOM ...)")
            if keys and shape != 3:
                self.model.refused(keys)
            self.counts["error"] += 1
            return "error", r
        want = {0: Status("OK"), 1: self.known[1], 2: Status("OK"), 4: Status("PONG"),
                5: Status("OK")}.get(shape)
        if shape == 3:
            lo, hi = self.ctr
            if not isinstance(r, int) or not lo + 1 <= r <= hi + 1:
                raise AssertionError(f"{what}: answered {show(r)}; the counter was "
                                     + (f"{lo}" if lo == hi else f"between {lo} and {hi}")
                                     + " before, so INCR must answer "
                                     + (f":{lo + 1}" if lo == hi else f"between {lo + 1} and "
                                                                      f"{hi + 1}"))
            self.ctr = [r, r]
            self.model.ack(keys, [str(r).encode()])
        elif r != want or type(r) is not type(want):
            raise AssertionError(f"{what}: answered {show(r)}, expected {show(want)} or an "
                                 f"-OOM error")
        elif keys:
            self.model.ack(keys, vals)
        self.counts["ok"] += 1
        return "ok", show(r)

    def _drop(self, conn, kept):
        if conn is not None:
            conn.close()
        if kept:
            self.kept = None


@pytest.mark.req("KV-081")
def test_malloc_failures(launcher, workdir):
    """Expectation: the program runs under fiu-run; a known key is SET and
    six commands answered before any fault. Then malloc, calloc and realloc
    fail, first every call, then a quarter of them. In each window 8 clients
    come at once (each a SET of a new key or an MSET of three new keys, on
    a new connection), then commands one at a time (6, then 48) cycle
    through SET of a new key (half with EX), GET of the known key, MSET of
    three new keys, INCR of a counter, PING and SET of a 100 KiB value.
    Every command gets its right reply, or an error reply saying memory ran
    out (-OOM ...), or its connection closes; never a wrong reply (nil for
    the known key, another error), never a hang; while every call fails,
    commands not answered within 3 s end that window (memory comes back,
    and they must be answered or closed then). The counter's replies go up
    by one for each INCR that was answered (more after one that got no
    reply). The program never dies. Once memory is back, 12 commands in a
    row succeed, and then: every acknowledged SET and MSET is there; a SET
    or MSET refused with an error changed nothing (its keys are absent, or
    hold what they held); an MSET left without a reply set all three keys
    or none (never some of them). Skipped when libfiu is not in the
    program, or when no command was touched."""
    fiu = Fiu(workdir, control=True)
    s = launcher.start(wrap=fiu.wrap())
    known = ("mm:known", os.urandom(64))
    with Conn(s.addr) as c:
        if c.cmd("SET", *known) != Status("OK"):
            raise AssertionError("before any fault, SET of the known key failed" + fail_note(s))
    model = Model()
    model.ack([known[0]], [known[1]])
    probe = Probe(s, model, known, read_timeout=T(20))
    bursts = []

    def burst(w):
        clients = [Probe(s, model, known, probe.read_timeout, shape=0 if j % 2 == 0 else 2,
                         who=f"burst client {j + 1} of {BURST}, command",
                         base=100000 * (w + 1) + 10 * j) for j in range(BURST)]
        bursts.extend(clients)
        return clients

    try:
        seen = malloc_scenario(s, fiu, probe, "kv", burst, windows=WINDOWS, before=6)
    finally:
        probe.close()
    if isinstance(seen, str):
        pytest.skip(seen)
    if not seen:
        pytest.skip("every command was answered correctly while malloc, calloc and realloc "
                    "failed: the program does not allocate through the C library's malloc "
                    "(its own allocator, or memory set aside in advance), so the fault did "
                    "not reach it")
    counts = {k: probe.counts[k] + sum(b.counts[k] for b in bursts) for k in probe.counts}
    what = (f"memory back, after the windows of failed allocations ({counts['ok']} commands "
            f"answered right, {counts['error']} refused with -OOM, {counts['closed']} closed)")
    model.check(s, what)
    lo, hi = probe.ctr
    with Conn(s.addr) as c:
        got = c.cmd("GET", "mm:counter")
    n = int(got) if isinstance(got, bytes) else 0
    if not lo <= n <= hi:
        raise AssertionError(f"{what}: the counter holds {show(got)}; its INCRs allow "
                             f"{lo}..{hi}" + fail_note(s))
