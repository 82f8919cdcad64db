"""The database's writes or syncs fail while the program runs (libfiu's
posix/io points, switched on and off through its control FIFO, so the
program starts normally).

SQLite 3.40 (Debian 12's libsqlite3) writes its database, WAL and WAL-index
files with pwrite64() and syncs them with fdatasync() (strace of the sqlite3
CLI and of the program: no write(), fsync() or pwritev() on those files).
libfiu's preload wraps pwrite64() under the point posix/io/rw/pwrite, and
fdatasync() under posix/io/sync/fdatasync. The scenarios switch on the pwrite
and pwritev points, or the fdatasync and fsync points, and never
posix/io/rw/write, which would also fail the program's log lines on stderr
(test_log_errors.py is about those). Seen from SQLite: pwrite failing with
EIO is SQLITE_IOERR_WRITE, with ENOSPC SQLITE_FULL; fdatasync failing is
SQLITE_IOERR_FSYNC.
"""
import errno

import pytest

from inject import Fiu
from itemsfaults import (call, check_acked, check_integrity, create, dead_note, error_problem,
                         fiu_all, fiu_ready, get_item, item, list_all, require_datadir, rq,
                         same_item, stop_gracefully)

WRITE = ("posix/io/rw/pwrite", "posix/io/rw/pwritev")
SYNC = ("posix/io/sync/fdatasync", "posix/io/sync/fsync")

# id: (points, errno, the status every write gets meanwhile, in words)
FAULTS = {
    "pwrite-EIO": (WRITE, errno.EIO, 500, "every pwrite fails with EIO (SQLITE_IOERR_WRITE)"),
    "fdatasync-EIO": (SYNC, errno.EIO, 500,
                      "every fdatasync and fsync fails with EIO (SQLITE_IOERR_FSYNC)"),
    "pwrite-ENOSPC": (WRITE, errno.ENOSPC, 503,
                      "every pwrite fails with ENOSPC, the disk is full (SQLITE_FULL)"),
}


def failing(s, data, status, what):
    """A write request while the fault is on: `status` with the JSON error
    body, or a 2xx (returned: the caller decides what that means)."""
    r = call(s, data, what)
    if 200 <= r.status < 300:
        return r
    problem = error_problem(r, {status})
    if problem:
        raise AssertionError(f"{what}: {problem}\n" + r.summary(300) + dead_note(s))
    return r


