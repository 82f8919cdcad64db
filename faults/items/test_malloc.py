"""Memory runs out inside the items service (libfiu's libc/mm points,
switched on and off through its control FIFO), modelled on
faults/proxy/test_malloc.py: windows in which malloc, calloc and realloc
fail, every call or a quarter of them, while requests come one at a time
and a burst of clients at once."""
import json

import pytest

from inject import BURST, Fiu, malloc_scenario
from itemsfaults import ERROR_CODES, check_acked, create, fiu_ready, item, parse, rq, same_item
from osnet_harness.httpclient import Conn, HttpError, ProtocolError
from osnet_harness.timeouts import T

WINDOWS = ((1.0, 6), (0.25, 40))  # (probability, requests one at a time)


class Probe:
    """Requests of five shapes in turn, each checked: POST of a new item
    (new connection), GET of a known item (kept-alive connection), PATCH of
    another known item's quantity (new connection), GET /items?limit=5
    (kept-alive), GET /healthz (new connection). It remembers what was
    acknowledged, refused (5xx) or left without an answer. With `shape`,
    every request has that one shape."""

    def __init__(self, server, known, patched, read_timeout, who="request", shape=None):
        self.server = server
        self.shape = shape
        self.who = who            # how a report names its requests
        self.known = known        # an item only read
        self.patched = patched    # an item whose quantity the PATCHes set
        self.read_timeout = read_timeout
        self.kept = None
        self.n = 0
        self.created, self.refused, self.unknown = {}, [], []  # creates
        self.patch_log = []  # (quantity, 'ok' | '5xx' | 'closed') in order

    def close(self):
        if self.kept is not None:
            self.kept.close()
            self.kept = None

    def one(self):
        """Send the next request; returns ('ok' | '5xx' | 'closed', detail).
        Raises AssertionError for a wrong answer or none at all."""
        i = self.n
        self.n += 1
        shape = i % 5 if self.shape is None else self.shape
        name = f"mm-{i}"
        if shape == 0:
            obj = item(name, i)
            data, method, kept = rq("POST", "/items", obj, close=True), "POST", False
        elif shape == 1:
            data, method, kept = rq("GET", f"/items/{self.known['id']}"), "GET", True
        elif shape == 2:
            data, method, kept = (rq("PATCH", f"/items/{self.patched['id']}", {"quantity": i},
                                     close=True), "PATCH", False)
        elif shape == 3:
            data, method, kept = rq("GET", "/items?limit=5"), "GET", True
        else:
            data, method, kept = rq("GET", "/healthz", close=True), "GET", False
        what = f"{self.who} #{i + 1} ({data.split(b' HTTP/')[0].decode()})"
        conn = None
        try:
            if kept:
                if self.kept is None:
                    self.kept = Conn(self.server.addr, timeout=T(10))
                conn = self.kept
            else:
                conn = Conn(self.server.addr, timeout=T(10))
            conn.send(data)
            r = conn.read_response(method, timeout=self.read_timeout)
        except ProtocolError as e:
            self._drop(conn, kept)
            return self._closed(shape, name, i, str(e).splitlines()[0])
        except HttpError as e:
            self._drop(conn, kept)
            raise AssertionError(f"{what}: neither answered nor closed within "
                                 f"{self.read_timeout:.0f}s: {str(e).splitlines()[0]}") from None
        except OSError as e:  # refused, reset while sending
            self._drop(conn, kept)
            return self._closed(shape, name, i, f"{type(e).__name__}: {e}")
        if not kept or "close" in r.tokens("Connection"):
            self._drop(conn, kept)
        if r.status in (500, 503):
            if r.body and r.media_type() == "application/json":
                doc = parse(r)
                err = doc.get("error") if isinstance(doc, dict) else None
                if not isinstance(err, dict) or err.get("code") != ERROR_CODES[r.status]:
                    raise AssertionError(f"{what}: a {r.status} whose JSON body is not the "
                                         f"error object with code {ERROR_CODES[r.status]!r}:\n"
                                         + r.summary(300))
            if shape == 0:
                self.refused.append(name)
            elif shape == 2:
                self.patch_log.append((i, "5xx"))
            return "5xx", str(r.status)
        ok = {0: 201}.get(shape, 200)
        if r.status != ok:
            raise AssertionError(f"{what}: status {r.status}; expected {ok}, a 500 or 503, or a "
                                 f"closed connection (a 4xx says the request was wrong, and it "
                                 f"was not)\n" + r.summary(300))
        doc = parse(r)
        if shape == 0:
            if not same_item(doc, obj) or not isinstance(doc.get("id"), int):
                raise AssertionError(f"{what}: a 201 whose body is not the item sent:\n"
                                     + r.summary(300))
            self.created[doc["id"]] = doc
        elif shape == 1 and not same_item(doc, self.known):
            raise AssertionError(f"{what}: a 200 whose body is not the item "
                                 f"({json.dumps(self.known)}):\n" + r.summary(300))
        elif shape == 2:
            if not same_item(doc, dict(self.patched, quantity=i)):
                raise AssertionError(f"{what}: a 200 whose body is not the patched item:\n"
                                     + r.summary(300))
            self.patch_log.append((i, "ok"))
        elif shape == 3 and not (isinstance(doc, dict) and isinstance(doc.get("items"), list)):
            raise AssertionError(f"{what}: a 200 that is not a page of items:\n"
                                 + r.summary(300))
        elif shape == 4 and doc != {"status": "ok"}:
            raise AssertionError(f"{what}: a 200 whose body is not {{\"status\":\"ok\"}}:\n"
                                 + r.summary(300))
        return "ok", str(r.status)

    def _closed(self, shape, name, i, detail):
        if shape == 0:
            self.unknown.append(name)
        elif shape == 2:
            self.patch_log.append((i, "closed"))
        return "closed", detail

    def _drop(self, conn, kept):
        if conn is not None:
            conn.close()
        if kept:
            self.kept = None


