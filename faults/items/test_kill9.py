"""kill -9 in the middle of a write load, and a restart on the same database."""
import signal
import threading

import pytest

from itemsfaults import (Writer, call, check_integrity, check_writers, create, item,
                         require_datadir, rq, stop_gracefully, wait_count)
from osnet_harness.timeouts import T

ROUNDS = 3
CLIENTS = 4
ACKS = 60  # changes acknowledged in a round before the kill


@pytest.mark.req("ITEMS-110", "ITEMS-111", "ITEMS-112")
def test_kill9_under_write_load(launcher, impl, datadir):
    """Expectation: the program runs on a fresh database. Four clients
    change items one request after another, each on a kept-alive
    connection: mostly creates, every third request a PATCH of one of the
    client's items, every fifth a DELETE of its oldest one; each records
    every acknowledgement (201, 200, 204). Once 60 changes of the round are
    acknowledged, the program's whole process group gets SIGKILL, in the
    middle of the load. It is started again on the same database, and:
    every acknowledged item is there with the members its last
    acknowledgement gave it; acknowledged deletions stay deleted; an item
    whose last change got no response (the kill cut it) is as it was
    before that change or after it; every item there is a version some
    client sent. Then the item with the largest id is deleted (204) and the
    program killed at once and started again: a new item gets an id larger
    than every id ever given out, the deleted one's included (ids grow
    across restarts). Three rounds. Then SIGTERM (exit 0) and PRAGMA
    integrity_check 'ok' on the database."""
    require_datadir(impl)
    writers, ever = [], set()
    s = launcher.start()
    for rnd in range(1, ROUNDS + 1):
        stop = threading.Event()
        progress = threading.Semaphore(0)
        these = [Writer(s, f"r{rnd}c{k}", stop, progress, mix=True) for k in range(CLIENTS)]
        for w in these:
            w.start()
        try:
            wait_count(progress, ACKS, T(60), f"round {rnd}, under load", s)
            s.signal_group(signal.SIGKILL)
            if s.wait_exit(T(10)) is None:
                raise AssertionError(f"round {rnd}: the program outlived SIGKILL")
        finally:
            stop.set()
            for w in these:
                w.join(T(70))
        for w in these:
            if w.is_alive():
                raise AssertionError(f"round {rnd}: a client got no answer within {T(60):.0f}s "
                                     f"after the program was killed")
            # A response cut by the kill is what a kill does; anything else is not.
            bad = [b for b in w.bad if "in the middle of the response" not in b]
            if bad:
                raise AssertionError(f"round {rnd}, under load before the kill: " + bad[0])
            ever |= set(w.created)
        writers += these

        what = (f"round {rnd}: after SIGKILL in the middle of a write load (4 clients, "
                f"{sum(len(w.created) for w in these)} creates acknowledged in this round), "
                f"started again on the same database")
        s = launcher.start()
        listed = check_writers(s, writers, what)
        highest = max(set(listed) | ever)
        # The item with the largest id is deleted and the program killed at
        # once: a program that takes its next id from the largest id stored
        # (SQLite without AUTOINCREMENT, a counter set from MAX(id) at
        # start) gives that id again.
        top = max(listed)
        r = call(s, rq("DELETE", f"/items/{top}"), f"{what}, DELETE of the item with the "
                 f"largest id")
        if r.status != 204:
            raise AssertionError(f"{what}: DELETE /items/{top} should get 204:\n"
                                 + r.summary(300))
        for w in writers:
            w.state.pop(top, None)
            w.unsure.pop(top, None)
        writers[-1].deleted.add(top)
        s.signal_group(signal.SIGKILL)
        s.wait_exit(T(10))
        s = launcher.start()
        what += (f"; then the item with the largest id ({top}) deleted, SIGKILL, started "
                 f"again")
        new = create(s, item(f"after-round-{rnd}", rnd), f"{what}, a new POST")
        if new["id"] <= highest:
            raise AssertionError(f"{what}: a new item got id {new['id']}, yet id {highest} was "
                                 f"given out before: ids must grow across restarts, those of "
                                 f"deleted items included")
        ever.add(new["id"])
        writers[-1].state[new["id"]] = new
        writers[-1].versions[new["name"]] = [new]
    stop_gracefully(s, f"after {ROUNDS} rounds of kill -9 and restart")
    check_integrity(datadir, f"after {ROUNDS} rounds of kill -9 and restart, then SIGTERM")
