"""The disk holding the database fills up, for real: a tmpfs of 8 MiB
mounted for the test (root is needed; without it the test fails, saying
so). The program's {datadir} is that file system. A filler file takes all
of its space but 256 KiB, then creates fill the rest, until the program
says 503; deleting the filler gives the space back.

Why a tmpfs and not a loop-mounted image: nothing to format, and the space
comes back the moment the filler is deleted. SQLite grows its WAL-index
(-shm, a shared memory map) by writing a byte into each new page first, so
a full tmpfs is an ENOSPC from pwrite, never a SIGBUS from the map.
"""
import json

import pytest

from itemsfaults import (call, check_acked, check_integrity, dead_note, error_problem, get_item,
                         item, list_all, require_datadir, rq, same_item, stop_gracefully)
from osnet_harness.httpclient import Conn
from osnet_harness.disk import fill, mount_tmpfs, unmount
from osnet_harness.timeouts import T

SIZE = "8m"
ROOM = 256 << 10     # what the filler leaves free
MAX_CREATES = 3000   # at most this many before the disk must be full


@pytest.mark.req("ITEMS-130", "ITEMS-131")
def test_disk_full(launcher, impl, workdir):
    """Expectation: the program runs with its database on an 8 MiB tmpfs
    of its own. After three creates, a filler file takes all the space but
    256 KiB. Creates then get 201 until the first
    503 unavailable with the JSON error body (SQLITE_FULL; a 500 fails the
    test); the next three creates get 503 or 201, nothing else. While the
    disk is full, GET of every acknowledged item answers 200 with it and
    the listing holds exactly those items (a refused create left nothing).
    The filler is deleted: without a restart, the next create gets 201,
    and so do ten more. SIGTERM: exit 0; PRAGMA integrity_check 'ok';
    started again on the same file system, every acknowledged item is
    there."""
    require_datadir(impl)
    disk = workdir / "disk"
    mount_tmpfs(disk, SIZE)
    servers = []
    try:
        s = launcher.start(datadir=str(disk))
        servers.append(s)
        acked = {}
        conn = Conn(s.addr, timeout=T(15))

        def post(n, what):
            nonlocal conn
            obj = item(f"full-{n}", n)
            data = rq("POST", "/items", obj)
            if conn is None:
                conn = Conn(s.addr, timeout=T(15))
            r = call(s, data, what, conn=conn)
            if "close" in r.tokens("Connection"):
                conn.close()
                conn = None
            if r.status == 201:
                got = json.loads(r.body)
                if not same_item(got, obj):
                    raise AssertionError(f"{what}: a 201 whose body is not the item sent:\n"
                                         + r.summary(300))
                acked[got["id"]] = got
            return r

        for n in range(3):
            r = post(n, f"create {n + 1} of 3, before the filler")
            if r.status != 201:
                raise AssertionError("before the disk filled up, a create got:\n"
                                     + r.summary(300))
        filler = disk / "filler"
        fill(filler, ROOM)

        first_full = None
        for n in range(3, 3 + MAX_CREATES):
            r = post(n, f"create {n + 1}, the disk filling up")
            if r.status == 201:
                continue
            what = (f"after {len(acked)} creates, the disk full (the filler left "
                    f"{ROOM >> 10} KiB), create {n + 1}")
            if r.status == 500:
                raise AssertionError(f"{what} got 500: a full disk (SQLITE_FULL) must be "
                                     f"answered 503 unavailable, not 500\n" + r.summary(300))
            problem = error_problem(r, {503})
            if problem:
                raise AssertionError(f"{what}: {problem}\n" + r.summary(300) + dead_note(s))
            first_full = n
            break
        if first_full is None:
            raise AssertionError(f"{MAX_CREATES} creates all got 201 on an "
                                 f"{SIZE} file system that had {ROOM >> 10} KiB left: the "
                                 f"program does not keep its items on the {{datadir}} disk?")
        for n in range(first_full + 1, first_full + 4):
            r = post(n, f"create {n + 1}, the disk full")
            if r.status != 201:
                problem = error_problem(r, {503})
                if problem:
                    raise AssertionError(f"create {n + 1}, the disk full: {problem}\n"
                                         + r.summary(300))
        what = f"the disk full ({len(acked)} creates acknowledged)"
        for id_, it in acked.items():
            st, got = get_item(s, id_, what, conn=None)
            if st != 200 or not same_item(got, it):
                raise AssertionError(f"{what}: GET /items/{id_} should answer 200 with the "
                                     f"acknowledged item, got {st} {got}" + dead_note(s)
                                     + "\n" + s.stderr_block())
        listed = list_all(s, what)
        extra = sorted(set(listed) - set(acked))
        if extra:
            raise AssertionError(f"{what}: the listing holds items whose create was refused: "
                                 + "; ".join(str(listed[i]) for i in extra[:5]))

        filler.unlink()
        what = "the filler deleted (space back), without a restart"
        for n in range(first_full + 10, first_full + 21):
            r = post(n, f"{what}, create {n - first_full - 9} of 11")
            if r.status != 201:
                raise AssertionError(f"{what}: create {n - first_full - 9} of 11 should get "
                                     f"201; got:\n" + r.summary(300) + dead_note(s))
        check_acked(s, acked, what)
        if conn is not None:
            conn.close()
        stop_gracefully(s, "after the disk was full and freed again")
        check_integrity(disk, "after the disk was full, freed, and the program stopped")
        s2 = launcher.start(datadir=str(disk))
        servers.append(s2)
        check_acked(s2, acked, "started again on the same file system")
        stop_gracefully(s2, "started again after the disk was full")
    finally:
        for x in servers:
            x.stop(timeout=T(10))
        unmount(disk)