@pytest.mark.req("ITEMS-134")
def test_malloc_failures(launcher, workdir):
    """Expectation: the program runs under fiu-run; two items are created
    and five requests answered before any fault. Then malloc, calloc and
    realloc fail, first every call, then a quarter of them. In each window
    8 clients come at once (POST and GET on new connections), then requests
    one at a time (6, then 40) cycle through POST of a new item, GET of an
    item, PATCH of another's quantity, a page of the list and /healthz.
    Every request is answered correctly, or with 500 or 503 (a JSON body,
    if any, is the error object with the status's code), or its
    connection closes; never a 4xx for a valid request (a 404 for an item
    that exists, a 400 for a valid body), never a hang; while every call
    fails, requests not answered within 3 s end that window (memory comes
    back, and they must be answered or closed then). The program never
    dies. Once memory is back, 12 requests in a row succeed, and the store
    holds every acknowledged create, none of the refused ones (5xx), and the
    patched item has the quantity of its last acknowledged PATCH or of one
    sent after it that got no answer, never one refused. Skipped when
    libfiu is not in the program, or when no request was touched."""
    fiu = Fiu(workdir, control=True)
    s = launcher.start(wrap=fiu.wrap())
    fiu_ready(s, fiu)
    known = create(s, item("mm-known", 1), "before the fault")
    patched = create(s, item("mm-patched", 2), "before the fault")
    probe = Probe(s, known, patched, read_timeout=T(20))
    bursts = []

    def burst(w):
        # POSTs and GETs on new connections, with names of their own ("mm-<n>").
        clients = [Probe(s, known, patched, probe.read_timeout, shape=0 if j % 2 == 0 else 1,
                         who=f"burst client {j + 1} of {BURST}, request") for j in range(BURST)]
        for j, b in enumerate(clients):
            b.n = 100000 * (w + 1) + 10 * j
        bursts.extend(clients)
        return clients

    try:
        seen = malloc_scenario(s, fiu, probe, "the service", burst, windows=WINDOWS, before=5)
    finally:
        probe.close()
    if isinstance(seen, str):
        pytest.skip(seen)
    for b in bursts:
        probe.created.update(b.created)
        probe.refused += b.refused
        probe.unknown += b.unknown
    if not seen:
        pytest.skip("every request was answered correctly while malloc, calloc and realloc "
                    "failed: the program does not allocate through the C library's malloc "
                    "(its own allocator, or memory set aside in advance), so the fault did "
                    "not reach it")
    what = "memory back, after the windows of failed allocations"
    listed = check_acked(s, probe.created, what)
    names = {it.get("name"): it for it in listed.values()}
    back = [n for n in probe.refused if n in names]
    if back:
        raise AssertionError(f"{what}: creates answered 500/503 were made anyway: "
                             + "; ".join(json.dumps(names[n]) for n in back[:5]))
    # The patched item: its last acknowledged quantity, or that of a PATCH
    # sent after it that got no answer; never one refused with a 5xx.
    last_ok = 2  # item("mm-patched", 2) has quantity 2
    allowed = set()
    for q, outcome in probe.patch_log:
        if outcome == "ok":
            last_ok, allowed = q, set()
        elif outcome == "closed":
            allowed.add(q)
    allowed.add(last_ok)
    now = listed.get(patched["id"], {}).get("quantity")
    if now not in allowed:
        refused = [q for q, o in probe.patch_log if o == "5xx"]
        raise AssertionError(f"{what}: item {patched['id']} has quantity {now}; its PATCHes "
                             f"allow only {sorted(allowed)}"
                             + (" (it is the value of a PATCH answered 500/503)"
                                if now in refused else ""))
