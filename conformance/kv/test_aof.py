"""KV-070..076: the append-only file.

The program keeps its file(s) in {datadir}; a restart within a test uses
the same directory and the same options. A kill is SIGKILL to the
program's process group, right after the last acknowledgement. The full
disk of KV-073/074 is real: a tmpfs of 8 MiB mounted for the test (root
is needed; without it the test fails, saying so), filled by a file that
leaves 64 KiB, freed by deleting that file."""
import pathlib
import signal
import time

import pytest

from kvclient import ClosedWhileSending, Conn, Error, INCOMPLETE, KvError, Simple, show
from osnet_harness.launch import describe_status, template_fields
from osnet_harness.disk import fill, mount_tmpfs, unmount
from osnet_harness.timeouts import T

ALWAYS = ("--appendonly", "yes", "--appendfsync", "always")


@pytest.fixture
def disk(impl):
    if "datadir" not in template_fields(impl.template):
        pytest.skip("the launch template has no {datadir}: the program keeps no append-only "
                    "file where the test can find it again after a restart")


def kill9(s):
    s.signal_group(signal.SIGKILL)
    s.wait_exit(T(10))


def stop(s, what):
    s.signal_group(signal.SIGTERM)
    exited(s, what)


def exited(s, what):
    """s, sent SIGTERM, ends within T(15) with status 0."""
    rc = s.wait_exit(T(15))
    assert rc is not None, f"{what}: no exit within {T(15):.0f}s of SIGTERM\n{s.stderr_block()}"
    assert rc == 0, f"{what}: SIGTERM ended the program with {describe_status(rc)}\n" \
                    f"{s.stderr_block()}"


def loaded(s, name="client"):
    """A connection to s once it has replayed its file (Conn.wait_loaded)."""
    c = Conn(s.addr, name=name)
    try:
        c.wait_loaded()
    except BaseException:
        c.close()
        raise
    return c


def contents(c, skip=None):
    """{key: (value, ttl)} of the whole keyspace, ttl being -1 or 'set';
    without the keys starting with skip."""
    out = {}
    for k in c.call("KEYS", "*"):
        if skip is not None and k.startswith(skip):
            continue
        v = c.call("GET", k)
        ttl = c.call("TTL", k)
        out[k] = (v, "set" if isinstance(ttl, int) and ttl > 0 else ttl)
    return out


def compare(got, want, what):
    if got == want:
        return
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    wrong = sorted(k for k in set(got) & set(want) if got[k] != want[k])
    lines = [f"{what}: the keyspace differs from what was acknowledged"]
    if missing:
        lines.append(f"  missing: {show(missing, 300)}")
    if extra:
        lines.append(f"  there but deleted or never set: {show(extra, 300)}")
    for k in wrong[:5]:
        lines.append(f"  {show(k)}: (value, ttl) {show(got[k])}, expected {show(want[k])}")
    raise KvError("\n".join(lines))


ALL_BYTES = bytes(range(256))


def changes(c):
    """Every kind of change, each acknowledged; returns the expected keyspace."""
    def ok(*args, want=Simple("OK")):
        got = c.call(*args)
        if got != want:
            raise KvError(f"{show(args, 80)}: {show(got)}, expected {show(want)} (before any kill)")

    ok("SET", "gone1", "1")
    ok("MSET", "gone2", "2", "gone3", "3")
    ok("FLUSHDB")
    ok("SET", "plain", "value")
    ok("SET", b"bin\x00\xff" + ALL_BYTES, ALL_BYTES + b"\r\n")
    ok("SET", "ex", "v", "EX", 100)
    ok("SET", "persisted", "v", "EX", 100)
    ok("PERSIST", "persisted", want=1)
    ok("SET", "expire", "v")
    ok("EXPIRE", "expire", 100, want=1)
    for i in range(5):
        ok("INCR", "counter", want=i + 1)
    ok("INCRBY", "counter", 10, want=15)
    ok("MSET", "m1", "a", "m2", "b", "m3", "c")
    ok("SET", "deleted", "v")
    ok("DEL", "deleted", "m3", want=2)
    ok("SET", "replaced", "old", "EX", 100)
    ok("SET", "replaced", "new")
    got = c.pipeline([("SET", b"bulk:%d" % i, b"%d" % i) for i in range(500)])
    assert got == [Simple("OK")] * 500, "500 pipelined SETs"
    want = {b"plain": (b"value", -1), b"bin\x00\xff" + ALL_BYTES: (ALL_BYTES + b"\r\n", -1),
            b"ex": (b"v", "set"), b"persisted": (b"v", -1), b"expire": (b"v", "set"),
            b"counter": (b"15", -1), b"m1": (b"a", -1), b"m2": (b"b", -1),
            b"replaced": (b"new", -1)}
    for i in range(500):
        want[b"bulk:%d" % i] = (b"%d" % i, -1)
    return want


