"""KV-073, KV-074: the append-only file cannot be synced. fdatasync and
fsync fail (libfiu's posix/io/sync points, switched on and off through its
control FIFO) with --appendfsync always, while changes of several kinds
come one at a time.

The full disk (a real ENOSPC) is conformance/kv/test_aof.py's, with always
and everysec; this is the other way a log fails, and it also checks what
that one does not: a refused change is never made (not visible while the
fault lasts, not there after the restart), for SET, INCR and DEL alike.
libfiu's posix/io/rw/write is not used: it would also fail the program's
log lines on stderr. With always, redis-server exits when a sync of its
AOF fails ("Can't persist AOF for fsync error when the AOF fsync policy is
'always'"), before it answers: KV-073 allows that (the change is not
acknowledged), and the test then starts it again.
"""
import errno
import signal
import time

import pytest

from inject import Fiu, fiu_command_all, fiu_missing
from kvfaults import (Closed, Conn, Err, Model, NoReply, Status, fail_note, loaded,
                      require_datadir, show, show_cmd, stop_gracefully)
from osnet_harness.timeouts import T

VALUE = 3000         # bytes of each SET's value
SYNC = ("posix/io/sync/fdatasync", "posix/io/sync/fsync")


class Writes:
    """Changes one at a time on a kept connection, recorded in a Model:
    SET of a new key (a 3000-byte value), and in turn an INCR of a counter
    and a DEL of the oldest key still there. Each returns ('ok' | 'error' |
    'closed', the reply or why)."""

    def __init__(self, server, model):
        self.server, self.model = server, model
        self.conn = None
        self.n = 0
        self.live = []  # keys SET and acknowledged, oldest first
        self.held = []  # changes whose reply did not come during the fault

    def next(self):
        n = self.n
        self.n += 1
        ctr = "aof:ctr"
        if n % 4 == 3 and ctr in self.model.state:
            now = self.model.state[ctr]
            new = str(int(now or b"0") + 1).encode()
            return ("INCR", ctr), [ctr], [new], int(new)
        if n % 7 == 6 and self.live:
            k = self.live[0]
            return ("DEL", k), [k], [None], 1
        k = f"aof:{n}"
        return ("SET", k, (b"%06d" % n) * (VALUE // 6)), [k], None, Status("OK")

    def one(self, what):
        args, keys, vals, want = self.next()
        if vals is None:
            vals = [args[2]]
        what = f"{what}: {show_cmd(args)}"
        before = [self.model.now(k) for k in keys]
        try:
            if self.conn is None:
                self.conn = Conn(self.server.addr)
            r = self.conn.cmd(*args, timeout=T(5))
        except NoReply:
            # Not answered (yet): the program may hold the reply until the
            # change is written. The next changes go on a new connection;
            # settle() reads this one's reply once the fault is gone.
            self.model.maybe(keys, vals)
            self._unsure(keys)
            self.held.append((self.conn, what, args, keys, vals, want, before))
            self.conn = None
            return "held", "no reply within 5 s"
        except (Closed, OSError) as e:
            self.close()
            self.model.maybe(keys, vals)
            self._unsure(keys)
            return "closed", str(e)
        return self._answered(what, r, args, keys, vals, want, before), r

    def _answered(self, what, r, args, keys, vals, want, before):
        if isinstance(r, Err):
            self.model.ack(keys, before)  # what it held before: nothing changed
            return "error"
        if r != want or type(r) is not type(want):
            raise AssertionError(f"{what}: answered {show(r)}, expected {show(want)} or an "
                                 f"error reply" + fail_note(self.server))
        self.model.ack(keys, vals)
        if args[0] == "SET":
            self.live.append(keys[0])
        self._unsure(keys if args[0] == "DEL" else [])
        return "ok"

    def _unsure(self, keys):
        """No more DELs of these keys (deleted, or maybe)."""
        self.live = [k for k in self.live if k not in keys]

    def settle(self, what):
        """The replies held back during the fault must come now (the fault
        is gone): each is the change's right reply or an error reply."""
        for conn, cwhat, args, keys, vals, want, before in self.held:
            try:
                r = conn.reply(timeout=T(15))
            except (Closed, NoReply) as e:
                raise AssertionError(f"{what}: the change not answered during the fault "
                                     f"({cwhat}) still has no reply {T(15):.0f}s later ({e})"
                                     + fail_note(self.server)) from None
            finally:
                conn.close()
            self._answered(f"{what}: the change not answered during the fault ({cwhat})", r,
                           args, keys, vals, want, before)
        self.held = []

    def must(self, what):
        outcome, r = self.one(what)
        if outcome != "ok":
            raise AssertionError(f"{what}: a change got {show(r) if outcome == 'error' else r}, "
                                 f"expected it to be acknowledged" + fail_note(self.server))

    def until_ok(self, what, timeout):
        """Changes every 0.1 s until one is acknowledged (writes accepted
        again); the refused ones are recorded. AssertionError after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            outcome, r = self.one(what)
            if outcome == "ok":
                return
            if outcome == "closed" or time.monotonic() > deadline:
                raise AssertionError(f"{what}: changes are still refused after "
                                     f"{timeout:.0f}s (the last got "
                                     f"{show(r) if outcome == 'error' else r})"
                                     + fail_note(self.server))
            time.sleep(0.1)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def exited_without_reply(s, what, r):
    """A change got no reply and its connection closed: the program must
    have exited (KV-073 allows that with always)."""
    rc = s.wait_exit(T(10))
    if rc is None:
        raise AssertionError(f"{what}: the connection closed without a reply ({r}), yet the "
                             f"program runs on: a change must be answered with an error, or "
                             f"the program exit" + fail_note(s))
    return rc


def recovered(launcher, s, w, model, what, start_args):
    """The end of the scenario: changes are accepted (after a restart if
    the program exited); SIGKILL; started again on the same directory the
    program holds exactly what the replies said; SIGTERM, status 0.

    SIGKILL, not SIGTERM, for the instance under fiu-run: libfiu's control
    thread does not block SIGTERM, so a program that takes its signals from
    a signalfd (blocked in its own threads only) dies of the default action
    there, through no fault of its own. With always, SIGKILL loses nothing
    acknowledged (KV-070)."""
    if not s.alive():
        s = loaded(launcher.start(args=start_args), what)
        model.check(s, f"{what}; started again after it exited")
        w.server = s
        w.close()
    for k in range(5):
        w.must(f"{what}, change {k + 1} of 5")
    w.close()
    model.check(s, what)
    s.signal_group(signal.SIGKILL)
    s.wait_exit(T(10))
    s2 = loaded(launcher.start(args=start_args), what)
    model.check(s2, f"{what}; killed (SIGKILL) and started again on the same directory")
    stop_gracefully(s2, f"{what}; started again and checked")


@pytest.mark.req("KV-073", "KV-074")
def test_fsync_fails(launcher, impl, workdir):
    """Expectation: the program runs under fiu-run with --appendonly yes
    and --appendfsync always. Three changes are acknowledged; then every
    fdatasync and fsync fails with EIO. The next change is refused at once:
    an error reply (ours: -MISCONF Errors writing to the AOF file:
    Input/output error); or its reply held back (none within 5 s: the next
    changes go on a new connection, and that reply must come, right or an
    error, within 15 s of the fault being switched off); or the program
    exits without answering. A change acknowledged while no sync succeeds
    fails the test. If it runs: two
    more changes are refused as well, every key holds what the replies said
    (reads are answered, and a refused change changed nothing), the fault
    is switched off, and within 15 s a change is acknowledged again. Five
    more changes are acknowledged; SIGKILL; started again (without libfiu)
    on the same directory: every acknowledged change is there, every
    refused one is not, and a change that got no reply is all there or not
    at all; SIGTERM: exit status 0. Skipped when libfiu is not in the
    program.

    Only always: with everysec the sync runs in a thread of its own, and
    redis-server's (jemalloc's) allocations there deadlock inside libfiu's
    mmap wrapper once a point is on, a hang of the tool and not of the
    program; conformance/kv's full disk covers everysec."""
    require_datadir(impl)
    fiu = Fiu(workdir, control=True)
    args = ["--appendonly", "yes", "--appendfsync", "always"]
    s = launcher.start(wrap=fiu.wrap(), args=args)
    missing = fiu_missing(s, fiu, "fdatasync failures")
    if missing:
        pytest.skip(missing)
    model = Model()
    w = Writes(s, model)
    for k in range(3):
        w.must(f"--appendfsync always, before the fault, change {k + 1} of 3")
    words = "--appendfsync always, every fdatasync and fsync failing with EIO"
    fiu_command_all(s, fiu, [f"enable name={p},failinfo={errno.EIO}" for p in SYNC])
    on = True
    try:
        outcome, r = w.one(f"{words}, the first change")
        if outcome == "ok":
            raise AssertionError(f"{words}: the first change was acknowledged ({show(r)}) "
                                 f"although its sync failed, or the program syncs with a "
                                 f"call libfiu cannot fail (O_DSYNC, sync_file_range, "
                                 f"syscall())" + fail_note(s))
        what = f"{words}: a change got {show(r) if outcome == 'error' else 'no reply: ' + r}"
        if outcome == "closed":
            exited_without_reply(s, what, r)
        else:
            for j in range(2):
                outcome, r = w.one(f"{what}; change {j + 1} of 2 more")
                if outcome == "closed":
                    exited_without_reply(s, what, r)
                    break
                if outcome == "ok":
                    raise AssertionError(f"{what}; change {j + 1} of 2 more was acknowledged "
                                         f"while every sync still fails" + fail_note(s))
        if s.alive():
            model.check(s, f"{what}; reading every key back")
            fiu_command_all(s, fiu, [f"disable name={p}" for p in SYNC])
        on = False
        what += "; then the fault switched off"
        if s.alive():
            w.until_ok(f"{what}, without a restart", T(15))
            w.settle(what)
    finally:
        if on and s.alive():
            fiu_command_all(s, fiu, [f"disable name={p}" for p in SYNC])
    recovered(launcher, s, w, model, what, args)
