"""What the lb tests share: sending requests through the load balancer and
telling which backend answered each, waiting for a backend to leave or rejoin
the rotation, reading /lb/status, and the failure texts.

Which backend answered a request is read from the response's `X-Backend`
field, which every fake backend sets (osnet_harness/backends.py) and a load
balancer relays like any end-to-end field. Every request goes on a fresh
client connection (`Connection: close`) unless a test is about persistent
connections, so that a program that balances per connection instead of per
request is caught only by the test made for that.
"""
import json
import time

from osnet_harness.httpclient import HttpError, describe, exchange, fetch, request
from osnet_harness.timeouts import T


def backend_of(resp):
    """The name in the response's X-Backend field, or None."""
    return resp.get("X-Backend")


def send(addr, target="/echo", method="GET", body=b"", headers=()):
    """One request on a fresh connection; the response (any status)."""
    rq = request(method, target, [("Connection", "close"), *headers], body=body)
    r = fetch(addr, rq, method=method)
    r.request = rq
    return r


def send_ok(addr, target="/echo", method="GET", body=b"", headers=(), what="a request"):
    """send(), expecting a 200 relayed from a backend (it carries X-Backend);
    returns the response."""
    r = send(addr, target, method, body, headers)
    if r.status != 200 or backend_of(r) is None:
        raise HttpError(f"{what}: expected a backend's 200 (with X-Backend), got "
                        f"{r.status}\n" + describe(r.request, "200 from one of the backends", r))
    return r


def sequence(addr, n, tag="seq", what=None):
    """Send n requests one after another (each on its own connection, each
    after the previous answer) and return the backend names in order."""
    names = []
    for i in range(n):
        r = send_ok(addr, f"/echo?{tag}={i}", what=what or f"request #{i + 1} of {n} sent one "
                                                             f"after another")
        names.append(backend_of(r))
    return names


def rotation(names, order):
    """True if names follow the cyclic order `order` (a list of backend
    names), starting anywhere: names[k] == order[(s + k) % len(order)]."""
    if not names:
        return True
    if names[0] not in order:
        return False
    s = order.index(names[0])
    return all(name == order[(s + k) % len(order)] for k, name in enumerate(names))


def counts(names):
    out = {}
    for n in names:
        out[n] = out.get(n, 0) + 1
    return out


def show_seq(names):
    return " ".join(names) if len(names) <= 60 else (" ".join(names[:60]) + f" ... ({len(names)})")


def curl_loop(addr, n=6, target="/echo"):
    host, port = addr
    return (f"for i in $(seq {n}); do curl -s -D- -o /dev/null http://{host}:{port}{target} "
            f"| grep -i x-backend; done")


def forwarded(backend, tag):
    """Requests that `backend` received whose target contains tag."""
    return [r for r in list(backend.requests) if tag in r.target]


class Traffic:
    """Requests sent one after another through the load balancer while a test
    waits for a change (a backend leaving or rejoining the rotation). Each
    record keeps which backend answered and, for a watched backend, its
    health-check count just before the request was sent and just after the
    answer came: the request reached that backend while the count was
    between the two."""

    def __init__(self, addr, watch=None, tag="t"):
        self.addr, self.watch, self.tag = addr, watch, tag
        self.log = []  # (backend name, checks before, checks after)

    def one(self):
        before = self.watch.health_checks if self.watch is not None else 0
        r = send_ok(self.addr, f"/echo?{self.tag}={len(self.log)}",
                    what=f"request #{len(self.log) + 1} of a series sent one after another")
        after = self.watch.health_checks if self.watch is not None else 0
        self.log.append((backend_of(r), before, after))
        return backend_of(r)

    def names(self, start=0):
        return [n for n, _, _ in self.log[start:]]

    def until_avoided(self, name, k, timeout, pause=0.01):
        """Send requests until k in a row did not reach `name`; returns the
        index in log of the first of those k. Raises HttpError at timeout."""
        deadline = time.monotonic() + timeout
        run = 0
        start = len(self.log)
        while True:
            if self.one() == name:
                run = 0
            else:
                run += 1
                if run >= k:
                    return len(self.log) - k
            if time.monotonic() > deadline:
                raise HttpError(f"within {timeout:.0f}s backend {name} never stopped getting "
                                f"requests: the last {len(self.log) - start} requests went to\n"
                                f"    {show_seq(self.names(start)[-40:])}")
            time.sleep(pause)

    def until_reached(self, name, timeout, pause=0.02):
        """Send requests until one reaches `name`; returns its index in log.
        Raises HttpError at timeout."""
        deadline = time.monotonic() + timeout
        start = len(self.log)
        while True:
            if self.one() == name:
                return len(self.log) - 1
            if time.monotonic() > deadline:
                raise HttpError(f"within {timeout:.0f}s backend {name} got none of "
                                f"{len(self.log) - start} requests; they went to\n"
                                f"    {show_seq(self.names(start)[-40:])}")
            time.sleep(pause)


def wait_until(pred, timeout, pause=0.02):
    """Poll pred() until it returns something true (returned) or timeout
    (then the last value is returned)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(pause)


STATUS_KEYS = {"address": str, "state": str, "active": int, "requests": int, "failures": int}


def lb_status(addr):
    """GET /lb/status: (response, parsed JSON). Raises HttpError with the
    response when it is not a 200 with a JSON object of the spec's shape."""
    rq = request("GET", "/lb/status", [("Connection", "close")])
    r = fetch(addr, rq)
    r.request = rq
    if r.status != 200:
        raise HttpError("GET /lb/status: expected 200\n" + describe(rq, "200 and JSON", r))
    try:
        data = json.loads(r.body)
    except ValueError as e:
        raise HttpError(f"GET /lb/status: the body is not JSON ({e})\n"
                        + describe(rq, "a JSON object", r)) from None
    problems = []
    if not isinstance(data, dict):
        problems.append("not a JSON object")
    else:
        if not isinstance(data.get("policy"), str):
            problems.append('no string "policy"')
        bs = data.get("backends")
        if not isinstance(bs, list):
            problems.append('no list "backends"')
        else:
            for i, b in enumerate(bs):
                if not isinstance(b, dict):
                    problems.append(f"backends[{i}] is not an object")
                    continue
                for k, typ in STATUS_KEYS.items():
                    v = b.get(k)
                    if not isinstance(v, typ) or isinstance(v, bool):
                        problems.append(f"backends[{i}].{k} is {v!r}, not a{'n' if typ is int else ''} "
                                        f"{'integer' if typ is int else 'string'}")
                if b.get("state") not in ("up", "down", None) and isinstance(b.get("state"), str):
                    problems.append(f'backends[{i}].state is {b["state"]!r}, not "up" or "down"')
    if problems:
        raise HttpError("GET /lb/status: " + "; ".join(problems) + "\n"
                        + describe(rq, "the JSON object of LB-016", r))
    return r, data


def status_of(data, backend):
    """The /lb/status entry of a Backend (by address), or None."""
    for b in data["backends"]:
        if b.get("address") == backend.hostport:
            return b
    return None


def timeout_note():
    return f"(waits scale with OSNET_TIMEOUT_MULTIPLIER; T(20) is {T(20):.0f}s now)"


__all__ = ["backend_of", "send", "send_ok", "sequence", "rotation", "counts", "show_seq",
           "curl_loop", "forwarded", "Traffic", "wait_until", "lb_status", "status_of",
           "exchange", "timeout_note"]
