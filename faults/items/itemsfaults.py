"""What the items fault scenarios share.

- requests to the service (one JSON request, on a new connection or a kept
  one) and the checks of an answer: an item equal to what was sent, an error
  with the JSON body of the contract;
- the SQLite side: which templates have a database ({datadir}), the database
  files a program left in its data directory, PRAGMA integrity_check on them
  (Python's sqlite3 module, the same library, opened after the program
  stopped);
- the acknowledged items a scenario recorded, checked on a running program
  (after a restart, that is what durability means) and listed page by page;
- libfiu commands to the program (the control FIFO of inject.Fiu), to every
  process of it, checking libfiu's reply (inject.fiu_command_all());
- Writer: a client thread that creates (and patches and deletes) items
  one request at a time on a kept-alive connection and records what each
  request came to; check_writers() compares that with a program's items.
"""
import json
import os
import sqlite3
import threading
import time

import pytest

from inject import dead_note, fiu_command_all, fiu_missing, tcp_table
from osnet_harness.httpclient import Conn, HttpError, ProtocolError, request, show
from osnet_harness.launch import describe_status, template_fields
from osnet_harness.timeouts import T

JSON = ("Content-Type", "application/json")
ERROR_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
               408: "request_timeout", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 422: "validation_failed", 429: "rate_limited",
               431: "headers_too_large", 500: "internal_error", 501: "not_implemented",
               503: "unavailable", 505: "version_not_supported"}

NEEDS_DB = ("needs a --db template ({datadir}): the program keeps its items in memory, so "
            "there is no database to fail, fill up or find again after a restart")


def require_datadir(impl):
    """Skip, saying why, unless the template stores items under {datadir}."""
    if impl.remote or "datadir" not in template_fields(impl.template):
        pytest.skip(NEEDS_DB)


# ---- items and requests ----------------------------------------------------------

def item(name, n=0, tags=2):
    """A valid item body; n varies the price, quantity and tags."""
    return {"name": name, "price": round(0.25 * (n % 4000) + 0.5, 2), "quantity": n % 1000,
            "tags": [f"t{n % 7}", "fault"][:tags]}


def padded(obj, size):
    """obj as JSON followed by spaces (insignificant whitespace, RFC 8259
    §2) to `size` bytes. The padding comes after the closing brace, so a
    body cut anywhere in it is still a valid object: only a program that
    waits for the whole declared body tells it from a complete one."""
    text = json.dumps(obj).encode()
    if len(text) > size:
        raise ValueError("body larger than the padding size")
    return text + b" " * (size - len(text))


def rq(method, target, obj=None, body=None, close=False, headers=()):
    """The bytes of one request; obj (a dict) is sent as a JSON body."""
    fields = list(headers)
    if obj is not None:
        body = json.dumps(obj).encode()
    if body is not None:
        fields.append(JSON)
    if close:
        fields.append(("Connection", "close"))
    return request(method, target, fields, body=body or b"")


def parse(resp):
    """The response body as JSON, or None when it is not JSON."""
    try:
        return json.loads(resp.body)
    except ValueError:
        return None


def same_item(got, sent):
    """Does the item `got` (a dict from the service) hold what `sent` asked for?"""
    if not isinstance(got, dict):
        return False
    return (got.get("name") == sent["name"]
            and isinstance(got.get("price"), (int, float)) and not isinstance(got["price"], bool)
            and float(got["price"]) == float(sent["price"])
            and got.get("quantity") == sent.get("quantity", 0)
            and got.get("tags") == sent.get("tags", []))


def error_problem(resp, statuses):
    """None if resp has one of `statuses` and the contract's JSON error body
    ({"error": {"code": <the status's code>, "message": ...}}), else what is
    wrong with it."""
    if resp.status not in statuses:
        return f"status {resp.status}, expected {' or '.join(map(str, sorted(statuses)))}"
    if resp.media_type() != "application/json":
        return f"Content-Type {resp.get('Content-Type')!r}, expected application/json"
    doc = parse(resp)
    err = doc.get("error") if isinstance(doc, dict) else None
    if not isinstance(err, dict) or not isinstance(err.get("message"), str):
        return f"the body is not {{\"error\":{{\"code\":..,\"message\":..}}}}: {show(resp.body)}"
    if err.get("code") != ERROR_CODES.get(resp.status):
        return (f"error code {err.get('code')!r} with status {resp.status}, expected "
                f"{ERROR_CODES.get(resp.status)!r}")
    return None


