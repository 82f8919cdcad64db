"""ITEMS-120, ITEMS-121: --max-items, and clients served at the same time."""
import pathlib
import sys
import threading

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from itemskit import uname  # noqa: E402
from osnet_harness.httpclient import Conn  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402


@pytest.mark.req("ITEMS-120")
def test_max_items(start):
    svc = start("--max-items", "3")
    made = [svc.create() for _ in range(3)]
    r = svc.call("POST", "/items", {"name": uname(), "price": 1})
    svc.expect(r, 503, "a create while --max-items 3 items are stored")
    ids = [it["id"] for it in svc.all_items()]
    assert ids == [m["id"] for m in made], f"the refused create changed the list: {ids}"
    assert svc.gauge("items_stored") == 3
    svc.delete(made[1]["id"])
    svc.create()


@pytest.mark.req("ITEMS-121")
def test_concurrent_creates(fresh):
    svc = fresh
    per, nconn = 10, 8
    results, errors = [[] for _ in range(nconn)], []
    go = threading.Barrier(nconn)
    # Every client keeps its connection open until all got their first
    # answer: a program that serves one connection at a time to its end
    # (the others waiting in the backlog) never gets them all there.
    first = threading.Barrier(nconn)

    def client(k):
        try:
            with Conn(svc.addr) as c:
                go.wait(T(10))
                for n in range(per):
                    results[k].append(svc.create(conn=c, name=uname(f"c{k}-{n}"))["id"])
                    if n == 0:
                        first.wait(T(10))
        except threading.BrokenBarrierError:
            errors.append(f"client {k}: the {nconn} clients did not all get an answer to their "
                          f"first create within {T(10):.0f}s while each kept its connection "
                          f"open: connections are not served at the same time")
        except Exception as e:  # reported below, with the others
            errors.append(f"client {k}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=client, args=(k,)) for k in range(nconn)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(T(120))
    assert not errors, "creates on 8 connections at once failed:\n" + "\n".join(errors[:4])
    ids = [i for r in results for i in r]
    assert len(ids) == per * nconn, f"{len(ids)} of {per * nconn} creates acknowledged"
    assert len(set(ids)) == len(ids), f"the same id was given twice: {sorted(ids)}"
    listed = {it["id"] for it in svc.all_items()}
    missing = sorted(set(ids) - listed)
    assert not missing, f"acknowledged creates missing from the list: {missing}"
