"""LB-012..LB-015: connect failures, ejection, retries, and no backend at all.

A backend "refuses" when its listening socket is closed (Backend.down()):
the load balancer's connect gets ECONNREFUSED at once, and nothing of the
request has been sent. Whether it then avoids that backend cannot be seen on
a closed port, so the tests open the port again (Backend.up()) and watch
whether requests come back to it before --eject-time.
"""
import pathlib
import sys
import zlib

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from lbkit import Traffic, backend_of, forwarded, rotation, send, sequence, show_seq  # noqa: E402
from osnet_harness.backends import pattern  # noqa: E402
from osnet_harness.httpclient import HttpError, describe, repro  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402


def post_repro(addr, target):
    host, port = addr
    return (f"curl -s -D- -o /dev/null --data-binary @/etc/services "
            f"http://{host}:{port}{target}   # with a backend that refuses or closes")


def long_eject():
    """An --eject-time far longer than any test takes."""
    return str(int(T(600)))


@pytest.mark.req("LB-012")
def test_refused_connection_is_retried_on_another_backend(launcher, backends, report):
    bs = backends(3)
    b1 = bs[0]
    lb = launcher.start(args=["--eject-time", long_eject()])
    b1.down()
    # POSTs first: in a round-robin cycle one of the first three is sent to b1.
    for i in range(3):
        body = pattern(i, 50_000 + i)
        tag = f"retrypost={i}"
        r = send(lb.addr, f"/echo?{tag}", method="POST", body=body)
        report.repro(post_repro(lb.addr, "/echo"))
        if r.status != 200 or backend_of(r) in (None, b1.name):
            raise HttpError(f"POST #{i + 1}: {b1.name} refuses connections, so a request sent "
                            f"to it must go to another backend and the client get that one's "
                            f"200\n" + describe(r.request, "200 from b2 or b3", r))
        got = [(b, x) for b in bs for x in forwarded(b, tag)]
        if len(got) != 1:
            raise HttpError(f"POST #{i + 1} should reach exactly one backend; it reached "
                            f"{len(got)}: {', '.join(b.name for b, _ in got) or 'none'}")
        b, x = got[0]
        x.finished.wait(T(10))
        if not x.complete or x.body_length != len(body) or x.body_crc32 != zlib.crc32(body):
            raise HttpError(f"POST #{i + 1}: {b.name} received {x.body_length} body bytes"
                            f"{'' if x.complete else ' (incomplete)'}, not the {len(body)} sent "
                            f"(or they differ)")
    names = sequence(lb.addr, 9, tag="retryget",
                     what=f"while {b1.name} refuses connections, a GET")
    assert b1.name not in names, f"{b1.name} is down, yet answered: {show_seq(names)}"


@pytest.mark.req("LB-013", "LB-003")
def test_ejected_backend_gets_nothing_during_eject_time(launcher, backends, report):
    bs = backends(3)
    b1, b2, b3 = bs
    lb = launcher.start(args=["--eject-time", long_eject()])
    b1.down()
    first = sequence(lb.addr, 3, tag="fail",
                     what=f"while {b1.name} refuses connections, a GET")
    assert b1.name not in first
    b1.up()
    names = sequence(lb.addr, 12, tag="ejected",
                     what=f"after {b1.name} refused a connection and listens again, a GET")
    assert b1.name not in names, (
        f"{b1.name} refused a connection (one of the 3 requests sent while it was down went to "
        f"it first, in a round-robin cycle), so it is out for --eject-time {long_eject()} s; "
        f"it listens again, but must get no request before that time is over. 12 requests "
        f"went to:\n    {show_seq(names)}\ncommand: {lb.command_line()}")
    assert rotation(names, [b2.name, b3.name]), (
        f"with {b1.name} out, round-robin must keep cycling over the other two in order; "
        f"12 requests went to:\n    {show_seq(names)}")


@pytest.mark.req("LB-013")
def test_ejected_backend_returns_after_eject_time(launcher, backends, report):
    bs = backends(3)
    b1 = bs[0]
    lb = launcher.start(args=["--eject-time", "1"])
    b1.down()
    sequence(lb.addr, 3, tag="fail", what=f"while {b1.name} refuses connections, a GET")
    b1.up()
    t = Traffic(lb.addr, tag="back")
    try:
        t.until_reached(b1.name, T(30), pause=0.05)
    except HttpError as e:
        raise HttpError(f"--eject-time 1: {b1.name} refused a connection, then listened "
                        f"again; it must be back in rotation after 1 s: {e}\n"
                        f"command: {lb.command_line()}") from None


@pytest.mark.req("LB-014")
@pytest.mark.parametrize("how", ["close-before", "reset-before"])
def test_post_is_not_retried_once_sent(launcher, backends, report, how):
    bs = backends(2)
    lb = launcher.start()
    body = pattern(3, 2000)
    r = send(lb.addr, f"/{how}?once=1", method="POST", body=body)
    report.repro(post_repro(lb.addr, f"/{how}"))
    got = [b.name for b in bs for _ in forwarded(b, "once=1")]
    if r.status != 502:
        raise HttpError(f"the backend that received the POST {'closed' if how == 'close-before' else 'reset'} "
                        f"the connection without answering; the client must get 502"
                        f" (received by: {', '.join(got) or 'none'})\n"
                        + describe(r.request, "502", r))
    assert len(got) == 1, (f"a POST that reached a backend must not be sent again, to it or "
                           f"another: it reached {', '.join(got)} ({len(got)} times)")


@pytest.mark.req("LB-015")
def test_every_backend_refusing_is_503(launcher, backends, report):
    bs = backends(2)
    lb = launcher.start()
    for b in bs:
        b.down()
    for i in range(2):
        r = send(lb.addr, f"/echo?none={i}")
        report.repro(repro(lb.addr, r.request))
        if r.status != 503:
            raise HttpError(f"request #{i + 1}: every backend refuses connections; expected "
                            f"503\n" + describe(r.request, "503", r))