def call(server, data, what, conn=None, timeout=None):
    """Send the request bytes (on conn, or a new connection closed after)
    and return its complete response. No response at all is an
    AssertionError naming `what`, with the program's state."""
    method = data.split(b" ", 1)[0].decode()
    c = conn
    try:
        if c is None:
            c = Conn(server.addr, timeout=T(15))
        c.send(data)
        r = c.read_response(method, timeout=T(30) if timeout is None else timeout)
        r.request = data
        return r
    except (HttpError, OSError) as e:
        raise AssertionError(f"{what}: no complete response to {data.split(b' HTTP/')[0].decode()}"
                             f" ({str(e).splitlines()[0]}).{dead_note(server)}\n"
                             + server.stderr_block()) from None
    finally:
        if conn is None and c is not None:
            c.close()


def expect(resp, status, what):
    if resp.status != status:
        raise AssertionError(f"{what}: expected {status}, got:\n" + resp.summary(300))
    return parse(resp)


def create(server, obj, what, conn=None):
    """POST obj; it must be created (201 and the item). Returns the item."""
    r = call(server, rq("POST", "/items", obj), what, conn)
    got = expect(r, 201, what)
    if not same_item(got, obj) or not isinstance(got.get("id"), int):
        raise AssertionError(f"{what}: the 201's body is not the item sent ({json.dumps(obj)})"
                             f" with an integer id:\n" + r.summary(300))
    return got


def get_item(server, id_, what, conn=None):
    """GET /items/{id}: (status, item or None)."""
    r = call(server, rq("GET", f"/items/{id_}"), what, conn)
    if r.status == 200:
        return 200, parse(r)
    return r.status, None


def list_all(server, what):
    """Every item, paging through GET /items?limit=100: {id: item}."""
    out, cursor = {}, None
    with Conn(server.addr, timeout=T(15)) as c:
        for _ in range(100000):
            target = "/items?limit=100" + (f"&cursor={cursor}" if cursor else "")
            r = call(server, rq("GET", target), f"{what} (listing)", conn=c)
            doc = expect(r, 200, f"{what}: GET {target}")
            if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
                raise AssertionError(f"{what}: GET {target} is not a page of items:\n"
                                     + r.summary(300))
            for it in doc["items"]:
                out[it.get("id")] = it
            cursor = doc.get("next_cursor")
            if cursor is None or not doc["items"]:
                return out
            if "close" in r.tokens("Connection"):
                c.close()
                c = Conn(server.addr, timeout=T(15))
    raise AssertionError(f"{what}: the listing never ended")


def check_acked(server, acked, what):
    """Every acknowledged item ({id: the item as the program answered
    it}) is there, equal, on the running program. Returns the listing."""
    listed = list_all(server, what)
    missing = [i for i in acked if i not in listed]
    if missing:
        raise AssertionError(f"{what}: {len(missing)} of the {len(acked)} acknowledged items are "
                             f"gone: ids {sorted(missing)[:20]} (each got its 201, 200 or 204 "
                             f"before); listed now: {len(listed)} items")
    changed = [(i, acked[i], listed[i]) for i in acked if not same_item(listed[i], acked[i])]
    if changed:
        i, want, got = changed[0]
        raise AssertionError(f"{what}: {len(changed)} acknowledged items differ from what their "
                             f"acknowledgement said; e.g. id {i}: acknowledged "
                             f"{json.dumps(want)}, now {json.dumps(got)}")
    return listed


# ---- the database files -----------------------------------------------------------

def db_files(datadir):
    """The SQLite databases in datadir (by their 16-byte header), whatever the
    template calls them."""
    out = []
    for name in sorted(os.listdir(datadir)):
        p = os.path.join(datadir, name)
        try:
            with open(p, "rb") as f:
                if f.read(16) == b"SQLite format 3\0":
                    out.append(p)
        except OSError:
            pass
    return out


