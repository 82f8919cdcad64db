"""SIDECAR-019, SIDECAR-020: tracestate follows its traceparent."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import Conn, HttpError, describe, expect_status, get  # noqa: E402
from sidecarkit import PID, echoed, fields, tid, tracestate_members  # noqa: E402


def long_tracestate(total=512):
    """A tracestate of exactly `total` characters: 16 members k00=vvv...,"""
    members = []
    n = 16
    each = (total - (n - 1)) // n           # characters per member, commas apart
    extra = (total - (n - 1)) - each * n    # the first members get one more
    for i in range(n):
        key = f"k{i:02d}="
        members.append(key + "v" * (each + (1 if i < extra else 0) - len(key)))
    value = ",".join(members)
    assert len(value) == total
    return value


@pytest.mark.req("SIDECAR-019")
def test_tracestate_forwarded_unchanged(sidecar):
    valid = f"00-{tid(80)}-{PID}-01"
    big = long_tracestate(512)
    cases = [
        ("one field", [("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")],
         ["congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7"]),
        ("two fields", [("tracestate", "a=1,b=2"), ("tracestate", "c=3")],
         ["a=1", "b=2", "c=3"]),
        ("spaces around members", [("tracestate", "x@vendor=one two , y=2")],
         ["x@vendor=one two", "y=2"]),
        ("512 characters", [("tracestate", big)], big.split(",")),
    ]
    with Conn(sidecar.addr) as c:
        for why, extra, want in cases:
            rq = get("/echo", [("traceparent", valid)] + extra)
            r = sidecar.send(rq, conn=c)
            expect_status(r, 200, "a request with traceparent and tracestate", rq)
            vals = fields(echoed(r), "tracestate")
            got = tracestate_members(",".join(vals))
            if got != want:
                raise HttpError(f"tracestate ({why}) with a valid traceparent: the origin "
                                f"received tracestate {vals!r}, i.e. the members {got}; expected "
                                f"{want} unchanged, in order\n"
                                + describe(rq, "tracestate as sent"))


@pytest.mark.req("SIDECAR-020")
def test_tracestate_dropped_when_trace_restarts(sidecar):
    cases = [("no traceparent", []),
             ("an invalid traceparent", [("traceparent", f"00-{'0' * 32}-{PID}-01")])]
    with Conn(sidecar.addr) as c:
        for why, extra in cases:
            rq = get("/echo", extra + [("tracestate", "congo=t61rcWkgMzE")])
            r = sidecar.send(rq, conn=c)
            expect_status(r, 200, "a request with tracestate", rq)
            vals = fields(echoed(r), "tracestate")
            if vals:
                raise HttpError(f"tracestate with {why}: the sidecar started a new trace but "
                                f"forwarded the old tracestate {vals!r}; it should be dropped\n"
                                + describe(rq, "no tracestate forwarded"))
