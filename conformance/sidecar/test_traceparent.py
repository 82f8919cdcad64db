"""SIDECAR-010..018: the W3C traceparent the sidecar forwards."""
import itertools
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import Conn, HttpError, describe, get  # noqa: E402
from sidecarkit import (PID, TID, echoed, field_names, forwarded_traceparent,  # noqa: E402
                        hex_digits_differing, tid)


def tp(trace_id=TID, parent_id=PID, flags="01", version="00"):
    return f"{version}-{trace_id}-{parent_id}-{flags}"


def send_tp(sidecar, conn, headers):
    rq = get("/echo", headers)
    r = sidecar.send(rq, conn=conn)
    if r.status != 200:
        raise HttpError(f"status {r.status}, expected the origin's 200\n" + describe(rq, "200", r))
    return rq, r


# Invalid values, each with the trace-id it seems to carry (None: none), so
# a test can check that this trace-id was not reused.
INVALID = [
    ("upper-case trace-id", [tp(tid(1).upper())], tid(1)),
    ("upper-case parent-id", [tp(tid(2), PID.upper())], tid(2)),
    ("upper-case flags", [tp(tid(3), PID, "0A")], tid(3)),
    ("all-zero trace-id", [tp("0" * 32)], None),
    ("all-zero parent-id", [tp(tid(4), "0" * 16)], tid(4)),
    ("version ff", [tp(tid(5), version="ff")], tid(5)),
    ("trace-id one digit short", [tp(tid(6)[:-1])], tid(6)[:-1]),
    ("parent-id one digit long", [tp(tid(7), PID + "a")], tid(7)),
    ("a missing dash", [f"00-{tid(8)}{PID}-01"], tid(8)),
    ("a non-hex digit", [tp(tid(9)[:-1] + "g")], tid(9)[:-1] + "g"),
    ("version 00 followed by more", [tp(tid(10)) + "-x"], tid(10)),
    ("one flag digit", [tp(tid(11), flags="1")], tid(11)),
    ("an empty value", [""], None),
    ("two traceparent fields", [tp(tid(12)), tp(tid(12))], tid(12)),
]


@pytest.mark.req("SIDECAR-010")
def test_one_valid_traceparent_always_forwarded(sidecar):
    cases = [("none", [])] + [("valid", [("traceparent", tp(tid(20)))])] + \
        [(why, [("traceparent", v) for v in vals]) for why, vals, _ in INVALID]
    with Conn(sidecar.addr) as c:
        for why, headers in cases:
            rq, r = send_tp(sidecar, c, headers)
            try:
                forwarded_traceparent(r, rq)  # raises unless exactly one valid 00 value
            except HttpError as e:
                raise HttpError(f"client traceparent: {why}: {e}") from None


@pytest.mark.req("SIDECAR-011")
def test_field_names_lower_case(sidecar):
    rq, r = send_tp(sidecar, None, [("TraceParent", tp(tid(30))),
                                    ("TraceState", "congo=t61rcWkgMzE")])
    e = echoed(r)
    names = field_names(e, "traceparent") + field_names(e, "tracestate")
    if names != ["traceparent", "tracestate"]:
        raise HttpError(f"the origin received the trace fields named {names}; expected "
                        f"['traceparent', 'tracestate'] (lower case)\n"
                        + describe(rq, "lower-case names"))


@pytest.mark.req("SIDECAR-012")
def test_valid_trace_id_kept(sidecar):
    with Conn(sidecar.addr) as c:
        for i, name in enumerate(("traceparent", "TraceParent", "TRACEPARENT")):
            for flags in ("01", "00"):
                sent = tid(40 + i)
                rq, r = send_tp(sidecar, c, [(name, tp(sent, flags=flags))])
                got, _, _ = forwarded_traceparent(r, rq)
                if got != sent:
                    raise HttpError(f"a valid traceparent (field name {name!r}) with trace-id "
                                    f"{sent} was forwarded with trace-id {got}; the trace-id must "
                                    f"be kept\n" + describe(rq, f"trace-id {sent} forwarded"))


@pytest.mark.req("SIDECAR-013")
def test_new_parent_id_per_request(sidecar):
    incoming = tp(tid(50))
    spans = []
    with Conn(sidecar.addr) as c:
        for _ in range(5):
            rq, r = send_tp(sidecar, c, [("traceparent", incoming)])
            spans.append(forwarded_traceparent(r, rq)[1])
    for _ in range(5):  # and on connections of their own
        rq, r = send_tp(sidecar, None, [("traceparent", incoming)])
        spans.append(forwarded_traceparent(r, rq)[1])
    if PID in spans:
        raise HttpError(f"the client's parent-id {PID} was forwarded as is; the sidecar's "
                        f"request is a new span and needs a new parent-id\n"
                        + describe(rq, "a parent-id other than the client's"))
    if len(set(spans)) != len(spans):
        raise HttpError(f"10 requests with the same traceparent were forwarded with the "
                        f"parent-ids {spans}: some repeat; each request is a new span")


