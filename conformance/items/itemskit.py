"""What the items tests share: JSON requests to the service, its JSON log
lines (the program's stderr), scrapes of /metrics parsed strictly (the
parser of conformance/sidecar/sidecarkit.py), promtool, and connections
from other loopback addresses (each address is a client of its own for the
rate limiter).

Nothing here assumes an id: tests learn ids from the service's answers.
"""
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid

from osnet_harness.httpclient import (Conn, HttpError, describe, exchange, repro, request,
                                      show)
from osnet_harness.timeouts import T

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "sidecar"))
from sidecarkit import (ExpositionError, histogram_problems, media_params,  # noqa: E402
                        parse_exposition)

__all__ = ["histogram_problems", "media_params"]  # the sidecar's helpers, for the tests here

JSON = "application/json"
MERGE = "application/merge-patch+json"
PROMTOOL = "/usr/bin/promtool"
ERROR_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
               408: "request_timeout", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 422: "validation_failed", 429: "rate_limited",
               431: "headers_too_large", 500: "internal_error", 501: "not_implemented",
               503: "unavailable", 505: "version_not_supported"}
ITEM_ROUTES_ALLOW = {"/items": {"GET", "HEAD", "POST"},
                     "/items/{id}": {"GET", "HEAD", "PUT", "PATCH", "DELETE"}}
BUCKETS = ["0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
           "0.5", "1", "2.5", "5", "10", "+Inf"]
# An id no test ever reaches (the service assigns ids upwards from small
# numbers), for "names no item" requests.
ABSENT_ID = 9_000_000_000_000_000_001


def uname(prefix="item"):
    """A name no other test (or earlier run against an --addr service) used."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# ---- JSON -----------------------------------------------------------------------


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError(f"duplicate member(s) {dup}")
    return dict(pairs)


def _no_constants(name):
    raise ValueError(f"{name} is not JSON (RFC 8259 has no NaN or Infinity)")


def loads(raw, what):
    """Strict JSON (UTF-8, no duplicate names, no NaN) or an HttpError saying why not."""
    try:
        return json.loads(bytes(raw).decode("utf-8"), object_pairs_hook=_no_duplicates,
                          parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError) as e:
        raise HttpError(f"{what} is not one JSON text in UTF-8 ({e}): {show(raw, 300)}") from None


def body_json(r):
    """The JSON of a response's body (raises with the response shown)."""
    try:
        return loads(r.body, f"the body of the {r.status} response")
    except HttpError as e:
        raise HttpError(f"{e}\n" + describe(r.request, "a JSON body", r)) from None


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def item_problems(item):
    """Why item is not an item object (a list; empty when it is one)."""
    if not isinstance(item, dict):
        return [f"not a JSON object: {item!r}"]
    p = []
    if not is_int(item.get("id")) or item["id"] < 1:
        p.append(f"id {item.get('id')!r} is not an integer >= 1")
    if not isinstance(item.get("name"), str):
        p.append(f"name {item.get('name')!r} is not a string")
    if not is_num(item.get("price")):
        p.append(f"price {item.get('price')!r} is not a number")
    if not is_int(item.get("quantity")):
        p.append(f"quantity {item.get('quantity')!r} is not an integer")
    tags = item.get("tags")
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        p.append(f"tags {tags!r} is not an array of strings")
    return p


def same_item(a, b):
    """True when two items have the same five members (numbers compared as
    numbers: 3 and 3.0 are the same price)."""
    keys = ("id", "name", "price", "quantity", "tags")
    return all(k in a and k in b for k in keys) and all(a[k] == b[k] for k in keys)


def core(item):
    """The five members of an item, for messages."""
    return {k: item.get(k) for k in ("id", "name", "price", "quantity", "tags")}


# ---- requests -------------------------------------------------------------------


