"""KV-070 under load: kill -9 in the middle of a write load with
--appendonly yes --appendfsync always, and a restart on the same
directory."""
import signal
import threading

import pytest

from kvfaults import (Closed, Conn, Err, Model, NoReply, Status, fail_note, loaded,
                      require_datadir, show, show_cmd, stop_gracefully)
from osnet_harness.timeouts import T

ROUNDS = 3
CLIENTS = 4
ACKS = 400  # changes acknowledged in a round (all clients) before the kill
ARGS = ["--appendonly", "yes", "--appendfsync", "always"]


class Writer(threading.Thread):
    """A client that changes keys of its own one command at a time on one
    connection until `stop` is set or the connection ends: SET of a new key
    (every third with EX 100000), and in turn INCR of its counter, DEL of
    its oldest key, MSET of two new keys, EXPIRE of a key, PERSIST of it.
    Every reply is checked; what each change came to goes into the Model
    (its own: each writer's keys are its own). `progress` is released once
    per acknowledged change; `bad` holds anything wrong."""

    def __init__(self, server, prefix, stop, progress, model):
        super().__init__(daemon=True)
        self.server, self.prefix, self.stop_event = server, prefix, stop
        self.progress, self.model = progress, model
        self.n = 0
        self.live = []
        self.deadline = {}  # key -> has a deadline (EX, EXPIRE) or not, as acknowledged
        self.bad = []

    def next(self):
        """(args, keys, values after, expected reply)"""
        n = self.n
        self.n += 1
        p = self.prefix
        ctr = f"{p}:ctr"
        if n % 6 == 1 and ctr in self.model.state:
            new = int(self.model.state[ctr] or b"0") + 1
            return ("INCR", ctr), [ctr], [str(new).encode()], new
        if n % 6 == 3 and self.live:
            k = self.live.pop(0)
            return ("DEL", k), [k], [None], 1
        if n % 6 == 5 and self.live:
            k = self.live[-1]
            # The value stays: EXPIRE and PERSIST change the deadline only.
            if n % 12 == 5:
                return ("EXPIRE", k, "100000"), [k], [self.model.state[k]], 1
            return ("PERSIST", k), [k], [self.model.state[k]], 1 if self.deadline.get(k) else 0
        if n % 6 == 4:
            ks = [f"{p}:{n}a", f"{p}:{n}b"]
            vs = [b"ma%d" % n, b"mb%d" % n]
            return ("MSET", ks[0], vs[0], ks[1], vs[1]), ks, vs, Status("OK")
        k, v = f"{p}:{n}", b"v%d-" % n + b"x" * (n % 50)
        args = ("SET", k, v) + (("EX", "100000") if n % 3 == 0 else ())
        return args, [k], [v], Status("OK")

    def run(self):
        try:
            conn = Conn(self.server.addr)
        except OSError as e:
            self.bad.append(f"cannot connect: {e}")
            return
        try:
            while not self.stop_event.is_set():
                args, keys, vals, want = self.next()
                try:
                    r = conn.cmd(*args, timeout=T(30))
                except (Closed, NoReply) as e:
                    # The kill cut it: it may have been made or not.
                    self.model.maybe(keys, vals)
                    for k in keys:
                        self.deadline.pop(k, None)
                    if isinstance(e, NoReply):
                        self.bad.append(f"{show_cmd(args)}: no reply within {T(30):.0f}s")
                    return
                if r != want or type(r) is not type(want):
                    self.bad.append(f"{show_cmd(args)}: answered {show(r)}, expected "
                                    f"{show(want)}")
                    if isinstance(r, Err):
                        self.model.refused(keys)
                    return
                self.model.ack(keys, vals)
                if args[0] in ("SET", "MSET"):
                    self.live += keys
                if args[0] != "INCR":
                    for k in keys:
                        self.deadline[k] = "EX" in args or args[0] == "EXPIRE"
                if args[0] == "DEL":
                    self.deadline.pop(keys[0], None)
                self.progress.release()
        finally:
            conn.close()


@pytest.mark.req("KV-070")
def test_kill9_under_write_load(launcher, impl):
    """Expectation: the program runs with --appendonly yes --appendfsync
    always. Four clients change keys of their own, each one command after
    another on one connection: SET of new keys (a third with EX 100000),
    INCR of a counter, DEL of the oldest key, MSET of two new keys, EXPIRE
    and PERSIST of a key; each reply is checked. Once 400 changes of the
    round are acknowledged, the program's whole process group gets
    SIGKILL, in the middle of the load. It is started again on the same
    directory, and: every acknowledged change is there (each key holds
    what its last acknowledged change left, deleted keys are gone; a key
    whose last change gave it a deadline has a TTL above 0, one SET
    without EX or PERSISTed has TTL -1); a change whose reply the kill cut is
    all there or not at all (both keys of an MSET, or neither). Three
    rounds, the keys of every round checked again after each restart. Then
    SIGTERM: exit status 0."""
    require_datadir(impl)
    model = Model()
    s = launcher.start(args=ARGS)
    total = 0
    for rnd in range(1, ROUNDS + 1):
        stop = threading.Event()
        progress = threading.Semaphore(0)
        writers = [Writer(s, f"r{rnd}c{k}", stop, progress, model) for k in range(CLIENTS)]
        for w in writers:
            w.start()
        try:
            for k in range(ACKS):
                if not progress.acquire(timeout=T(60)):
                    bad = [b for w in writers for b in w.bad]
                    raise AssertionError(f"round {rnd}: only {k} of {ACKS} changes were "
                                         f"acknowledged within {T(60):.0f}s"
                                         + (f"; {bad[0]}" if bad else "") + fail_note(s))
            s.signal_group(signal.SIGKILL)
            if s.wait_exit(T(10)) is None:
                raise AssertionError(f"round {rnd}: the program outlived SIGKILL")
        finally:
            stop.set()
            for w in writers:
                w.join(T(40))
        for w in writers:
            if w.is_alive():
                raise AssertionError(f"round {rnd}: a client got no answer within {T(30):.0f}s "
                                     f"after the program was killed")
            if w.bad:
                raise AssertionError(f"round {rnd}, under load before the kill: {w.bad[0]}"
                                     + fail_note(s))
        total += ACKS
        what = (f"round {rnd}: after SIGKILL in the middle of a write load ({CLIENTS} clients, "
                f"--appendfsync always, {total} changes acknowledged so far), started again "
                f"on the same directory")
        s = loaded(launcher.start(args=ARGS), what)
        model.check(s, what)
        # Deadlines too: a key SET with EX or given one with EXPIRE has it
        # still (100000 s: not expired), one SET without or PERSISTed has none.
        with Conn(s.addr) as c:
            for w in writers:
                for k, has in w.deadline.items():
                    ttl = c.cmd("TTL", k)
                    if not isinstance(ttl, int) or (ttl <= 0 if has else ttl != -1):
                        raise AssertionError(
                            f"{what}: TTL {k} answered {show(ttl)}; its last acknowledged "
                            f"change left it " + ("a deadline 100000 s away" if has else
                                                  "without a deadline") + fail_note(s))
    stop_gracefully(s, f"after {ROUNDS} rounds of kill -9 and restart")