@pytest.mark.req("SIDECAR-014")
def test_sampled_and_random_flags_kept(sidecar):
    with Conn(sidecar.addr) as c:
        for i, flags in enumerate(("00", "01", "02", "03", "09", "08")):
            rq, r = send_tp(sidecar, c, [("traceparent", tp(tid(60 + i), flags=flags))])
            _, _, got = forwarded_traceparent(r, rq)
            want = int(flags, 16) & 0x03
            if got & 0x03 != want:
                raise HttpError(f"client trace-flags {flags}: forwarded trace-flags {got:02x}; the "
                                f"sampled (01) and random-trace-id (02) bits must stay as sent "
                                f"({want:02x})\n" + describe(rq, f"flags & 03 == {want:02x}"))


def _new_trace_ok(r, rq, why, not_tid):
    trace_id, _, flags = forwarded_traceparent(r, rq)
    if not_tid is not None and trace_id == not_tid.lower():
        raise HttpError(f"client traceparent: {why}: the forwarded trace-id {trace_id} is the "
                        f"one the ignored value carried; the trace must be restarted\n"
                        + describe(rq, "a new trace-id"))
    if not flags & 0x01:
        raise HttpError(f"client traceparent: {why}: the sidecar started a trace with "
                        f"trace-flags {flags:02x}; the sampled flag (01) must be set\n"
                        + describe(rq, "flags 01 or 03"))
    if flags & 0xfc:
        raise HttpError(f"client traceparent: {why}: the sidecar started a trace with "
                        f"trace-flags {flags:02x}; bits the specification does not define must "
                        f"be zero\n" + describe(rq, "flags 01 or 03"))
    return trace_id, flags


@pytest.mark.req("SIDECAR-015")
def test_absent_traceparent_starts_random_trace(sidecar):
    ids = []
    with Conn(sidecar.addr) as c:
        for _ in range(20):
            rq, r = send_tp(sidecar, c, [])
            ids.append(_new_trace_ok(r, rq, "none", None)[0])
    if len(set(ids)) != len(ids):
        raise HttpError(f"20 requests without a traceparent got the trace-ids {ids}: some repeat")
    # Random ids differ in about 13 of their right-most 14 hex digits; ids
    # made from a counter or a clock differ in one or two. Fewer than 4 by
    # chance has a probability near 1e-11.
    for a, b in itertools.combinations(ids, 2):
        if hex_digits_differing(a[-14:], b[-14:]) < 4:
            raise HttpError(f"new trace-ids {a} and {b} differ in only "
                            f"{hex_digits_differing(a[-14:], b[-14:])} of their last 14 hex "
                            f"digits: they are not random (a counter or a clock?)")


@pytest.mark.req("SIDECAR-016")
def test_invalid_traceparent_ignored(sidecar):
    with Conn(sidecar.addr) as c:
        for why, vals, seemed in INVALID:
            rq, r = send_tp(sidecar, c, [("traceparent", v) for v in vals])
            _new_trace_ok(r, rq, why, seemed)


@pytest.mark.req("SIDECAR-017")
def test_new_trace_sets_random_flag(sidecar):
    with Conn(sidecar.addr) as c:
        for why, headers in (("none", []), ("all-zero trace-id", [("traceparent", tp("0" * 32))])):
            rq, r = send_tp(sidecar, c, headers)
            _, _, flags = forwarded_traceparent(r, rq)
            if flags != 0x03:
                raise HttpError(f"client traceparent: {why}: a trace the sidecar started was "
                                f"forwarded with trace-flags {flags:02x}; expected 03 (sampled, "
                                f"random trace-id)\n" + describe(rq, "flags 03"))


@pytest.mark.req("SIDECAR-018")
def test_higher_version_read_as_00(sidecar):
    kept = [
        (tp(tid(70), version="cc") + "-what-the-future-holds", tid(70), 0x01),
        (tp(tid(71), version="01", flags="00"), tid(71), 0x00),
        (tp(tid(72), version="fe", flags="01") + "-", tid(72), 0x01),
    ]
    restarted = [
        (tp(tid(73), version="cc") + ".what-the-future-holds", tid(73)),
        (f"cc-{tid(74)}-{PID}", tid(74)),
        (tp(tid(75), version="cc", flags="0X") + "-x", tid(75)),
    ]
    with Conn(sidecar.addr) as c:
        for value, sent, flags in kept:
            rq, r = send_tp(sidecar, c, [("traceparent", value)])
            got, span, fl = forwarded_traceparent(r, rq)  # also checks version 00
            if got != sent or fl & 0x03 != flags or span == PID:
                raise HttpError(f"client traceparent {value!r} (a later version): forwarded "
                                f"trace-id {got}, parent-id {span}, flags {fl:02x}; expected "
                                f"trace-id {sent} kept, flags {flags:02x}, a new parent-id, as "
                                f"version 00\n" + describe(rq, "the trace kept, version 00"))
        for value, seemed in restarted:
            rq, r = send_tp(sidecar, c, [("traceparent", value)])
            _new_trace_ok(r, rq, f"{value!r} (a later version, malformed)", seemed)