def check_integrity(datadir, what):
    """PRAGMA integrity_check is 'ok' on every database in datadir (at least
    one). Run it only once the program has stopped."""
    files = db_files(datadir)
    if not files:
        raise AssertionError(f"{what}: no SQLite database in {datadir} (files: "
                             f"{sorted(os.listdir(datadir))})")
    for p in files:
        db = sqlite3.connect(p, timeout=T(10))
        try:
            rows = [r[0] for r in db.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as e:
            raise AssertionError(f"{what}: {p} cannot be checked: {e}") from None
        finally:
            db.close()
        if rows != ["ok"]:
            raise AssertionError(f"{what}: PRAGMA integrity_check on {p} says: "
                                 + "; ".join(rows[:10]))
    return files


def stop_gracefully(server, what):
    """SIGTERM, and exit status 0 within --shutdown-timeout (10 s) and some."""
    rc, clean, left = server.stop(timeout=T(20))
    if not clean or rc != 0:
        raise AssertionError(f"{what}: after SIGTERM the program "
                             + ("did not exit within %.0fs (killed)" % T(20) if not clean
                                else describe_status(rc)) + "; expected exit status 0\n"
                             + server.stderr_block())


# ---- libfiu -------------------------------------------------------------------------

def fiu_all(server, fiu, lines):
    """Send libfiu commands to every process of the program that serves a
    control FIFO (at least one). Raises unless libfiu said 0 to each."""
    if not fiu_command_all(server, fiu, lines):
        raise AssertionError("no process of the program serves a libfiu control FIFO"
                             + dead_note(server))


def fiu_ready(server, fiu):
    """Wait for the control FIFO; skip when libfiu's preload is not in the
    program (a static binary, a runtime without the C library)."""
    missing = fiu_missing(server, fiu)
    if missing:
        pytest.skip(missing)


# ---- clients in threads ---------------------------------------------------------------

class Writer(threading.Thread):
    """A client that changes items one request at a time on a kept-alive
    connection (a new one when the program closed it) until `stop` is set
    or the program cannot be reached any more. It creates items named
    <prefix>-<n>; with mix=True, every third request is instead a PATCH of
    one of its items and every fifth a DELETE of its oldest one. Once
    `no_reconnect` is set, it ends when its connection does.

    What it knows afterwards:
      state    {id: item}  its items as the last acknowledgement left them
      created  {id: item}  every create acknowledged (201)
      deleted  set of ids whose DELETE was acknowledged (204)
      unsure   {id: [item, or None for gone]}  items whose last change got
               no response (the connection ended before any byte of it):
               the program may have made it or not
      cut      [name]  creates that got no response
      versions {name: [item]}  every version of each item it ever sent
      bad      [text]  anything else: a partial response, a wrong status,
               a success whose body is not what was asked
    `progress` (a threading.Semaphore) is released once per success."""

    def __init__(self, server, prefix, stop, progress=None, mix=False):
        super().__init__(daemon=True)
        self.server, self.prefix, self.stop_event = server, prefix, stop
        self.progress, self.mix = progress, mix
        self.state, self.created, self.deleted, self.unsure = {}, {}, set(), {}
        self.cut, self.versions, self.bad = [], {}, []
        self.refused = None  # why the last connect failed
        self.no_reconnect = threading.Event()  # set: end instead of connecting again
        self.n = 0

    def _next(self):
        """(method, target, body bytes, expected item or None, id or None)."""
        k = self.n
        self.n += 1
        if self.mix and k % 3 == 2 and self.state:
            id_ = max(self.state)
            new = dict(self.state[id_], quantity=k)
            self.versions[new["name"]].append(new)
            body = json.dumps({"quantity": k}).encode()
            return "PATCH", f"/items/{id_}", body, new, id_
        if self.mix and k % 5 == 4 and len(self.state) > 1:
            id_ = min(self.state)
            return "DELETE", f"/items/{id_}", None, None, id_
        obj = item(f"{self.prefix}-{k}", k)
        self.versions[obj["name"]] = [obj]
        return "POST", "/items", json.dumps(obj).encode(), obj, None

    def run(self):
        conn = None
        while not self.stop_event.is_set():
            if conn is None:
                if self.no_reconnect.is_set():
                    return
                try:
                    conn = Conn(self.server.addr, timeout=T(15))
                except OSError as e:
                    self.refused = f"{type(e).__name__}: {e}"
                    return
            method, target, body, want, id_ = self._next()
            what = f"{method} {target}" + (f" ({want['name']})" if method == "POST" else "")
            data = request(method, target, [JSON] if body is not None else [], body=body or b"")
            before = conn.received
            try:
                conn.send(data)
                r = conn.read_response(method, timeout=T(60))
            except (ProtocolError, OSError) as e:
                if conn.received == before:
                    self._unknown(method, want, id_)
                else:
                    self.bad.append(f"{what}: the connection ended in the middle of the "
                                    f"response ({str(e).splitlines()[0]})")
                conn.close()
                conn = None
                continue
            except HttpError as e:  # no answer in time
                self.bad.append(f"{what}: no response within {T(60):.0f}s "
                                f"({str(e).splitlines()[0]})")
                conn.close()
                conn = None
                continue
            self._answered(method, what, want, id_, r)
            if "close" in r.tokens("Connection"):
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    def _unknown(self, method, want, id_):
        if method == "POST":
            self.cut.append(want["name"])
        elif method == "PATCH":
            self.unsure[id_] = [self.state.pop(id_), want]
        else:
            self.unsure[id_] = [self.state.pop(id_), None]

    def _answered(self, method, what, want, id_, r):
        got = parse(r)
        ok = {"POST": 201, "PATCH": 200, "DELETE": 204}[method]
        if r.status == ok:
            if method == "DELETE":
                del self.state[id_]
                self.deleted.add(id_)
            elif not same_item(got, want) or not isinstance(got.get("id"), int) \
                    or (id_ is not None and got["id"] != id_):
                self.bad.append(f"{what}: a {ok} whose body is not the item expected "
                                f"({json.dumps(want)}):\n" + r.summary(200))
                return
            else:
                self.state[got["id"]] = got
                if method == "POST":
                    self.created[got["id"]] = got
            if self.progress is not None:
                self.progress.release()
        else:
            self.bad.append(f"{what}: " + r.summary(200))


def check_writers(server, writers, what):
    """After a restart: what the Writers know holds on the running program.
    Their acknowledged state is there, equal; acknowledged deletes are gone;
    an item whose last change got no answer is in one of its possible
    states; every item there is a version some writer sent. Returns the
    listing."""
    state, deleted, unsure, versions, cut = {}, set(), {}, {}, set()
    for w in writers:
        state.update(w.state)
        deleted |= w.deleted
        unsure.update(w.unsure)
        versions.update(w.versions)
        cut.update(w.cut)
    listed = check_acked(server, state, what)
    back = sorted(deleted & set(listed))
    if back:
        raise AssertionError(f"{what}: {len(back)} items whose DELETE was acknowledged (204) are "
                             f"there again: ids {back[:20]}")
    for id_, options in unsure.items():
        now = listed.get(id_)
        if not any((o is None and now is None) or (o is not None and now is not None
                                                    and same_item(now, o)) for o in options):
            raise AssertionError(f"{what}: item {id_}, whose last change got no response, is "
                                 f"{now}: neither its state before that change nor after it "
                                 f"({options})")
    for id_, it in listed.items():
        if not any(same_item(it, v) for v in versions.get(it.get("name"), [])):
            raise AssertionError(f"{what}: item {id_} is not what any client sent: {it}")
    return listed


def wait_count(sem, n, timeout, what, server):
    """Acquire sem n times within timeout (the Posters' 201s)."""
    deadline = time.monotonic() + timeout
    for k in range(n):
        if not sem.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise AssertionError(f"{what}: only {k} of {n} creates were acknowledged within "
                                 f"{timeout:.0f}s.{dead_note(server)}\n" + server.stderr_block())


# ---- the server's side of a connection ---------------------------------------------

def _hexport(hexaddr):
    return int(hexaddr.rsplit(":", 1)[1], 16)


def server_unread(server_port, client_sock):
    """Bytes the client sent on client_sock that the server's kernel holds
    and the program has not read yet (its socket's receive queue in
    /proc/net/tcp), or None when that socket is not found."""
    mine = client_sock.getsockname()[1]
    for p in tcp_table():
        if len(p) > 4 and _hexport(p[1]) == server_port and _hexport(p[2]) == mine:
            return int(p[4].split(":")[1], 16)
    return None


def wait_server_read(server_port, client_sock, timeout):
    """Wait until the program has read everything sent on client_sock.
    Returns whether it did within timeout."""
    deadline = time.monotonic() + timeout
    while True:
        if server_unread(server_port, client_sock) == 0:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
