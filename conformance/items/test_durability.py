"""ITEMS-110..114: what is acknowledged survives SIGKILL (SQLite storage).

These tests need a program that keeps its items in {datadir}: the `disk`
fixture skips them for a template without it (the memory references)."""
import pathlib
import signal
import sqlite3
import sys
import threading

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from itemskit import MERGE, Items, core, same_item, stop_gracefully, uname  # noqa: E402
from osnet_harness.httpclient import Conn  # noqa: E402
from osnet_harness.launch import describe_status  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402


def kill_and_restart(launcher, svc):
    """SIGKILL to the program's process group, then the same program on
    the same {datadir} (a new port)."""
    svc.server.signal_group(signal.SIGKILL)
    svc.server.wait_exit(T(10))
    return Items(launcher.start())


def by_id(svc):
    return {it["id"]: it for it in svc.all_items()}


@pytest.mark.req("ITEMS-110")
def test_creates_survive_kill(launcher, disk):
    svc = Items(launcher.start())
    acked, stop = [], threading.Event()
    enough = threading.Event()

    def writer():
        try:
            with Conn(svc.addr) as c:
                n = 0
                while not stop.is_set():
                    n += 1
                    it = svc.create(conn=c, name=uname(f"d{n}"), price=n + 0.5, quantity=n,
                                    tags=[f"t{n}", "x"])
                    acked.append(it)
                    if len(acked) >= 30:
                        enough.set()
        except Exception:     # the kill ends the connection in the middle of a request
            pass
        finally:
            enough.set()

    t = threading.Thread(target=writer)
    t.start()
    assert enough.wait(T(60)), "30 creates were not acknowledged in time"
    svc.server.signal_group(signal.SIGKILL)   # while the writer is still creating
    svc.server.wait_exit(T(10))
    stop.set()
    t.join(T(30))
    assert len(acked) >= 30, f"only {len(acked)} creates were acknowledged before the kill"
    again = Items(launcher.start())
    now = by_id(again)
    lost = [core(a) for a in acked if a["id"] not in now or not same_item(now[a["id"]], a)]
    assert not lost, (f"{len(lost)} of {len(acked)} acknowledged creates are missing or changed "
                      f"after SIGKILL and a restart: {lost[:5]}")
    extra = set(now) - {a["id"] for a in acked}
    assert len(extra) <= 1, f"items nobody created are there after the restart: {sorted(extra)}"
    stored = again.gauge("items_stored")
    assert stored == len(now), f"items_stored is {stored:g} after the restart; {len(now)} listed"


@pytest.mark.req("ITEMS-111")
def test_changes_survive_kill(launcher, disk):
    svc = Items(launcher.start())
    items = [svc.create(price=i, quantity=i) for i in range(4)]
    put = {"name": uname("replaced"), "price": 99.5, "tags": ["new"]}
    svc.json_of(svc.call("PUT", f"/items/{items[0]['id']}", put), 200, "PUT")
    svc.json_of(svc.call("PATCH", f"/items/{items[1]['id']}", {"quantity": 77, "tags": None},
                         ctype=MERGE), 200, "PATCH")
    svc.delete(items[2]["id"])
    want = {items[0]["id"]: {"id": items[0]["id"], "quantity": 0, **put},
            items[1]["id"]: dict(items[1], quantity=77, tags=[]),
            items[3]["id"]: items[3]}
    again = kill_and_restart(launcher, svc)
    now = by_id(again)
    assert set(now) == set(want), (f"after SIGKILL and a restart the ids are {sorted(now)}; "
                                   f"expected {sorted(want)} (item {items[2]['id']} was deleted)")
    for i, w in want.items():
        assert same_item(now[i], w), f"item {i} after the restart: {core(now[i])}, expected {w}"


@pytest.mark.req("ITEMS-112")
def test_ids_not_reused_after_restart(launcher, disk):
    svc = Items(launcher.start())
    ids = [svc.create()["id"] for _ in range(4)]
    svc.delete(ids[-1])
    svc.delete(ids[-2])
    again = kill_and_restart(launcher, svc)
    n = again.create()["id"]
    assert n > max(ids), (f"after SIGKILL and a restart a new item got id {n}; ids {ids} were "
                          f"given before (the last two deleted): an id is never given again")
    rc = stop_gracefully(again.server)
    assert rc == 0
    third = Items(launcher.start())
    m = third.create()["id"]
    assert m > n, f"after a graceful restart a new item got id {m}, not above {n}"


def _databases(d):
    return [p for p in d.iterdir() if p.is_file() and not p.name.endswith(
        ("-wal", "-shm", "-journal"))]


@pytest.mark.req("ITEMS-113")
def test_wal_mode_and_clean_stop(launcher, disk):
    svc = Items(launcher.start())
    for _ in range(5):
        svc.create()
    dbs = _databases(disk)
    assert dbs, f"no database file in {{datadir}} ({disk}) while the program runs"
    rc = stop_gracefully(svc.server)
    assert rc == 0, f"after SIGTERM the program ended with {describe_status(rc)}, expected 0"
    left = [p.name for p in disk.iterdir() if p.name.endswith("-wal")]
    assert not left, (f"after a graceful stop {left} is still there: the program did not close "
                      f"its database connections (closing the last one checkpoints and removes "
                      f"the log)")
    for db in dbs:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            mode = con.execute("PRAGMA journal_mode").fetchone()[0]
        finally:
            con.close()
        assert mode.lower() == "wal", f"{db.name}: PRAGMA journal_mode is {mode!r}, expected wal"


@pytest.mark.req("ITEMS-114")
@pytest.mark.parametrize("kind", ["missing-directory", "a-file"])
def test_unopenable_database_exits_1(launcher, disk, workdir, kind):
    base = pathlib.Path(workdir)
    if kind == "a-file":
        bad = base / "not-a-directory"
        bad.write_text("a file where the data directory should be\n")
    else:
        bad = base / "no" / "such" / "dir"
    s = launcher.start(ready=False, datadir=str(bad))
    rc = s.wait_exit(T(10))
    assert rc is not None, f"with {{datadir}} = {bad} ({kind}) the program was still running " \
                           f"after {T(10):.0f}s\n{s.stderr_block()}"
    assert rc == 1, (f"with a database that cannot be created ({{datadir}} = {bad}: {kind}) the "
                     f"program ended with {describe_status(rc)}; expected exit status 1\n"
                     f"{s.stderr_block()}")
    assert s.stderr_tail().strip(), \
        f"exit status 1 but no message on stderr\ncommand: {s.command_line()}"