@pytest.mark.req("KV-070")
def test_always_survives_kill9(start, disk, report):
    s = start(*ALWAYS)
    with loaded(s) as c:
        want = changes(c)
    report.repro(f"# started with {' '.join(ALWAYS)}; after the writes: kill -9 -{s.pid}; start "
                 f"it again on the same --dir; redis-cli -p PORT KEYS '*'")
    kill9(s)
    again = start(*ALWAYS)
    with loaded(again) as c:
        compare(contents(c), want, "after kill -9 and a restart (--appendfsync always)")


@pytest.mark.req("KV-070")
def test_always_survives_kill9_under_load(start, disk, report):
    """Writes acknowledged right up to the kill, from four clients at once."""
    s = start(*ALWAYS)
    loaded(s).close()
    clients = [Conn(s.addr, name=f"writer {i}") for i in range(4)]
    acked = {}
    try:
        for r in range(50):
            for i, c in enumerate(clients):
                c.send("SET", b"w%d:%d" % (i, r), b"%d" % r)
            for i, c in enumerate(clients):
                if c.read_reply() == Simple("OK"):
                    acked[b"w%d:%d" % (i, r)] = b"%d" % r
        for i, c in enumerate(clients):
            c.send("SET", b"w%d:last" % i, "unacknowledged")
        kill9(s)
    finally:
        for c in clients:
            c.close()
    assert len(acked) == 200
    again = start(*ALWAYS)
    with loaded(again) as c:
        got = c.call("MGET", *acked)
        lost = [k for k, v in zip(acked, got) if v != acked[k]]
        assert not lost, (f"{len(lost)} of {len(acked)} acknowledged SETs are missing after "
                          f"kill -9 and a restart (--appendfsync always): {show(lost[:5])}")


@pytest.mark.req("KV-071")
def test_deadlines_are_absolute(start, disk, report):
    s = start(*ALWAYS)
    with loaded(s) as c:
        assert c.call("SET", "short", "v", "PX", 300) == Simple("OK")
        assert c.call("SET", "long", "v", "PX", 60000) == Simple("OK")
        acked = time.monotonic()
        assert c.call("SET", "keep", "v") == Simple("OK")
    kill9(s)
    # Down for at least a second: "short" expires meanwhile, and "long"
    # must have lost that second when the server is back.
    while time.monotonic() < acked + 1.0:
        time.sleep(0.05)
    again = start(*ALWAYS)
    report.repro(f"# {' '.join(ALWAYS)}: SET long v PX 60000, kill -9, wait 1 s, start again, "
                 f"PTTL long")
    with loaded(again) as c:
        asked = time.monotonic()
        pttl = c.call("PTTL", "long")
        most = 60000 - int((asked - acked) * 1000) + 2
        assert isinstance(pttl, int) and 0 < pttl <= most, (
            f"SET long v PX 60000, then the server was down: {asked - acked:.2f}s after the "
            f"acknowledgement PTTL is {show(pttl)}; expected above 0 and at most {most} (the "
            f"deadline is an absolute time, not reset by the restart)")
        c.expect(("GET", "short"), None, "a key (PX 300) that expired while the server was down")
        c.expect(("EXISTS", "short"), 0)
        got = sorted(c.call("KEYS", "*"))
        assert got == [b"keep", b"long"], f"KEYS * after the restart: {show(got)}"


# Graceful stops per run of the KV-072 test, each while writes are arriving.
STOPS = 4
WINDOW = 64   # SETs in flight while writing through a stop