@pytest.mark.req("ITEMS-130", "ITEMS-131")
@pytest.mark.parametrize("fault", list(FAULTS))
def test_writes_fail_then_recover(launcher, impl, workdir, datadir, fault):
    """Expectation: the program runs under fiu-run with a control FIFO and a
    fresh database. Four items are created (201). Then the fault comes on:
    a POST, a PUT of the first item, a PATCH of the second, a DELETE of the
    third and a second POST each get 500 internal_error (I/O error) or 503
    unavailable (disk full), with the JSON error body; meanwhile GET of each
    item and the listing still answer 200 with the items as they were (no
    created item, no change, no deletion is visible: the transaction was
    rolled back). The fault is cleared: without a restart, the same
    operations succeed (201, 200, 200, 204), the first refused POST's name
    is free again (a refused create leaves nothing in the unique name
    index), and a new POST gets 201. SIGTERM: exit 0; PRAGMA
    integrity_check on the database is 'ok'; started again on the same
    database, the program holds exactly the acknowledged items. A 2xx while
    every fdatasync fails fails the test (a change acknowledged without
    reaching stable storage: synchronous=FULL syncs the WAL at every
    commit); a 2xx while every pwrite fails skips it (the program does not
    write its data with pwrite, so the fault cannot reach it)."""
    require_datadir(impl)
    points, err, status, words = FAULTS[fault]
    fiu = Fiu(workdir, control=True)
    s = launcher.start(wrap=fiu.wrap())
    fiu_ready(s, fiu)

    state = {}  # id -> the item as it must be now
    a, b, c, d = (create(s, item(f"{fault}-{k}", n), f"before the fault, create {k}")
                  for n, k in enumerate("abcd"))
    for it in (a, b, c, d):
        state[it["id"]] = it
    before = list_all(s, "before the fault")

    put_obj = item(f"{fault}-a-replaced", 77, tags=1)
    patch_obj = {"quantity": 4242}
    attempts = [
        ("a POST", rq("POST", "/items", item(f"{fault}-x1", 1))),
        (f"a PUT of item {a['id']}", rq("PUT", f"/items/{a['id']}", put_obj)),
        (f"a PATCH of item {b['id']}", rq("PATCH", f"/items/{b['id']}", patch_obj)),
        (f"a DELETE of item {c['id']}", rq("DELETE", f"/items/{c['id']}")),
        ("a second POST", rq("POST", "/items", item(f"{fault}-x2", 2))),
    ]
    fiu_all(s, fiu, [f"enable name={p},failinfo={err}" for p in points])
    on = True
    try:
        for what, data in attempts:
            what = f"while {words}, {what}"
            r = failing(s, data, status, what)
            if 200 <= r.status < 300:
                if points is WRITE:
                    fiu_all(s, fiu, [f"disable name={p}" for p in points])
                    on = False
                    pytest.skip(f"{what} succeeded ({r.status}): the program does not write "
                                f"its data with pwrite/pwritev, so the fault cannot reach it")
                raise AssertionError(
                    f"{what}: {r.status}, the change acknowledged although no sync of any file "
                    f"succeeded: the program acknowledges changes before they are on stable "
                    f"storage (SQLite: synchronous=FULL syncs the WAL at every commit; "
                    f"synchronous=NORMAL or OFF does not)\n" + r.summary(300))
            # Reads still work, and show nothing of what was refused.
            for it in (a, b, c):
                got_status, got = get_item(s, it["id"], f"{what} was refused; then")
                if got_status != 200 or not same_item(got, it):
                    raise AssertionError(
                        f"{what} was refused ({r.status}); then GET /items/{it['id']} should "
                        f"answer 200 with the item as it was ({it}), got {got_status} {got}"
                        + dead_note(s) + "\n" + s.stderr_block())
        during = list_all(s, f"while {words}, after the refused writes")
        if sorted(during) != sorted(before):
            raise AssertionError(f"while {words}, every write was refused, yet the listing "
                                 f"changed: ids {sorted(before)} before, {sorted(during)} now")
        for i, it in during.items():
            if not same_item(it, before[i]):
                raise AssertionError(f"while {words}, every write was refused, yet item {i} "
                                     f"changed: {before[i]} before, {it} now")
    finally:
        if on and s.alive():
            fiu_all(s, fiu, [f"disable name={p}" for p in points])

    what = f"after the fault ({words}) was cleared, without a restart"
    r = call(s, rq("PUT", f"/items/{a['id']}", put_obj), what)
    if r.status != 200:
        raise AssertionError(f"{what}: PUT /items/{a['id']} should get 200:\n" + r.summary(300))
    state[a["id"]] = dict(put_obj, id=a["id"])
    r = call(s, rq("PATCH", f"/items/{b['id']}", patch_obj), what)
    if r.status != 200:
        raise AssertionError(f"{what}: PATCH /items/{b['id']} should get 200:\n"
                             + r.summary(300))
    state[b["id"]] = dict(b, **patch_obj)
    r = call(s, rq("DELETE", f"/items/{c['id']}"), what)
    if r.status != 204:
        raise AssertionError(f"{what}: DELETE /items/{c['id']} should get 204:\n"
                             + r.summary(300))
    del state[c["id"]]
    x1 = create(s, item(f"{fault}-x1", 1), f"{what}, a POST with the name a refused POST had")
    x3 = create(s, item(f"{fault}-x3", 3), f"{what}, a new POST")
    for it in (x1, x3):
        state[it["id"]] = it
        if it["id"] <= d["id"]:
            raise AssertionError(f"{what}: a new item got id {it['id']}, not larger than the "
                                 f"id {d['id']} of an item created before")
    listed = check_acked(s, state, what)
    extra = sorted(set(listed) - set(state))
    if extra:
        raise AssertionError(f"{what}: the listing holds items nobody was told were created: "
                             + "; ".join(str(listed[i]) for i in extra[:5]))

    stop_gracefully(s, f"{what} and a few changes")
    check_integrity(datadir, f"after the program stopped ({words}, then cleared)")
    s2 = launcher.start()
    listed = check_acked(s2, state, "started again on the same database")
    extra = sorted(set(listed) - set(state))
    if extra:
        raise AssertionError("started again on the same database, the program holds items "
                             "whose creation was refused or never acknowledged: "
                             + "; ".join(str(listed[i]) for i in extra[:5]))
    stop_gracefully(s2, "started again and checked")
    check_integrity(datadir, "after the second run")
