"""LB-020, LB-009, LB-010: a backend that does not accept connections (its
listen queue full; its accept failing, injected with libfiu and our shim)."""
import time
import zlib

import pytest

from lbkit import backend_of
from osnet_harness.backends import pattern
from osnet_harness.httpclient import HttpError, fetch, request
from osnet_harness.timeouts import T
from proxyfaults import HttpOrigin, dead_note
from proxykit import RawOrigin

HTTP_BODY = b"answered by build/bin/http\n"


def ask(lb, target, method="GET", body=b"", timeout=None):
    """One request on a fresh connection: (who answered, response); who is
    the X-Backend name, 'http' for the HTTP server backend, or None."""
    rq = request(method, target, [("Connection", "close")], body=body)
    try:
        r = fetch(lb.addr, rq, timeout=T(15) if timeout is None else timeout)
    except (HttpError, OSError) as e:
        raise AssertionError(f"{method} {target}: {str(e).splitlines()[0]}.{dead_note(lb)}\n"
                             + lb.stderr_block()) from None
    who = backend_of(r) or ("http" if r.status == 200 and r.body == HTTP_BODY else None)
    return who, r


@pytest.mark.req("LB-020")
def test_backend_with_a_full_listen_queue_is_failed_over(launcher, backends):
    """Expectation: of three backends, the middle one listens with a full
    listen queue and never accepts, so a connect to it is never
    established. With --connect-timeout 1, six requests sent one after
    another (GETs, and POSTs with a 50 KB body, in turn) are each answered
    200 by one of the two others, the one whose turn came after it in
    round-robin order when it was chosen; every POST body reaches exactly
    one backend, whole. Skipped if the listen queue cannot be filled."""
    b1, b2 = backends(2)
    raw = RawOrigin(None, backlog=0)
    try:
        if not raw.fill():
            pytest.skip("could not fill a listen queue on this machine: every connect "
                        "completed, so no connect can be made to hang")
        lb = launcher.start(backends=f"{b1.hostport},{raw.hostport},{b2.hostport}",
                            args=["--connect-timeout", "1", "--eject-time", str(int(T(600)))])
        for i in range(6):
            post = i % 2 == 1
            body = pattern(i, 50_000 + i) if post else b""
            tag = f"full={i}"
            what = (f"request {i + 1} of 6 ({'POST' if post else 'GET'}), the backend "
                    f"{raw.hostport} never accepting (listen queue full), --connect-timeout 1")
            who, r = ask(lb, f"/echo?{tag}", "POST" if post else "GET", body, timeout=1 + T(15))
            if r.status != 200 or who not in (b1.name, b2.name):
                raise AssertionError(f"{what}: expected the 200 of {b1.name} or {b2.name}; got "
                                     f"{r.status}\n" + r.summary())
            got = [x for b in (b1, b2) for x in b.requests if tag in x.target]
            if len(got) != 1:
                raise AssertionError(f"{what}: the request reached {len(got)} backends; "
                                     f"exactly one expected")
            got[0].finished.wait(T(10))
            if post and (not got[0].complete or got[0].body_length != len(body)
                         or got[0].body_crc32 != zlib.crc32(body)):
                raise AssertionError(f"{what}: the backend received {got[0].body_length} body "
                                     f"bytes, not the {len(body)} sent (or they differ)")
    finally:
        raw.stop()


def checks_args(rise=2, fall=2):
    return ["--health-path", "/health", "--health-interval", f"{T(0.5):g}", "--rise", str(rise),
            "--fall", str(fall), "--upstream-timeout", "1", "--connect-timeout", "1"]


@pytest.mark.req("LB-009", "LB-010")
def test_backend_whose_accept_fails_is_taken_out_by_its_checks(launcher, backends, workdir):
    """Expectation: two backends, a fake one (b1) and build/bin/http (its
    GET /health and GET /echo are files), checked every 0.2 s (rise 2,
    fall 2), --upstream-timeout 1. Requests sent one after another reach
    both. Then every accept/accept4 of the HTTP server fails with EMFILE
    (libfiu and our shim): its checks get no answer, and within 30 s eight
    requests in a row are answered by b1; until then a request may also get
    the HTTP server's 200 (on a connection it accepted before) or a 5xx (a
    request sent to it before it was taken out). Then accept works again,
    and within 20 s a request is answered by the HTTP server, every
    request meanwhile getting a 200."""
    (b1,) = backends(1)
    http = HttpOrigin(workdir, {"health": b"ok\n", "echo": HTTP_BODY}).start()
    try:
        lb = launcher.start(backends=f"{b1.hostport},{http.hostport}", args=checks_args())
        n = [0]

        def one(allowed_5xx, what):
            n[0] += 1
            who, r = ask(lb, f"/echo?n={n[0]}", timeout=1 + T(15))
            if r.status == 200 and who in (b1.name, "http"):
                return who
            if allowed_5xx and 500 <= r.status <= 599:
                return None
            raise AssertionError(f"{what}: request #{n[0]} got {r.status}"
                                 f"{'' if who is None else ' from ' + who}; expected a "
                                 f"backend's 200{' or a 5xx' if allowed_5xx else ''}\n"
                                 + r.summary())

        def until(pred, timeout, what, allowed_5xx):
            deadline = time.monotonic() + timeout
            seq = []
            while not pred(seq):
                if time.monotonic() > deadline:
                    raise AssertionError(f"{what}: not within {timeout:.0f}s; the last "
                                         f"requests went to {seq[-20:]} (None: a 5xx)\n"
                                         f"command: {lb.command_line()}")
                seq.append(one(allowed_5xx, what))
                time.sleep(0.02)
            return seq

        until(lambda seq: "http" in seq, T(20),
              "before the fault, the HTTP server backend should get requests", False)
        http.fail_accept(24)
        until(lambda seq: len(seq) >= 8 and all(w == b1.name for w in seq[-8:]), T(30),
              "the HTTP server's accept fails, so its checks fail: 8 requests in a row should "
              "be answered by b1", True)
        if not any(p in http.fired() for p in ("osnet_net_accept", "osnet_net_accept4")):
            raise RuntimeError("the shim never failed an accept of build/bin/http")
        http.accept_again()
        until(lambda seq: "http" in seq, T(20),
              "the HTTP server accepts again, so its checks pass: it should get requests again",
              False)
    finally:
        http.stop()