def write_through_stop(s, c, prefix):
    """Keep WINDOW SETs in flight on c, send SIGTERM once 300 have been
    acknowledged, and keep writing until the server ends the connection;
    returns {key: value} of the SETs acknowledged (+OK read).

    Why: a program that writes its everysec/no buffer only from its timer,
    once a second, and not when it stops, loses what came after the last
    timer write. Stopping it a while after the last acknowledgement (a
    slow machine makes "a while" long) gives that timer time to run and
    hides the loss; a stop that comes while writes are still arriving
    leaves it the one turn of its loop that handles the signal, which
    rarely is the once-a-second one (and STOPS stops make that chance
    small enough to ignore)."""
    acked, inflight, n = {}, [], 0
    sending, signalled = True, False

    def send(k):
        nonlocal n, sending
        cmds = [("SET", b"%s%d" % (prefix, i), b"v%d" % i) for i in range(n, n + k)]
        try:
            c.send_many(cmds)
        except ClosedWhileSending:
            if not signalled:
                raise
            sending = False   # the server is stopping: what it answered counts
            return
        inflight.extend((a[1], a[2]) for a in cmds)
        n += k

    send(WINDOW)
    while inflight:
        if not signalled and len(acked) >= 300:
            send(WINDOW)   # input waiting when the signal comes
            s.signal_group(signal.SIGTERM)
            signalled = True
        r = c.try_reply(T(15))
        if r is INCOMPLETE:
            if signalled:
                break   # the end of the connection (or no exit: exited() says)
            raise KvError(f"{len(acked)} SETs acknowledged, then no reply for {T(15):.0f}s "
                          f"(before any SIGTERM)\n" + c.context())
        key, value = inflight.pop(0)
        if r == Simple("OK"):
            acked[key] = value
        elif not signalled:
            raise KvError(f"SET {show(key)} {show(value)}: {show(r)}, expected +OK "
                          f"(before any SIGTERM)")
        if sending and len(inflight) < WINDOW // 2:
            send(WINDOW // 2)
    return acked


@pytest.mark.req("KV-072")
@pytest.mark.parametrize("fsync", ["everysec", "no"])
def test_graceful_restart(start, disk, fsync, report):
    """Every kind of change, then STOPS times: SETs written through a
    SIGTERM, a restart, and every acknowledged SET must be there."""
    opts = ("--appendonly", "yes", "--appendfsync", fsync)
    s = start(*opts)
    report.repro(f"# started with {' '.join(opts)}: while a client pipelines SETs, "
                 f"kill -TERM -{s.pid}; start it again on the same --dir; every SET that got "
                 f"+OK must be there")
    with loaded(s) as c:
        c.expect(("CONFIG", "GET", "appendonly"), [b"appendonly", b"yes"])
        c.expect(("CONFIG", "GET", "appendfsync"), [b"appendfsync", fsync.encode()])
        want = changes(c)
    acked = {}
    for stop_no in range(1, STOPS + 1):
        what = f"after SIGTERM #{stop_no} of {STOPS} and a restart (--appendfsync {fsync})"
        with Conn(s.addr, name="writer") as c:
            now = write_through_stop(s, c, b"stop%d:" % stop_no)
        exited(s, f"SIGTERM #{stop_no} (while SETs were arriving, {' '.join(opts)})")
        acked.update(now)
        s = start(*opts)
        with loaded(s) as c:
            got = c.call("MGET", *acked)
            lost = [k for k, v in zip(acked, got) if v != acked[k]]
            assert not lost, (
                f"{what}: {len(lost)} of {len(acked)} acknowledged SETs are missing or wrong "
                f"({len(now)} acknowledged before this stop, the last right up to it; SETs kept "
                f"arriving until the program ended the connection): {show(lost[:5])}")
            if stop_no == STOPS:
                compare(contents(c, skip=b"stop"), want, what)


def aof_files(d):
    return sorted((p for p in pathlib.Path(d).rglob("*.aof") if p.is_file()),
                  key=lambda p: p.stat().st_mtime_ns)


@pytest.mark.req("KV-075")
def test_torn_last_record(start, datadir, disk, report):
    s = start(*ALWAYS)
    with loaded(s) as c:
        for i in range(20):
            assert c.call("SET", b"k%d" % i, b"v%d" % i) == Simple("OK")
    stop(s, "stopping the program before the AOF is torn")
    files = aof_files(datadir)
    assert files, f"no *.aof file under --dir after writes with {' '.join(ALWAYS)}: " \
                  f"{sorted(str(p) for p in datadir.rglob('*'))}"
    torn = files[-1]
    with open(torn, "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$4\r\ntorn\r\n$10\r\nonly")
    report.repro(f"printf '*3\\r\\n$3\\r\\nSET\\r\\n$4\\r\\ntorn\\r\\n$10\\r\\nonly' >> {torn}; "
                 f"then start the program again")
    again = start(*ALWAYS)
    with loaded(again) as c:
        got = c.call("MGET", *[b"k%d" % i for i in range(20)])
        assert got == [b"v%d" % i for i in range(20)], (
            f"after a restart with a torn last record in {torn.name}: {show(got, 300)}")
        c.expect(("EXISTS", "torn"), 0, "the torn record is not applied")
        c.expect(("SET", "after", "restart"), Simple("OK"), "writes after loading a torn file")
    stop(again, "stopping the program after it loaded the torn file")
    third = start(*ALWAYS)
    with loaded(third) as c:
        c.expect(("GET", "after"), b"restart",
                 "a write made after loading the torn file, after one more restart")
        c.expect(("GET", "k19"), b"v19")


@pytest.mark.req("KV-076")
def test_nothing_written_without_appendonly(start, datadir, disk, report):
    s = start()
    with loaded(s) as c:
        changes(c)
        c.call("FLUSHDB")
    stop(s, "stopping the program started without --appendonly")
    left = sorted(str(p.relative_to(datadir)) for p in datadir.rglob("*"))
    assert not left, f"without --appendonly the program wrote under --dir: {left}"


# ---- a full disk ------------------------------------------------------------------

SIZE = "8m"
ROOM = 64 << 10


class FullDisk:
    """The program on a tmpfs of its own, the disk filled but for ROOM."""

    def __init__(self, start, workdir, fsync):
        self.path = workdir / "disk"
        mount_tmpfs(self.path, SIZE)
        self.opts = ("--appendonly", "yes", "--appendfsync", fsync)
        self.start = start
        self.servers = []
        self.acked = {}
        self.held = None     # (key, value) of a SET whose reply is held back

    def launch(self):
        s = self.start(*self.opts, datadir=str(self.path))
        self.servers.append(s)
        return s

    def fill(self):
        fill(self.path / "filler", ROOM)

    def free(self):
        (self.path / "filler").unlink()

    def write_until_refused(self, s, c, prefix, limit=2000):
        """SET 4 KiB values on c until one is not acknowledged. Returns how:
        ("error", the error reply), ("closed", None): the connection ended,
        or ("held", None): no reply, and meanwhile a SET on another
        connection is refused with an error (the program holds the reply
        until the change is written; self.held is that SET)."""
        value = b"x" * 4096
        for i in range(limit):
            k = b"%s:%d" % (prefix, i)
            c.send("SET", k, value)
            r = c.try_reply(T(1))
            if r is INCOMPLETE and not c.eof:
                # Slow, or held back? Ask the program for another write.
                with Conn(s.addr, name="probe") as p:
                    pr = p.call("SET", b"osnet:probe", "1", timeout=T(15))
                if isinstance(pr, Error):
                    self.held = (k, value)
                    return "held", None
                r = c.try_reply(T(15))
            if r is INCOMPLETE:
                if c.eof:
                    return "closed", None
                raise KvError(f"SET {i + 1} of 4 KiB, the disk filling up: no reply within "
                              f"{T(16):.0f}s, while another client's SET was acknowledged")
            if r != Simple("OK"):
                if not isinstance(r, Error):
                    raise KvError(f"SET {i + 1} of 4 KiB, the disk filling up: {show(r)}; "
                                  f"expected +OK or an error reply")
                return "error", r
            self.acked[k] = value
        raise KvError(f"{limit} SETs of 4 KiB were all acknowledged on a {SIZE} file system "
                      f"that had {ROOM >> 10} KiB left: the program does not log to --dir?")

    def collect_held(self, c, what):
        """After the disk has room again: a held reply arrives, +OK (the
        change is now acknowledged) or an error."""
        if self.held is None:
            return
        r = c.try_reply(T(15))
        if r is INCOMPLETE:
            raise KvError(f"{what}: the SET whose reply was held while the disk was full got "
                          f"no reply {T(15):.0f}s after the disk had room again "
                          f"({c.eof or 'still open'})")
        if r == Simple("OK"):
            self.acked[self.held[0]] = self.held[1]
        elif not isinstance(r, Error):
            raise KvError(f"{what}: the held SET got {show(r)}")
        self.held = None

    def write_ok(self, c, prefix, n, what):
        """n SETs of 4 KiB, each of which must be acknowledged."""
        for i in range(n):
            k = b"%s:%d" % (prefix, i)
            got = c.call("SET", k, b"y" * 4096)
            if got != Simple("OK"):
                raise KvError(f"{what}: SET {i + 1} of {n} got {show(got)}")
            self.acked[k] = b"y" * 4096

    def check_acked(self, c, what):
        keys = list(self.acked)
        for i in range(0, len(keys), 100):
            part = keys[i:i + 100]
            got = c.call("MGET", *part)
            lost = [k for k, v in zip(part, got) if v != self.acked[k]]
            if lost:
                raise KvError(f"{what}: {len(lost)} acknowledged SETs are missing or changed: "
                              f"{show(lost[:5])}")

    def wait_writable(self, s, what):
        """Poll SET on a new connection until it is acknowledged."""
        with Conn(s.addr, name="writer after the disk was freed") as c:
            deadline = time.monotonic() + T(15)
            got = None
            while time.monotonic() < deadline:
                got = c.call("SET", "after", "space")
                if got == Simple("OK"):
                    self.acked[b"after"] = b"space"
                    return
                time.sleep(0.05)
        raise KvError(f"{what}: the disk has room again, but {T(15):.0f}s later SET still gets "
                      f"{show(got)}: writes must be accepted again without a restart")

    def close(self):
        for s in self.servers:
            s.stop(timeout=T(10))
        unmount(self.path)


def full_disk_run(d, crash, report):
    """Fill the disk, write until refused; then (crash) kill -9 the program
    while the disk is still full, or free the disk and stop it with
    SIGTERM once it writes again; restart on the freed disk and check that
    every acknowledged change is there."""
    s = d.launch()
    report.repro(f"# the program on an {SIZE} tmpfs, {' '.join(d.opts)}; fill the disk, SET "
                 f"until a reply is not +OK, " + ("kill -9, free the disk" if crash else
                 "free the disk, SIGTERM") + ", restart, MGET the keys")
    with loaded(s) as c:
        d.write_ok(c, b"before", 3, "before the disk was filled")
        d.fill()
        how, r = d.write_until_refused(s, c, b"full")
        if crash:
            if s.alive():
                kill9(s)
            d.free()
        else:
            d.free()
            if how == "held":
                d.collect_held(c, "the disk freed again")
    if how == "closed" and s.alive():
        # redis-server exits here (--appendfsync always); a program that
        # only closed the connection goes on and is stopped below.
        s.wait_exit(T(5))
    if s.alive():
        d.wait_writable(s, "the disk freed again")
        stop(s, "the disk freed again")
    again = d.launch()
    with loaded(again) as c:
        d.check_acked(c, f"the disk was full ({len(d.acked)} SETs acknowledged), then "
                         + ("the program was killed (SIGKILL), the disk freed"
                            if crash else "the disk freed, the program stopped (SIGTERM)")
                         + ", and it was started again")


@pytest.mark.req("KV-073")
@pytest.mark.parametrize("fsync", ["always", "everysec"])
def test_disk_full(start, workdir, disk, fsync, report):
    d = FullDisk(start, workdir, fsync)
    try:
        full_disk_run(d, fsync == "always", report)
    finally:
        d.close()


@pytest.mark.req("KV-074")
def test_disk_full_recovers(start, workdir, disk, report):
    d = FullDisk(start, workdir, "everysec")
    try:
        s = d.launch()
        with loaded(s) as c:
            d.write_ok(c, b"before", 3, "before the disk was filled")
            d.fill()
            how, r = d.write_until_refused(s, c, b"full")
            assert how != "closed" and s.alive(), (
                f"--appendfsync everysec, the disk full: after {len(d.acked)} acknowledged SETs "
                f"the connection ended{'' if s.alive() else ' and the program exited'}; "
                f"expected an error reply (or the reply held), the program still serving")
            with Conn(s.addr, name="reader") as rd:
                for k, v in list(d.acked.items())[-3:] + list(d.acked.items())[:1]:
                    rd.expect(("GET", k), v, "a read while the AOF cannot be written")
            d.free()
            d.collect_held(c, "the disk freed again")
            d.wait_writable(s, "the disk freed again")
            d.write_ok(c, b"again", 10, "the disk freed again")
    finally:
        d.close()
