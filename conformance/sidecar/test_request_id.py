"""SIDECAR-021, SIDECAR-022: X-Request-Id, kept or made, seen by both ends."""
import pathlib
import re
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import Conn, HttpError, describe, expect_status, get  # noqa: E402
from sidecarkit import echoed, fields  # noqa: E402

PRINTABLE = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]{0,198}[\x21-\x7e])?$")


def ids_seen(sidecar, rq, conn=None, status=200):
    """(ids the origin received, ids in the response) for one request."""
    r = sidecar.send(rq, conn=conn)
    expect_status(r, status, "a request through the sidecar", rq)
    upstream = fields(echoed(r), "X-Request-Id") if status == 200 else None
    return upstream, r.get_all("X-Request-Id"), r


@pytest.mark.req("SIDECAR-021")
def test_client_request_id_kept_and_returned(sidecar):
    ids = ["abc-123", "req \"quoted\" \\ back slash", "x" * 200,
           "0f8fad5b-d9cb-469f-a165-70867728950e"]
    with Conn(sidecar.addr) as c:
        for rid in ids:
            rq = get("/echo", [("X-Request-Id", rid)])
            upstream, back, r = ids_seen(sidecar, rq, c)
            if upstream != [rid]:
                raise HttpError(f"the client sent X-Request-Id {rid!r}; the origin received "
                                f"X-Request-Id {upstream!r}; expected exactly [{rid!r}]\n"
                                + describe(rq, "the id forwarded unchanged"))
            if back != [rid]:
                raise HttpError(f"the client sent X-Request-Id {rid!r}; the response carries "
                                f"X-Request-Id {back!r}; expected exactly [{rid!r}]\n"
                                + describe(rq, f"X-Request-Id: {rid}", r))


@pytest.mark.req("SIDECAR-022")
def test_request_id_made_when_missing_or_invalid(sidecar, origin):
    cases = [("none", [])] * 20 + [
        ("an empty value", [("X-Request-Id", "")]),
        ("201 characters", [("X-Request-Id", "y" * 201)]),
        ("a tab inside", [("X-Request-Id", "abc\tdef")]),
        ("a non-ASCII byte", [("X-Request-Id", b"caf\xc3\xa9")]),
        ("two fields", [("X-Request-Id", "one"), ("X-Request-Id", "two")]),
    ]
    made = []
    with Conn(sidecar.addr) as c:
        for why, headers in cases:
            rq = get("/echo", headers)
            upstream, back, r = ids_seen(sidecar, rq, c)
            given = [v.decode("latin-1") if isinstance(v, bytes) else v for _, v in headers]
            if len(back) != 1 or not PRINTABLE.match(back[0]):
                raise HttpError(f"client X-Request-Id: {why}: the response carries X-Request-Id "
                                f"{back!r}; expected exactly one made by the sidecar (1 to 200 "
                                f"printable ASCII characters)\n" + describe(rq, "one id", r))
            if back[0] in given:
                raise HttpError(f"client X-Request-Id: {why}: the sidecar kept {back[0]!r}, "
                                f"which it must not accept\n" + describe(rq, "a new id", r))
            if upstream != back:
                raise HttpError(f"client X-Request-Id: {why}: the origin received X-Request-Id "
                                f"{upstream!r} but the client got {back!r}; both ends must see "
                                f"the same one id\n" + describe(rq, "the same id at both ends", r))
            made.append(back[0])
    if len(set(made)) != len(made):
        raise HttpError(f"{len(made)} requests got the ids {made}: some repeat")
    # The responses the sidecar makes itself carry the id too.
    origin.down()
    for headers, want in (([("X-Request-Id", "given-502")], "given-502"), ([], None)):
        rq = get("/echo", headers)
        _, back, r = ids_seen(sidecar, rq, status=502)
        if len(back) != 1 or (want is not None and back[0] != want) or \
                not PRINTABLE.match(back[0]):
            raise HttpError(f"the sidecar's own 502 carries X-Request-Id {back!r}; expected "
                            f"exactly one, {want!r} when the client sent it\n"
                            + describe(rq, "X-Request-Id on the 502", r))


@pytest.mark.req("SIDECAR-021", "SIDECAR-022")
def test_origin_request_id_does_not_duplicate(sidecar):
    """An origin that sets X-Request-Id on its responses (many frameworks
    do) must not give the client a second, different id: the response
    carries exactly one, the request's."""
    with Conn(sidecar.addr) as c:
        for given in ("client-id-7", None):
            headers = [("X-Request-Id", given)] if given else []
            rq = get("/with-request-id/origin-own-id", headers)
            upstream, back, r = ids_seen(sidecar, rq, c)
            said = f"the client sent X-Request-Id {given!r}" if given else \
                "the client sent no X-Request-Id"
            if not upstream or len(upstream) != 1 or (given and upstream != [given]):
                raise HttpError(f"{said}; the origin received X-Request-Id {upstream!r}; expected "
                                f"exactly {[given] if given else 'one made by the sidecar'}\n"
                                + describe(rq, "one id at the origin", r))
            if back != upstream:
                raise HttpError(f"{said}; the origin received {upstream!r} and answered with its "
                                f"own X-Request-Id: origin-own-id; the client got X-Request-Id "
                                f"{back!r}; expected exactly {upstream!r} (the request's id, "
                                f"once)\n" + describe(rq, f"X-Request-Id: {upstream[0]}", r))
