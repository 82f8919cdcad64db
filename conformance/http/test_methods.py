"""HTTP-035: methods other than GET and HEAD on static files."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import HttpError, describe, expect_status, fetch, repro, request  # noqa: E402


@pytest.mark.req("HTTP-035")
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_other_methods_get_405_with_allow(server, site, report, method):
    rq = request(method, "/hello.txt", body=b"data" if method != "DELETE" else b"")
    report.repro(repro(server.addr, rq))
    r = fetch(server.addr, rq)
    expect_status(r, 405, f"{method} /hello.txt (a static file)")
    allowed = {t.upper() for t in r.tokens("Allow")}
    if not {"GET", "HEAD"} <= allowed or method in allowed:
        raise HttpError(f"{method} /hello.txt got 405 with Allow {r.get('Allow')!r}\n"
                        + describe(rq, "an Allow field listing GET and HEAD", r))