def conn_from(addr, src):
    """A connection to addr from the local address src (127.0.0.N): a
    different client address for the rate limiter and the logs."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((src, 0))
        s.settimeout(T(10))
        s.connect(addr)
    except BaseException:
        s.close()
        raise
    c = Conn(addr, sock=s)
    c.src = src
    return c


def reopen(conn):
    """Connect conn again (same local address when it was bound to one)."""
    conn.close()
    src = getattr(conn, "src", None)
    fresh = conn_from(conn.addr, src) if src else Conn(conn.addr)
    conn.sock, conn.buf, conn.eof, conn.server_closing = fresh.sock, bytearray(), None, False


def chunked_body(data, piece=100):
    out = bytearray()
    for i in range(0, len(data), piece):
        p = data[i:i + piece]
        out += b"%x\r\n" % len(p) + p + b"\r\n"
    return bytes(out + b"0\r\n\r\n")


def encode_body(body):
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class Items:
    """The service under test: one started program (or an --addr one)."""

    def __init__(self, server):
        self.server = server
        self.addr = server.addr

    # -- raw requests

    def raw(self, method, target, body=None, ctype=JSON, headers=(), conn=None, chunked=False,
            empty_length=False):
        """The bytes of a request. body: a dict/list (JSON-encoded), bytes,
        or None; ctype None sends no Content-Type."""
        data = encode_body(body)
        hs = list(headers)
        if ctype is not None and body is not None:
            hs.append(("Content-Type", ctype))
        if chunked:
            hs.append(("Transfer-Encoding", "chunked"))
            return request(method, target, hs) + chunked_body(data)
        if body is not None and not data or empty_length:
            hs.append(("Content-Length", str(len(data))))
        return request(method, target, hs, body=data)

    def send(self, data, conn=None, method=None):
        """Send request bytes (on conn, else on a fresh connection closed
        afterwards) and read the response. A conn whose last response said
        `Connection: close` is connected again first (from the same local
        address): the service may close after any error it answers."""
        if conn is not None and getattr(conn, "server_closing", False):
            reopen(conn)
        c, r = exchange(self.addr, data, method=method, conn=conn)
        if conn is None:
            c.close()
        elif "close" in r.tokens("Connection"):
            conn.server_closing = True
        return r

    def call(self, method, target, body=None, ctype=JSON, headers=(), conn=None, chunked=False):
        return self.send(self.raw(method, target, body, ctype, headers, chunked=chunked), conn,
                         method)

    def expect(self, r, status, what):
        """r, or an HttpError naming what was sent, expected and received."""
        codes = {status} if isinstance(status, int) else set(status)
        if r.status not in codes:
            want = " or ".join(str(c) for c in sorted(codes))
            raise HttpError(f"{what}: status {r.status}, expected {want}\n"
                            + describe(r.request, want, r)
                            + "\nreproduce by hand:\n  " + repro(self.addr, r.request))
        return r

    def json_of(self, r, status, what):
        """The JSON body of r, after checking its status."""
        return body_json(self.expect(r, status, what))

    # -- the operations, checked for their success status

    def create(self, conn=None, **item):
        """POST /items; returns the created item (checked to be one)."""
        item.setdefault("name", uname())
        item.setdefault("price", 1)
        r = self.call("POST", "/items", item, conn=conn)
        got = self.json_of(r, 201, "POST /items of a valid item")
        p = item_problems(got)
        if p:
            raise HttpError("POST /items answered 201 with a body that is not an item: "
                            + "; ".join(p) + "\n" + describe(r.request, "the item", r))
        return got

    def get(self, iid, conn=None):
        """GET /items/<id>: the item, or None on 404."""
        r = self.call("GET", f"/items/{iid}", conn=conn)
        if r.status == 404:
            return None
        return self.json_of(r, 200, f"GET /items/{iid}")

    def delete(self, iid, conn=None):
        return self.expect(self.call("DELETE", f"/items/{iid}", conn=conn), 204,
                           f"DELETE /items/{iid}")

    def page(self, query="", conn=None):
        r = self.call("GET", "/items" + (f"?{query}" if query else ""), conn=conn)
        got = self.json_of(r, 200, f"GET /items?{query}")
        if not isinstance(got, dict) or not isinstance(got.get("items"), list) or \
                "next_cursor" not in got or not (got["next_cursor"] is None or
                                                 isinstance(got["next_cursor"], str)):
            raise HttpError("GET /items: expected {\"items\":[...],\"next_cursor\":string or "
                            "null}\n" + describe(r.request, "a page", r))
        return got

    def walk(self, limit=100, conn=None, between=None, max_pages=10000):
        """Every page from the first to the one whose next_cursor is null.
        between(n) runs after page n (0-based) has been read."""
        pages, cursor = [], None
        own = conn is None
        c = conn or Conn(self.addr)
        try:
            while True:
                q = f"limit={limit}" + (f"&cursor={cursor}" if cursor is not None else "")
                p = self.page(q, conn=c)
                pages.append(p)
                if between is not None:
                    between(len(pages) - 1)
                cursor = p["next_cursor"]
                if cursor is None:
                    return pages
                if len(pages) > max_pages:
                    raise HttpError(f"GET /items: still a next_cursor after {max_pages} pages")
        finally:
            if own:
                c.close()

    def all_items(self, conn=None):
        return [it for p in self.walk(conn=conn) for it in p["items"]]

    # -- metrics

    def scrape(self, conn=None, src=None):
        """GET /metrics: (response, Exposition)."""
        data = request("GET", "/metrics", [("Accept", "text/plain")])
        c = conn if conn is not None else (conn_from(self.addr, src) if src else Conn(self.addr))
        try:
            _, r = exchange(self.addr, data, conn=c)
        finally:
            if conn is None:
                c.close()
        self.expect(r, 200, "GET /metrics")
        try:
            return r, parse_exposition(r.body)
        except ExpositionError as e:
            raise HttpError(f"GET /metrics: the body is not in the Prometheus text format "
                            f"0.0.4: {e}\nbody:\n"
                            f"{r.body.decode(errors='replace')[:3000]}") from None

    def gauge(self, name, conn=None):
        _, e = self.scrape(conn)
        s = e.samples(name)
        if len(s) != 1:
            raise HttpError(f"GET /metrics: expected one sample of {name}, found {len(s)}:\n"
                            + e.text[:3000])
        return s[0].value

    def wait_gauge(self, name, want, what, timeout=None):
        """Scrape (on one connection) until gauge name == want; raise with the
        last value if it never is within timeout."""
        deadline = time.monotonic() + (T(10) if timeout is None else timeout)
        with Conn(self.addr) as c:
            while True:
                v = self.gauge(name, conn=c)
                if v == want:
                    return v
                if time.monotonic() > deadline:
                    raise HttpError(f"{what}: {name} is {v:g}, expected {want:g} (waited "
                                    f"{(T(10) if timeout is None else timeout):.0f}s)")
                time.sleep(0.05)


def requests_total(e, **labels):
    """http_requests_total summed over the samples with these labels."""
    if "status" in labels:
        labels["status"] = str(labels["status"])
    return e.value("http_requests_total", **labels)


def promtool_check(body):
    """None when `promtool check metrics` accepts body with nothing to say,
    else what it said. Fails (never skips) when promtool is missing."""
    exe = PROMTOOL if os.access(PROMTOOL, os.X_OK) else shutil.which("promtool")
    if exe is None:
        raise AssertionError(f"{PROMTOOL} not found: it comes with Debian's `prometheus` "
                             "package (tools/install-deps installs it); ITEMS-081 cannot be "
                             "checked without it")
    p = subprocess.run([exe, "check", "metrics"], input=body, capture_output=True,
                       timeout=T(30))
    said = (p.stdout + p.stderr).decode(errors="replace").strip()
    if p.returncode != 0 or said:
        return f"exit status {p.returncode}: {said or '(no output)'}"
    return None


# ---- the error body -----------------------------------------------------------


def error_problems(r):
    """Why r's body is not the error object of ITEMS-063 (list; empty: it is)."""
    p = []
    if r.media_type() != JSON:
        p.append(f"Content-Type {r.get('Content-Type')!r}, expected application/json")
    try:
        obj = loads(r.body, "the error body")
    except HttpError as e:
        return p + [str(e)]
    if not isinstance(obj, dict) or set(obj) != {"error"} or not isinstance(obj["error"], dict):
        return p + [f"the body is not {{\"error\":{{...}}}}: {show(r.body, 300)}"]
    err = obj["error"]
    want = ERROR_CODES.get(r.status)
    if err.get("code") != want:
        p.append(f"error.code {err.get('code')!r}, expected {want!r} for {r.status}")
    if not isinstance(err.get("message"), str) or not err["message"]:
        p.append(f"error.message {err.get('message')!r} is not a non-empty string")
    if r.status == 422 and not isinstance(err.get("field"), str):
        p.append(f"a 422's error.field {err.get('field')!r} is not a string")
    return p


def error_field(r):
    """error.field of a 422 body, or a description of why there is none."""
    try:
        obj = loads(r.body, "the 422 body")
        return obj["error"]["field"]
    except (HttpError, KeyError, TypeError) as e:
        return f"<no error.field: {e}>"


# ---- the JSON log (stderr) ------------------------------------------------------


def stderr_bytes(server):
    try:
        with open(server.stderr_path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def log_records(server, complete_only=True):
    """The parsed lines of the program's stderr (raises HttpError on a line
    that is not one JSON object). complete_only: a last line without its
    \\n yet is left out (it is still being written)."""
    data = stderr_bytes(server)
    lines = data.split(b"\n")
    tail = lines.pop()
    if tail and not complete_only:
        raise HttpError(f"stderr does not end with a line feed: the last line is "
                        f"{show(tail, 300)}")
    out = []
    for n, raw in enumerate(lines, 1):
        obj = loads(raw, f"stderr line {n}")
        if not isinstance(obj, dict):
            raise HttpError(f"stderr line {n} is JSON but not an object: {show(raw, 300)}")
        out.append(obj)
    return out


def request_lines(server):
    return [r for r in log_records(server) if r.get("msg") == "request"]


def wait_request_lines(server, pred, n, what, timeout=None):
    """Waits until at least n request lines satisfy pred; returns them."""
    deadline = time.monotonic() + (T(10) if timeout is None else timeout)
    while True:
        got = [r for r in request_lines(server) if pred(r)]
        if len(got) >= n:
            return got
        if time.monotonic() > deadline:
            tail = stderr_bytes(server).decode(errors="replace").splitlines()[-8:]
            raise HttpError(f"{what}: {len(got)} matching request line(s) on stderr, expected "
                            f"{n} (waited {(T(10) if timeout is None else timeout):.0f}s); "
                            f"last lines:\n  " + "\n  ".join(tail))
        time.sleep(0.02)


def stop_gracefully(server, sig=None, what="stopping the program"):
    """SIGTERM (or sig) and wait for the exit; returns the exit status."""
    import signal as _signal
    sig = _signal.SIGTERM if sig is None else sig
    server.signal_group(sig)
    rc = server.wait_exit(T(15))
    if rc is None:
        raise HttpError(f"{what}: the program did not exit within {T(15):.0f}s of "
                        f"{_signal.Signals(sig).name}\n{server.stderr_block()}")
    return rc


RFC3339_MS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def wait_refused(addr, timeout=None):
    """Connects again and again until a connection is refused; returns the
    number of connections that were accepted first. Raises on timeout."""
    deadline = time.monotonic() + (T(10) if timeout is None else timeout)
    accepted = 0
    while True:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(T(2))
        try:
            s.connect(addr)
            accepted += 1
        except ConnectionRefusedError:
            return accepted
        except OSError:
            pass
        finally:
            s.close()
        if time.monotonic() > deadline:
            raise HttpError(f"new connections to {addr[0]}:{addr[1]} were still accepted "
                            f"{(T(10) if timeout is None else timeout):.0f}s after SIGTERM "
                            f"({accepted} accepted): the program must stop listening at once")
        time.sleep(0.01)
